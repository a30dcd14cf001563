"""The result cache: hits and misses, what invalidates an entry, where it lives,
`aiolint clean`, corrupt entries, concurrent runs, and a cached run that never
loads LibCST."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import MISSING, fields
from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

import aiolint.cli.runner as runner
import aiolint.workspace.cache as cache_module
from aiolint.engine.lint import lint_source
from aiolint.engine.model import FileResult, InternalError, TextFix
from aiolint.engine.registry import rules_for
from aiolint.semantic.context import LintOptions
from aiolint.workspace.cache import (
    CACHEDIR_SIGNATURE,
    INDEX_PREFIX,
    ResultCache,
    create_cache_dir,
    seal,
    unseal,
)
from aiolint.workspace.config import Config

GATHER = (
    "import asyncio\n\n\nasync def main(a, b):\n"
    "    x, y = await asyncio.gather(a(), b())\n    return x, y\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project using the default cache location (`.aiolint_cache` at its root)."""
    monkeypatch.delenv("AIOLINT_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.aiolint]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(SLEEPY)
    (tmp_path / "pkg" / "b.py").write_text(GATHER)
    (tmp_path / "clean.py").write_text("x = 1\n")
    return tmp_path


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The files each run had to lint (the cache's misses), one list per run."""
    runs: list[list[str]] = []
    real = runner.run_jobs

    def recording(jobs, workers, on_result, tick=None):
        runs[-1].extend(job.shown for job in jobs)
        return real(jobs, workers, on_result, tick)

    real_lint_files = runner.lint_files

    def lint_files(*args, **kwargs):
        runs.append([])
        return real_lint_files(*args, **kwargs)

    monkeypatch.setattr(runner, "run_jobs", recording)
    monkeypatch.setattr("aiolint.cli.main.lint_files", lint_files)
    return runs


def entries(root: Path) -> list[Path]:
    """The result entries, one per file (not the index of them all, the
    project model's records, nor what the dependency files declare, beside them)."""
    found = root.glob(".aiolint_cache/*/*.marshal")
    return sorted(
        p
        for p in found
        if not p.name.startswith(("project-", INDEX_PREFIX)) and p.name != "declared.marshal"
    )


def read_entry(entry: Path) -> object:
    payload = unseal(entry.read_bytes())
    assert payload is not None, f"{entry}: checksum does not match"
    return marshal.loads(payload)


def index_file(root: Path) -> Path:
    """The index of the results (one per run key: one here)."""
    (found,) = root.glob(f".aiolint_cache/*/{INDEX_PREFIX}*.marshal")
    return found


def read_index(root: Path) -> tuple[str, dict]:
    run_key, items = read_entry(index_file(root))  # type: ignore[misc]
    return run_key, items


def write_index(root: Path, run_key: str, items: dict) -> None:
    index_file(root).write_bytes(seal(marshal.dumps((run_key, items))))


def test_second_run_is_served_from_the_cache(project: Path, capsys, linted) -> None:
    first = run_cli(capsys, "check", "--output-format", "json")
    second = run_cli(capsys, "check", "--output-format", "json")
    assert linted == [["clean.py", "pkg/a.py", "pkg/b.py"], []]
    # the whole result comes back: messages, spans, fixes with their edits
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    fixes = [d["fix"] for d in json.loads(second.out)]
    assert all(fix and fix["edits"] for fix in fixes) and len(fixes) == 2
    assert len(entries(project)) == 3
    assert len(read_index(project)[1]) == 3  # and one index of the three


def test_text_output_and_fix_marks_are_the_same_from_the_cache(project: Path, capsys) -> None:
    args = ("check", "--show-source", "--statistics", "--unsafe-fixes")
    assert run_cli(capsys, *args) == run_cli(capsys, *args)


def test_an_edited_file_is_linted_again(project: Path, capsys, linted) -> None:
    run_cli(capsys, "check")
    (project / "pkg" / "a.py").write_text(SLEEPY + "\n\nasync def g():\n    time.sleep(2)\n")
    run = run_cli(capsys, "check")
    assert linted[1] == ["pkg/a.py"]
    assert len([line for line in run.lines if "pkg/a.py" in line]) == 2
    assert len(entries(project)) == 3  # the entry is replaced, not added
    assert len(read_index(project)[1]) == 3  # and so is the index's item


@pytest.mark.parametrize(
    "args",
    [
        ("--select", "AIO2"),
        ("--ignore", "AIO201"),
        ("--per-file-ignores", "a.py:AIO201"),
        ("--target-version", "py310"),
    ],
)
def test_settings_that_change_findings_miss(project: Path, capsys, linted, args) -> None:
    run_cli(capsys, "check")
    run_cli(capsys, "check", *args)
    assert linted[1], f"{args} reused results computed with other settings"
    expected = run_cli(capsys, "check", "--no-cache", *args)
    assert run_cli(capsys, "check", *args) == expected
    assert linted[-1] == []


def test_settings_that_do_not_change_findings_hit(project: Path, capsys, linted) -> None:
    run_cli(capsys, "check")
    for args in (
        ("--unsafe-fixes",),
        ("--unfixable", "AIO201"),
        ("--output-format", "concise"),
        ("--show-source",),
        ("--no-respect-gitignore",),
        ("--jobs", "1"),
    ):
        run_cli(capsys, "check", *args)
        assert linted[-1] == [], args


def test_an_entry_without_fix_texts_is_not_served_to_a_run_printing_them(
    project: Path, capsys, linted
) -> None:
    plain = run_cli(capsys, "check")  # fix summaries only: no edits generated
    assert "[*] 1 fixable with the `--fix` option (1 hidden fix" in plain.err
    shown = run_cli(capsys, "check", "--output-format", "json")
    assert linted[1] == ["pkg/a.py", "pkg/b.py"]  # clean.py has no fix: its entry serves
    assert shown == run_cli(capsys, "check", "--no-cache", "--output-format", "json")
    assert all(d["fix"]["edits"] for d in json.loads(shown.out))
    run_cli(capsys, "check", "--output-format", "sarif")
    assert linted[-1] == []  # rewritten with the texts


def test_an_entry_with_fix_texts_serves_a_run_that_shows_none(
    project: Path, capsys, linted
) -> None:
    run_cli(capsys, "check", "--output-format", "json")
    for args in ((), ("--statistics",), ("--output-format", "full", "--unsafe-fixes")):
        cached = run_cli(capsys, "check", *args)
        assert linted[-1] == [], args
        assert cached == run_cli(capsys, "check", "--no-cache", *args), args


def test_a_lookup_needing_fix_texts_misses_an_entry_of_summaries(tmp_path: Path) -> None:
    source = tmp_path / "a.py"
    source.write_text(SLEEPY)
    digest = cache_module.file_digest(source)
    texts = lint_source(SLEEPY, "a.py", rules_for(("AIO201",)), LintOptions())
    summaries = lint_source(SLEEPY, "a.py", rules_for(("AIO201",)), LintOptions(), fix_text=False)
    assert isinstance(texts.diagnostics[0].fix, TextFix)
    assert summaries.diagnostics[0].fix == texts.diagnostics[0].fix.summary()
    cache = ResultCache.open(tmp_path / "cache", {})
    cache.store(source, "a.py", ("AIO201",), digest, summaries)
    assert cache.lookup(source, "a.py", ("AIO201",), fix_text=True) is None
    assert cache.lookup(source, "a.py", ("AIO201",), fix_text=False) == summaries
    assert cache.lookup(source, "a.py", ("AIO201",), fix_text=False).diagnostics[0].fix == (
        summaries.diagnostics[0].fix
    )
    cache.store(source, "a.py", ("AIO201",), digest, texts)
    for fix_text in (True, False):
        hit = cache.lookup(source, "a.py", ("AIO201",), fix_text=fix_text)
        assert hit is not None and hit.diagnostics[0].fix is not None
        assert hit.diagnostics[0].fix.edits == texts.diagnostics[0].fix.edits


def test_a_new_version_or_build_misses(project: Path, capsys, linted, monkeypatch) -> None:
    run_cli(capsys, "check")
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    run_cli(capsys, "check")
    assert len(linted[1]) == 3
    monkeypatch.setattr(cache_module, "build_id", lambda: "0123456789abcdef")
    run_cli(capsys, "check")
    assert len(linted[2]) == 3
    run_cli(capsys, "check")
    assert linted[3] == []
    assert {p.parent.name for p in entries(project)} >= {"99.0.0-0123456789abcdef"}


def test_build_id_changes_when_a_package_file_changes(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "aiolint"
    package.mkdir()
    (package / "x.py").write_text("A = 1\n")
    monkeypatch.setattr(cache_module, "__file__", str(package / "cache.py"))
    cache_module.build_id.cache_clear()
    try:
        before = cache_module.build_id()
        (package / "x.py").write_text("A = 22\n")
        cache_module.build_id.cache_clear()
        assert cache_module.build_id() != before
    finally:
        cache_module.build_id.cache_clear()


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"{not json",
        b"\xff\xfe",
        b"[\xff\xff\xff\x7f",  # a list of 2**31 - 1 items, then nothing
        marshal.dumps(None),
        marshal.dumps(("key", "digest")),
        marshal.dumps({"key": [], "digest": "x", "result": {}}),
        seal(b""),  # the checksum right, what it guards wrong
        seal(b"[\xff\xff\xff\x7f"),
        seal(marshal.dumps(None)),
        seal(marshal.dumps(("key", "digest"))),
    ],
)
def test_a_corrupt_entry_is_ignored_and_rewritten(
    project: Path, capsys, linted, garbage: bytes
) -> None:
    first = run_cli(capsys, "check")
    for entry in [*entries(project), index_file(project)]:
        entry.write_bytes(garbage)
    assert run_cli(capsys, "check") == first
    assert len(linted[1]) == 3
    assert all(read_entry(e)[1] for e in entries(project))  # type: ignore[index]
    assert len(read_index(project)[1]) == 3
    assert run_cli(capsys, "check") == first and linted[2] == []


@pytest.mark.parametrize("garbage", [b"", seal(b"[\xff\xff\xff\x7f"), seal(marshal.dumps(None))])
def test_a_corrupt_index_is_ignored_and_rewritten_from_the_entries(
    project: Path, capsys, linted, garbage: bytes
) -> None:
    """The entries answer while the index is damaged; the run writes it anew."""
    first = run_cli(capsys, "check")
    index_file(project).write_bytes(garbage)
    assert run_cli(capsys, "check") == first
    assert linted[1] == []
    assert len(read_index(project)[1]) == 3
    for entry in entries(project):  # now the index alone answers
        entry.unlink()
    assert run_cli(capsys, "check") == first and linted[2] == []


def test_an_index_of_another_run_key_is_not_used(project: Path, capsys, linted) -> None:
    first = run_cli(capsys, "check")
    run_key, items = read_index(project)
    write_index(project, "0" * 64, items)
    for entry in entries(project):
        entry.unlink()
    assert run_cli(capsys, "check") == first
    assert len(linted[1]) == 3
    assert read_index(project)[0] == run_key


def test_an_index_two_runs_wrote_keeps_the_results_of_both(tmp_path: Path) -> None:
    """Two runs that read the index before either wrote it: the second to
    write merges the first's items, and a result the index lost in a race is
    still served from its entry."""
    sources = []
    for name in ("a.py", "b.py"):
        source = tmp_path / name
        source.write_text(f"{name[0]} = 1\n")
        sources.append((source, __import__("hashlib").sha256(source.read_bytes()).hexdigest()))
    first, second = (ResultCache.open(tmp_path / "c", {}) for _ in range(2))
    for cache in (first, second):
        assert cache.lookup(sources[0][0], "a.py", ("AIO201",)) is None
    first.store(sources[0][0], "a.py", ("AIO201",), sources[0][1], FileResult("a.py"))
    second.store(sources[1][0], "b.py", ("AIO201",), sources[1][1], FileResult("b.py"))
    first.save()
    second.save()
    for entry in (tmp_path / "c" / first.name).glob("*.marshal"):
        if not entry.name.startswith(INDEX_PREFIX):
            entry.unlink()  # the index alone answers
    third = ResultCache.open(tmp_path / "c", {})
    assert third.lookup(sources[0][0], "a.py", ("AIO201",)) == FileResult("a.py")
    assert third.lookup(sources[1][0], "b.py", ("AIO201",)) == FileResult("b.py")
    # a run whose index write was lost: its entry still answers, and goes in the index
    fourth = ResultCache.open(tmp_path / "c", {})
    fourth.store(sources[0][0], "a2.py", ("AIO201",), sources[0][1], FileResult("a2.py"))
    fifth = ResultCache.open(tmp_path / "c", {})
    assert fifth.lookup(sources[0][0], "a2.py", ("AIO201",)) == FileResult("a2.py")
    fifth.save()
    assert len(marshal.loads(unseal(Path(fifth.index_path).read_bytes()))[1]) == 3


def test_an_index_item_of_an_edited_file_is_a_miss(project: Path, capsys, linted) -> None:
    """The index keeps each file's hash: an edit of the same size and time misses."""
    run_cli(capsys, "check")
    source = project / "pkg" / "a.py"
    before = source.stat()
    source.write_text(SLEEPY.replace("sleep(1)", "sleep(2)"))
    assert source.stat().st_size == before.st_size
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    for entry in entries(project):
        entry.unlink()
    run_cli(capsys, "check")
    assert linted[1] == ["pkg/a.py"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda result: None,
        lambda result: (result[0], 1, result[2]),  # parsed: an int, not a bool
        lambda result: (result[0], result[1], ((*result[2][0][:2], "5", *result[2][0][3:]),)),
        lambda result: (result[0], result[1], (result[2][0][:-1],)),
        lambda result: (result[0], result[1], ((*result[2][0][:-1], ("t", "nope", ())),)),
    ],
)
def test_an_entry_with_the_right_key_and_a_bad_result_is_a_miss(
    project: Path, capsys, linted, damage
) -> None:
    """The result an entry (or the index) holds is checked value by value, not trusted."""
    first = run_cli(capsys, "check")
    entry = next(e for e in entries(project) if read_entry(e)[2][2])  # type: ignore[index]
    key, digest, result = read_entry(entry)  # type: ignore[misc]
    entry.write_bytes(seal(marshal.dumps((key, digest, damage(result)))))
    run_key, items = read_index(project)
    (item_key,) = [k for k, item in items.items() if item[1] == result]
    items[item_key] = (digest, damage(result), items[item_key][2])
    write_index(project, run_key, items)
    assert run_cli(capsys, "check") == first
    assert len(linted[1]) == 1


def test_a_truncated_entry_is_a_miss(project: Path, capsys, linted) -> None:
    first = run_cli(capsys, "check")
    entry = max(entries(project), key=lambda p: p.stat().st_size)
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    index = index_file(project)
    index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
    assert run_cli(capsys, "check") == first
    assert len(linted[1]) == 1


def test_an_entry_of_another_file_is_not_used(project: Path, capsys, linted) -> None:
    """An entry copied over another file's entry (a hash clash) is a miss."""
    first = run_cli(capsys, "check")
    found = entries(project)
    data = found[0].read_bytes()
    for entry in found[1:]:
        entry.write_bytes(data)
    run_key, items = read_index(project)
    result = read_entry(found[0])[2]  # type: ignore[index]
    (source,) = [key for key, item in items.items() if item[1] == result]
    write_index(project, run_key, dict.fromkeys(items, items[source]))  # that file's, too
    assert run_cli(capsys, "check") == first
    assert len(linted[1]) == 2


def test_results_with_internal_errors_are_not_cached(project: Path, capsys, monkeypatch) -> None:
    import aiolint.cli.worker as worker

    real = worker.run_job

    def crash_on_a(job):
        outcome = real(job)
        if job.shown == "pkg/a.py":
            outcome.result.errors.append(InternalError(job.shown, "AIO201", "boom"))
        return outcome

    monkeypatch.setattr(worker, "run_job", crash_on_a)
    assert run_cli(capsys, "check").code == 2
    monkeypatch.setattr(worker, "run_job", real)
    assert run_cli(capsys, "check").code == 1
    assert len(entries(project)) == 3


def test_cache_folder_is_tagged_and_ignored_by_git(project: Path, capsys) -> None:
    run_cli(capsys, "check")
    root = project / ".aiolint_cache"
    assert root.is_dir()
    assert "*" in (root / ".gitignore").read_text().splitlines()
    assert (root / "CACHEDIR.TAG").read_text().startswith(CACHEDIR_SIGNATURE)


def test_no_cache_writes_nothing(project: Path, capsys, monkeypatch) -> None:
    assert run_cli(capsys, "check", "--no-cache").code == 1
    monkeypatch.setenv("AIOLINT_NO_CACHE", "1")
    assert run_cli(capsys, "check").code == 1
    assert not (project / ".aiolint_cache").exists()
    monkeypatch.setenv("AIOLINT_NO_CACHE", "false")
    run_cli(capsys, "check")
    assert (project / ".aiolint_cache").exists()


def test_fix_diff_and_stdin_runs_do_not_use_the_cache(project: Path, capsys) -> None:
    run_cli(capsys, "check", "--diff")
    run_cli(capsys, "check", "--fix")
    assert "await asyncio.sleep" in (project / "pkg" / "a.py").read_text()
    proc = subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "-", "--stdin-filename", "x.py"],
        input=SLEEPY.encode(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 1
    assert not (project / ".aiolint_cache").exists()


def test_location_precedence_cli_env_config_default(project: Path, capsys, monkeypatch) -> None:
    (project / "pyproject.toml").write_text('[tool.aiolint]\ncache-dir = "build/lint-cache"\n')
    run_cli(capsys, "check")
    assert (project / "build" / "lint-cache" / "CACHEDIR.TAG").is_file()
    monkeypatch.setenv("AIOLINT_CACHE_DIR", str(project / "from-env"))
    run_cli(capsys, "check")
    assert (project / "from-env" / "CACHEDIR.TAG").is_file()
    run_cli(capsys, "check", "--cache-dir", "from-cli")
    assert (project / "from-cli" / "CACHEDIR.TAG").is_file()
    assert not (project / ".aiolint_cache").exists()


def test_config_cache_dir_is_relative_to_the_config_file(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text('[tool.aiolint]\ncache-dir = "lint-cache"\n')
    os.chdir(project / "pkg")
    run_cli(capsys, "check", ".")
    assert (project / "lint-cache" / "CACHEDIR.TAG").is_file()


def test_default_location_is_the_project_root(project: Path, capsys) -> None:
    os.chdir(project / "pkg")
    run_cli(capsys, "check", ".")
    assert (project / ".aiolint_cache").is_dir() and not (
        project / "pkg" / ".aiolint_cache"
    ).exists()


def test_without_aiolint_settings_the_cache_goes_in_the_working_folder(
    project: Path, capsys
) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    os.chdir(project / "pkg")
    run_cli(capsys, "check", ".")
    assert (project / "pkg" / ".aiolint_cache").is_dir()


def test_bad_cache_dir_config_value(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text("[tool.aiolint]\ncache-dir = 3\n")
    run = run_cli(capsys, "check")
    assert run.code == 2 and "cache-dir" in run.err


def test_a_cache_that_cannot_be_created_only_warns(project: Path, capsys) -> None:
    (project / "blocker").write_text("a file, not a folder\n")
    run = run_cli(capsys, "check", "--cache-dir", "blocker/cache")
    assert run.code == 1 and "warning: not caching" in run.err
    assert len(run.lines) == 2


def test_clean_removes_the_cache_and_says_so(project: Path, capsys) -> None:
    run_cli(capsys, "check")
    (project / "sub").mkdir()
    os.chdir(project / "sub")
    run_cli(capsys, "check", ".", "--isolated")  # a second cache, in sub/
    os.chdir(project)
    run = run_cli(capsys, "clean")
    assert run.code == 0
    assert run.lines == [
        "Removing cache at: .aiolint_cache",
        "Removing cache at: sub/.aiolint_cache",
    ]
    assert not list(project.rglob(".aiolint_cache"))
    assert run_cli(capsys, "clean").lines == []


def test_clean_honours_cache_dir_and_leaves_a_folder_aiolint_did_not_make(
    project: Path, capsys
) -> None:
    run_cli(capsys, "check", "--cache-dir", "elsewhere")
    assert run_cli(capsys, "clean", "--cache-dir", "elsewhere").lines == [
        "Removing cache at: elsewhere"
    ]
    (project / "precious").mkdir()
    (project / "precious" / "data.txt").write_text("keep me\n")
    run = run_cli(capsys, "clean", "--cache-dir", "precious")
    assert (run.code, run.out, run.err) == (0, "", "")
    assert sorted(p.name for p in (project / "precious").iterdir()) == ["data.txt"]


def test_a_folder_aiolint_did_not_make_is_never_opened_as_the_cache(tmp_path: Path) -> None:
    """Its build-like folders would be pruned: opening it raises instead."""
    (tmp_path / "c" / "0.0.1-0123456789abcdef").mkdir(parents=True)
    with pytest.raises(FileExistsError):
        ResultCache.open(tmp_path / "c", {})
    assert not (tmp_path / "c" / "CACHEDIR.TAG").exists()


def test_clean_refuses_a_cache_folder_aiolint_did_not_tag(project: Path, capsys) -> None:
    """A `.aiolint_cache` whose CACHEDIR.TAG another tool wrote is not removed."""
    (project / "sub" / ".aiolint_cache").mkdir(parents=True)
    tag = project / "sub" / ".aiolint_cache" / "CACHEDIR.TAG"
    tag.write_text(f"{CACHEDIR_SIGNATURE}\n# created by another tool\n")
    run = run_cli(capsys, "clean")
    assert run.code == 2 and "sub/.aiolint_cache has no aiolint cache's" in run.err
    assert tag.exists()


def _env_without_cache_dir() -> dict[str, str]:
    """The environment minus the test suite's cache folder (the default applies)."""
    return {k: v for k, v in os.environ.items() if k != "AIOLINT_CACHE_DIR"}


def _subprocess_check(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = _env_without_cache_dir()
    return subprocess.run(
        [sys.executable, "-m", "aiolint", "check", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_concurrent_runs_are_both_right(project: Path) -> None:
    for i in range(40):
        (project / "pkg" / f"m{i:02d}.py").write_text(SLEEPY if i % 2 else GATHER)
    expected = _subprocess_check(project, "--no-cache")
    env = _env_without_cache_dir()
    command = [sys.executable, "-m", "aiolint", "check", "-j", "1"]
    procs = [
        subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=300)[0] for proc in procs]
    assert outputs == [expected.stdout, expected.stdout]
    assert [proc.returncode for proc in procs] == [1, 1]
    again = _subprocess_check(project)
    assert again.stdout == expected.stdout
    assert len(entries(project)) == 43
    assert not list(project.glob(".aiolint_cache/*/.tmp-*"))


CHECK_AND_LIST_MODULES = textwrap.dedent(
    """
    import sys
    from aiolint.cli.main import main

    code = main(sys.argv[1:])
    loaded = sorted(m for m in sys.modules if m == "libcst" or m.startswith(("libcst.",
        "aiolint.rules", "aiolint.engine.lint", "aiolint.semantic", "aiolint.fixes.apply")))
    print("LOADED", code, loaded, file=sys.stderr)
    """
)


def _loaded(project: Path, *args: str) -> str:
    env = _env_without_cache_dir()
    proc = subprocess.run(
        [sys.executable, "-c", CHECK_AND_LIST_MODULES, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return proc.stderr.splitlines()[-1]


def test_a_cached_run_never_imports_libcst_or_a_rule(project: Path) -> None:
    # the first run lints, computing the fixes' text: its entries serve every run
    assert "'libcst'" in _loaded(project, "check", "--output-format", "json")
    for args in (
        ("check",),
        ("check", "--show-source", "--statistics"),
        ("check", "--output-format", "json"),
        ("check", "--write-baseline", "base.json"),
        ("check", "--baseline", "base.json"),
        ("rules",),
    ):
        line = _loaded(project, *args)
        assert line.endswith(" []"), (args, line)


#: What a run served from the cache has no use for (each costs milliseconds per
#: start): the parsers and tools of other options, dataclasses and typing.
NOT_FOR_A_CACHED_RUN = (
    "dataclasses",
    "inspect",
    "typing",
    "pathlib",
    "shutil",
    "json",
    "tomllib",
    "subprocess",
    "tempfile",
    "importlib.util",
    "tokenize",
    "configparser",
    "aiolint.cli.baseline",
    "aiolint.cli.since",
    "aiolint.engine.decoding",
)

LIST_MODULES = textwrap.dedent(
    """
    import sys
    from aiolint.cli.main import main

    code = main(sys.argv[2:])
    print("LOADED", code, sorted(m for m in sys.argv[1].split(",") if m in sys.modules),
        file=sys.stderr)
    """
)


def test_a_cached_run_imports_only_what_it_needs(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(SLEEPY)
    (tmp_path / "b.py").write_text(GATHER)
    command = [sys.executable, "-c", LIST_MODULES, ",".join(NOT_FOR_A_CACHED_RUN), "check"]
    env = _env_without_cache_dir()
    for run in ("lints", "cached"):
        proc = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=300
        )
        assert proc.stdout.count("AIO201") == 1 and proc.stdout.count("AIO101") == 1, run
    assert proc.stderr.splitlines()[-1] == "LOADED 1 []"


def test_version_does_not_import_libcst(project: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aiolint", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "aiolint.cli.main" in imported
    assert not {m for m in imported if m == "libcst" or m.startswith("aiolint.rules")}
    assert "importlib.metadata" not in imported


def test_lint_options_cover_every_option_that_changes_findings() -> None:
    """A `LintOptions` field the configuration sets must come from
    `runner.lint_options` (the cache key has those); one read from an
    `AIOLINT_*` variable (a default factory) is keyed by the environment."""
    from aiolint.semantic.context import LintOptions

    keyed = set(runner.lint_options(Config()))
    for option in fields(LintOptions):
        assert option.name in keyed or option.default_factory is not MISSING, (
            f"LintOptions.{option.name}: set it in runner.lint_options (the cache key)"
        )


def test_aiolint_environment_switches_are_in_the_key(
    project: Path, capsys, linted, monkeypatch
) -> None:
    run_cli(capsys, "check")
    monkeypatch.setenv("AIOLINT_NO_GATE", "1")
    run_cli(capsys, "check")
    assert len(linted[1]) == 3
    monkeypatch.setenv("AIOLINT_NO_CACHE", "0")  # the cache's own variables are not
    run_cli(capsys, "check")
    assert linted[2] == []


def test_prune_removes_entries_unused_for_long(tmp_path: Path) -> None:
    cache = ResultCache.open(tmp_path / "c", {"target_version": (3, 11)})
    source = tmp_path / "x.py"
    source.write_text("x = 1\n")
    digest = __import__("hashlib").sha256(source.read_bytes()).hexdigest()
    cache.store(source, "x.py", ("AIO201",), digest, FileResult("x.py"))
    assert cache.lookup(source, "x.py", ("AIO201",)) == FileResult("x.py")
    assert cache.prune() == 0  # the first prune only sets the mark
    assert cache.prune(now=time.time() + 2 * 24 * 3600) == 0  # a day later: nothing old
    assert cache.prune(now=time.time() + 60 * 24 * 3600) == 1  # 60 days on: the entry
    assert cache.lookup(source, "x.py", ("AIO201",)) is None


def test_folders_of_other_builds_are_removed_once_unused(tmp_path: Path) -> None:
    root = tmp_path / "c"
    create_cache_dir(root)  # a cache folder an earlier run made
    old = root / "0.0.1-0123456789abcdef"
    recent = root / "0.0.2-0123456789abcdef"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "entry.json").write_text("{}")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    (root / "mine").mkdir()
    ResultCache.open(root, {})
    assert not old.exists() and recent.exists() and (root / "mine").exists()


def test_readme_documents_the_cache_and_jobs() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for text in (
        "`--no-cache`",
        "`--cache-dir PATH`",
        "`-j N`, `--jobs N`",
        "aiolint clean",
        "AIOLINT_CACHE_DIR",
        "AIOLINT_NO_CACHE",
        'cache-dir = ".aiolint_cache"',
        "## Caching",
    ):
        assert text in readme, text

"""Bad input gives a clear diagnostic, never a traceback; one crash does not stop a run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from helpers import SLEEPY, run_cli

from aiolint.cli import worker
from aiolint.engine import lint as engine
from aiolint.engine.lint import lint_source
from aiolint.engine.model import FixAvailability
from aiolint.engine.registry import resolve_selection
from aiolint.engine.rule import Rule
from aiolint.fixes.apply import fix_source
from aiolint.semantic.context import LintOptions
from aiolint.workspace import cache, files
from aiolint.workspace.fix_settings import FixSettings


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.py").write_text(SLEEPY)
    return tmp_path


def test_syntax_error_among_good_files(tree: Path, capsys) -> None:
    (tree / "broken.py").write_text("import time\n\nasync def f(:\n    time.sleep(1)\n")
    run = run_cli(capsys, "check")
    assert run.code == 1
    assert run.lines[0].startswith("broken.py:3:")
    assert " AIO000 SyntaxError: " in run.lines[0]
    assert run.lines[1].startswith("good.py:5:5: AIO201")


def test_latin1_file_with_cookie(tree: Path, capsys) -> None:
    source = (
        "# -*- coding: latin-1 -*-\nimport time\n\n\n"
        "async def caf\xe9():\n    time.sleep(1)  # d\xe9j\xe0\n"
    )
    (tree / "latin.py").write_bytes(source.encode("latin-1"))
    run = run_cli(capsys, "check", "latin.py")
    assert run.lines == [run.lines[0]] and run.lines[0].startswith("latin.py:6:5: AIO201")


def test_crlf_and_bom(tree: Path, capsys) -> None:
    (tree / "crlf.py").write_bytes(b"\xef\xbb\xbf" + SLEEPY.replace("\n", "\r\n").encode())
    run = run_cli(capsys, "check", "crlf.py", "--show-source")
    assert run.lines == [run.lines[0], "    time.sleep(1)", "    ^"]
    assert run.lines[0].startswith("crlf.py:5:5: AIO201")


def test_empty_file(tree: Path, capsys) -> None:
    (tree / "empty.py").write_bytes(b"")
    assert run_cli(capsys, "check", "empty.py").code == 0


def test_binary_file_named_py(tree: Path, capsys) -> None:
    (tree / "blob.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe time asyncio")
    run = run_cli(capsys, "check")
    assert run.code == 1
    assert run.lines[0].startswith("blob.py:1:1: AIO000 Cannot decode file")
    assert run.lines[1].startswith("good.py:5:5")


def test_unknown_encoding_cookie(tree: Path, capsys) -> None:
    (tree / "odd.py").write_bytes(b"# coding: klingon\nimport time\n")
    run = run_cli(capsys, "check", "odd.py")
    assert run.code == 1 and "AIO000 Cannot decode file" in run.out and "klingon" in run.out


def test_unreadable_file(tree: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tree / "secret.py"
    secret.write_text(SLEEPY)
    if os.geteuid() == 0:  # root reads anything: simulate the permission error
        real = files.read_source

        def deny(path: object) -> bytes:
            if os.path.basename(os.fspath(path)) == "secret.py":  # type: ignore[arg-type]
                raise PermissionError(13, "Permission denied")
            return real(path)  # type: ignore[arg-type]

        for module in (files, engine, worker, cache):
            monkeypatch.setattr(module, "read_source", deny)
    else:
        secret.chmod(0)
    run = run_cli(capsys, "check")
    assert "secret.py:1:1: AIO000 Cannot read file: Permission denied" in run.lines
    assert any(line.startswith("good.py:5:5") for line in run.lines)


def test_dangling_symlink(tree: Path, capsys) -> None:
    (tree / "link.py").symlink_to(tree / "gone.py")
    run = run_cli(capsys, "check")
    assert "link.py:1:1: AIO000 Cannot read file: No such file or directory" in run.lines


class _Crashing(Rule):
    """Crashes on every call (test double, not registered).

    ## What it does
    -
    ## Why is this bad?
    -
    ## Example
    -
    ## Use instead
    -
    ## Fix safety
    -
    """

    abstract = True
    code = "AIO998"
    name = "crashing"
    fix_availability = FixAvailability.NONE

    def visit_Call(self, node: cst.Call) -> None:
        raise RuntimeError("boom")


def test_a_crashing_rule_is_isolated() -> None:
    rules = [*resolve_selection(None), _Crashing]
    result = lint_source(SLEEPY.encode(), "x.py", rules, LintOptions())
    assert [(d.start.line, d.code) for d in result.diagnostics] == [(5, "AIO201")]
    assert [(e.where, e.detail.split(" at ")[0]) for e in result.errors] == [
        ("AIO998", "RuntimeError: boom")
    ]


def test_internal_error_exits_2_after_reporting(
    tree: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiolint.cli.worker as worker

    real = worker.rules_for
    monkeypatch.setattr(worker, "rules_for", lambda codes: [*real(codes), _Crashing])
    run = run_cli(capsys, "check")
    assert run.code == 2
    assert run.lines[0].startswith("good.py:5:5: AIO201")
    assert "internal error in AIO998 while checking good.py: RuntimeError: boom" in run.err


@pytest.mark.slow
def test_standard_library_run_is_clean() -> None:
    """The CLI over the running Python's standard library: exit 0 or 1, no internal error."""
    stdlib = Path(os.__file__).parent
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiolint",
            "check",
            "--no-respect-gitignore",
            "--exclude",
            "site-packages",
            str(stdlib),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr


def test_deeply_nested_source_is_checked_not_crashed() -> None:
    # 3,000 implicitly concatenated strings nest 3,000 deep in LibCST's tree
    body = " ".join(['"x"'] * 3000)
    source = f"import time\n\nTEXT = ({body})\n\n\nasync def f():\n    time.sleep(1)\n"
    result = lint_source(source.encode(), "deep.py", resolve_selection(None), LintOptions())
    assert not result.errors
    assert [(d.start.line, d.code) for d in result.diagnostics] == [(7, "AIO201")]


CANDIDATE = "import asyncio\nimport time\n\n\nasync def f():\n    time.sleep(1)\n\n\n"


@pytest.mark.parametrize(
    ("expression", "line"),
    [
        (" + ".join(["a"] * 20_000), 9),  # LibCST's parser: hours
        ("a" + "[0]" * 1_500, 9),
        ("- " * 1_200 + "a", 9),
    ],
)
def test_a_chain_too_deep_for_libcst_is_aio000_in_seconds(expression: str, line: int) -> None:
    source = CANDIDATE + f"x = {expression}\n"
    code = (
        "import sys\n"
        "from aiolint.engine.lint import lint_source\n"
        "from aiolint.engine.registry import resolve_selection\n"
        "from aiolint.semantic.context import LintOptions\n"
        "result = lint_source(sys.stdin.buffer.read(), 'deep.py', resolve_selection(None),"
        " LintOptions())\n"
        "for d in result.diagnostics: print(d.start.line, d.code, d.message)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=source.encode(), capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    (only,) = proc.stdout.decode().splitlines()
    found_line, found_code, message = only.split(" ", 2)
    assert (int(found_line), found_code) == (line, "AIO000")
    assert message.startswith("File too deeply nested for aiolint: ")
    assert " levels (at most 1,000 for aiolint's parser;" in message
    assert message.endswith("Python accepts it, no rule checked it")


def test_a_chain_within_the_limit_is_linted() -> None:
    source = CANDIDATE + "x = " + " + ".join(["a"] * 900) + "\n"
    result = lint_source(source.encode(), "deep.py", resolve_selection(None), LintOptions())
    assert not result.errors
    assert [(d.start.line, d.code) for d in result.diagnostics] == [(6, "AIO201")]


def test_old_mac_line_endings_are_checked_and_fixed() -> None:
    source = b"import asyncio\r\rimport time\r\r\rasync def f():\r    time.sleep(1)\r"
    rules = resolve_selection(None)
    result = lint_source(source, "mac.py", rules, LintOptions())
    assert not result.errors
    assert [(d.start.line, d.start.column, d.code) for d in result.diagnostics] == [
        (7, 5, "AIO201")
    ]
    outcome = fix_source(source, "mac.py", rules, LintOptions(), FixSettings())
    assert outcome.error is None
    assert outcome.fixed is not None
    assert b"\n" not in outcome.fixed
    assert b"\r    await asyncio.sleep(1)\r" in outcome.fixed
    compile(outcome.fixed, "mac.py", "exec")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_never_read(tmp_path: Path) -> None:
    """A FIFO named `x.py` in a folder is skipped (only regular files are
    read); named on the command line it is one AIO000; the run never hangs."""
    (tmp_path / "pkg").mkdir()
    os.mkfifo(tmp_path / "pkg" / "x.py")
    (tmp_path / "pkg" / "good.py").write_text(SLEEPY)

    def check(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "aiolint", "check", "--no-cache", *args]
        return subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
        )

    folder = check("pkg")
    assert folder.returncode == 1, folder.stderr
    assert [line.split(":")[0] for line in folder.stdout.splitlines()] == ["pkg/good.py"]
    named = check("pkg/x.py", "pkg/good.py")
    assert named.returncode == 1, named.stderr
    assert "pkg/x.py:1:1: AIO000 Cannot read file: Not a regular file (a FIFO)" in named.stdout
    assert "pkg/good.py:5:5: AIO201" in named.stdout


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="this Python parses 3.14 syntax")
def test_syntax_of_a_newer_target_python_is_linted_not_rejected() -> None:
    """`except A, B:` (Python 3.14) in a project targeting py314: the running
    Python rejects it, LibCST parses it, and the rules run; targeting an older
    Python it is the syntax error it is there."""
    source = (
        b"import time\n\n\nasync def f():\n    try:\n        time.sleep(1)\n"
        b"    except ValueError, TypeError:\n        pass\n"
    )
    rules = resolve_selection(None)
    newer = lint_source(source, "new.py", rules, LintOptions(target_version=(3, 14)))
    assert [(d.start.line, d.code) for d in newer.diagnostics] == [(6, "AIO201")]
    older = lint_source(source, "new.py", rules, LintOptions(target_version=(3, 11)))
    assert [d.code for d in older.diagnostics] == ["AIO000"]
    assert older.diagnostics[0].message.startswith("SyntaxError: ")

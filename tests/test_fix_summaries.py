"""A check that shows no fix edits computes no fix text: each fix comes as a
`FixSummary` (title and applicability), which must be what its text would say
(offered or not, safe or unsafe), on every fixture and fixture project; the
formats that print edits, `--fix`, `--diff` and the server get the text."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from fix_harness import fix_fixtures
from fixture_expectations import FIXTURES, PROJECTS, fixture_files, read_expectations
from helpers import run_cli

import aiolint.engine.lint as lint_module
from aiolint.cli.runner import lint_files
from aiolint.engine.lint import lint_source
from aiolint.engine.model import (
    Diagnostic,
    FileResult,
    FixSummary,
    FixTextMissingError,
    TextFix,
)
from aiolint.engine.registry import resolve_selection, rules_for
from aiolint.reporters import FIX_TEXT_FORMATS, FORMATS, ReportContext
from aiolint.semantic.context import LintOptions
from aiolint.workspace.config import load_config, parse_target_version
from aiolint.workspace.selection import SelectionLayer

FILES = fixture_files()
PROJECT_ROOTS = sorted(p.parent for p in PROJECTS.rglob("pyproject.toml"))


def _options(source: bytes) -> LintOptions:
    expected = read_expectations(source)
    if "target-version" in expected.options:
        return LintOptions(target_version=parse_target_version(expected.options["target-version"]))
    return LintOptions()


def _summaries(diagnostics: Sequence[Diagnostic]) -> list[tuple[Diagnostic, FixSummary | None]]:
    """Each diagnostic with its fix's summary (a text fix summarized)."""
    found = []
    for d in diagnostics:
        fix = d.fix.summary() if isinstance(d.fix, TextFix) else d.fix
        found.append((d, fix))
    return found


def _both(source: bytes | str, path: str, options: LintOptions) -> tuple[FileResult, FileResult]:
    rules = resolve_selection(None)
    texts = lint_source(source, path, rules, options)
    summaries = lint_source(source, path, rules, options, fix_text=False)
    return texts, summaries


def _assert_same(texts: FileResult, summaries: FileResult) -> None:
    assert not texts.errors and not summaries.errors, (texts.errors, summaries.errors)
    assert all(isinstance(d.fix, TextFix | None) for d in texts.diagnostics)
    assert all(isinstance(d.fix, FixSummary | None) for d in summaries.diagnostics)
    assert _summaries(summaries.diagnostics) == _summaries(texts.diagnostics)


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _latin1(data: bytes) -> bytes:
    """A comment on the first line (the import block then holds a `#`)."""
    return b"# -*- coding: latin-1 -*-\n" + data.decode("utf-8").encode("latin-1")


def _same(data: bytes) -> bytes:
    return data


@pytest.mark.parametrize("variant", [_same, _crlf, _latin1], ids=["as-is", "crlf", "latin1"])
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_a_fixture_summary_is_its_text_fix_summarized(path: Path, variant) -> None:
    source = variant(path.read_bytes())
    _assert_same(*_both(source, str(path), _options(path.read_bytes())))


@pytest.mark.parametrize("root", PROJECT_ROOTS, ids=[r.name for r in PROJECT_ROOTS])
def test_a_project_summary_is_its_text_fix_summarized(root: Path) -> None:
    config = load_config(root / "pyproject.toml")
    texts = lint_files([str(root)], config, SelectionLayer())
    summaries = lint_files([str(root)], config, SelectionLayer(), fix_text=False)
    assert not texts.errors and not summaries.errors
    assert _summaries(summaries.diagnostics) == _summaries(texts.diagnostics)


def test_the_fixtures_have_fixes_of_each_applicability() -> None:
    """The equivalence above is tested on safe and unsafe fixes, both kept
    safe and made unsafe for a dropped comment, and on fixes not offered."""
    kinds = set()
    for path in fix_fixtures():
        source = path.read_bytes()
        for d in lint_source(
            source, str(path), resolve_selection(None), _options(source)
        ).diagnostics:
            kinds.add(None if d.fix is None else d.fix.applicability.value)
    assert {None, "safe", "unsafe"} <= kinds


#: AIO201's fix (safe: `time.sleep` -> `await asyncio.sleep`, `import time`
#: removed once unused) with comments where its edits land, or near them.
COMMENTED = {
    "no comment": "import time\n\n\nasync def f():\n    time.sleep(1)\n",
    "in the call": "import time\n\n\nasync def f():\n    time.sleep(  # why\n        1\n    )\n",
    "after the call": "import time\n\n\nasync def f():\n    time.sleep(1)  # nap\n",
    "on the import it removes": "import time  # clock\n\n\nasync def f():\n    time.sleep(1)\n",
    "above the imports": "# header\nimport time\n\n\nasync def f():\n    time.sleep(1)\n",
    "in a string": 'import time\n\n\nasync def f():\n    time.sleep(len("#"))\n',
    "import kept": "import time  # clock\n\n\nasync def f():\n    time.sleep(1)\n    time.time()\n",
    "elsewhere": "import time\n\n\nasync def f():\n    time.sleep(1)\n\n\n# the end\n",
    "receiver, dropped": "import time\n\n\nasync def f():\n    (time  # which\n    ).sleep(1)\n",
    "from-import": "from time import sleep\n\n\nasync def f():\n    sleep(1  # nap\n    )\n",
}


@pytest.mark.parametrize("source", COMMENTED.values(), ids=COMMENTED.keys())
def test_a_safe_fix_dropping_a_comment_is_unsafe_in_its_summary_too(source: str) -> None:
    texts, summaries = _both(source, "a.py", LintOptions())
    assert [d.code for d in texts.diagnostics] == ["AIO201"]
    _assert_same(texts, summaries)


def test_dropped_comments_make_these_fixes_unsafe() -> None:
    """The cases above cover both answers (else they would test nothing)."""
    applicability = {
        name: lint_source(source, "a.py", rules_for(("AIO201",)), LintOptions())
        .diagnostics[0]
        .fix.applicability.value
        for name, source in COMMENTED.items()
    }
    assert applicability["no comment"] == "safe"
    assert applicability["receiver, dropped"] == "unsafe"


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], list[str]]:
    """Each generation of a fix's text (`resolve_fix`) and of the imports it
    makes unused, recorded in a file (the worker processes are forked)."""
    log = tmp_path / "generated.log"
    log.touch()

    def recorded(name: str, real: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            with log.open("a") as out:
                out.write(name + "\n")
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(
        lint_module, "resolve_fix", recorded("resolve_fix", lint_module.resolve_fix)
    )
    monkeypatch.setattr(
        lint_module,
        "imports_made_unused",
        recorded("imports_made_unused", lint_module.imports_made_unused),
    )
    return lambda: log.read_text().splitlines()


@pytest.fixture
def fixable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with safe fixes (no comment near them) and unsafe ones."""
    monkeypatch.delenv("AIOLINT_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.aiolint]\n")
    (tmp_path / "sleepy.py").write_text(COMMENTED["no comment"])
    legacy = FIXTURES / "sqlalchemy" / "AIO301_fix.py"
    (tmp_path / "queries.py").write_bytes(legacy.read_bytes())
    return tmp_path


SHOWING_NO_TEXT = [
    ("check",),
    ("check", "--unsafe-fixes"),
    ("check", "--statistics", "--unsafe-fixes"),
    ("check", "--output-format", "full", "--unsafe-fixes"),
    ("check", "--output-format", "json", "--statistics"),
    *(("check", "--output-format", name) for name in FORMATS if name not in FIX_TEXT_FORMATS),
]


@pytest.mark.parametrize(
    "args", SHOWING_NO_TEXT, ids=[" ".join(a[1:]) or "-" for a in SHOWING_NO_TEXT]
)
def test_a_check_showing_no_fix_edits_generates_no_fix_text(
    fixable: Path, capsys, generated, args
) -> None:
    assert run_cli(capsys, *args, "--no-cache").code == 1
    assert generated() == []


@pytest.mark.parametrize(
    "args",
    [("check", "--output-format", name) for name in sorted(FIX_TEXT_FORMATS)]
    + [("check", "--diff", "--unsafe-fixes"), ("check", "--fix", "--unsafe-fixes")],
    ids=lambda a: " ".join(a[1:]),
)
def test_a_run_showing_or_applying_fixes_generates_their_text(
    fixable: Path, capsys, generated, args
) -> None:
    run_cli(capsys, *args, "--no-cache")
    assert "resolve_fix" in generated()


def test_the_formats_without_fix_text_print_the_same_from_summaries(tmp_path: Path) -> None:
    """`FIX_TEXT_FORMATS` is right: every other format prints the same from
    summaries as from texts, and those refuse summaries."""
    path = FIXTURES / "sqlalchemy" / "AIO301_fix.py"
    texts, summaries = _both(path.read_bytes(), str(path), LintOptions())
    assert any(d.fix is not None for d in summaries.diagnostics)
    for name, write in FORMATS.items():
        for unsafe in (False, True):
            ctx = ReportContext(root=tmp_path, unsafe_fixes=unsafe)
            shown = io.StringIO()
            write(shown, texts.diagnostics, ctx)
            if name in FIX_TEXT_FORMATS:
                with pytest.raises(FixTextMissingError):
                    write(io.StringIO(), summaries.diagnostics, ctx)
                continue
            summarized = io.StringIO()
            write(summarized, summaries.diagnostics, ctx)
            assert summarized.getvalue() == shown.getvalue(), name

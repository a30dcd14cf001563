"""`# noqa` read as flake8 reads it, plus file-level exemptions."""

from __future__ import annotations

import pytest

from aiolint.engine.lint import lint_source
from aiolint.engine.noqa import NoqaMap, is_suppressed
from aiolint.engine.registry import resolve_selection
from aiolint.semantic.context import LintOptions


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("# noqa", True),
        ("# NOQA", True),
        ("# noqa: AIO201", True),
        ("# noqa:AIO201", True),
        ("# noqa:AIO202,AIO201", True),
        ("# noqa: AIO202, AIO201", True),
        ("# noqa: AIO2", True),
        ("# noqa: AIO", True),
        ("# noqa: AIO202", False),
        ("# noqa: E501", False),
        ("# noqa : AIO202", True),  # flake8: not a code list, so a blanket noqa
        ("# a comment", False),
    ],
)
def test_inline(comment: str, suppressed: bool) -> None:
    assert is_suppressed(f"time.sleep(1)  {comment}\n", "AIO201") is suppressed


def lint(source: str) -> list[tuple[int, str]]:
    result = lint_source(source.encode(), "t.py", resolve_selection(None), LintOptions())
    return [(d.start.line, d.code) for d in result.diagnostics]


def test_noqa_on_a_multiline_token_covers_its_lines() -> None:
    source = (
        "import time\n\n\nasync def f():\n"
        '    time.sleep(len("""\n    text\n    """))  # noqa: AIO201\n'
        "    time.sleep(1) + \\\n        1  # noqa\n"
        "    time.sleep(2)\n"
    )
    # the first call starts on the string's first line, the noqa sits on its
    # last; the second is joined to the next line by a backslash
    assert lint(source) == [(10, "AIO201")]


def test_noqa_on_a_bracketed_continuation_line_does_not_cover_the_start() -> None:
    # flake8 maps noqa per physical line inside brackets (NL tokens split them)
    source = "import time\n\n\nasync def f():\n    time.sleep(\n        1,\n    )  # noqa\n"
    assert lint(source) == [(5, "AIO201")]


def test_file_level_exemptions() -> None:
    body = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    assert lint("# flake8: noqa\n" + body) == []
    assert lint("# aiolint: noqa\n" + body) == []
    assert lint("# aiolint: noqa: AIO201\n" + body) == []
    assert lint("# aiolint: noqa: AIO3\n" + body) == [(6, "AIO201")]
    assert lint("x = 1  # flake8: noqa\n" + body) == [(6, "AIO201")]  # flake8: only on its own line


def test_noqa_map_lines() -> None:
    noqa = NoqaMap('x = """\n# noqa\n"""\ny = 1\n')
    assert noqa.line_text(1) == noqa.line_text(3) == 'x = """\n# noqa\n"""\n'
    assert noqa.line_text(4) == "y = 1\n"
    assert noqa.line_text(99) == ""


PEER = b"import time\n\n\nasync def f():\n    time.sleep(1)  # noqa: ASYNC251\n"


def test_a_peers_noqa_suppresses_unless_peer_noqa_is_off() -> None:
    from aiolint.engine.lint import lint_source
    from aiolint.engine.registry import resolve_selection
    from aiolint.semantic.context import LintOptions

    rules = resolve_selection(None)
    assert lint_source(PEER, "p.py", rules, LintOptions()).diagnostics == []
    assert lint_source(PEER, "p.py", rules, LintOptions(), apply_noqa=False).diagnostics == []
    off = lint_source(PEER, "p.py", rules, LintOptions(peer_noqa=False)).diagnostics
    assert [(d.start.line, d.code) for d in off] == [(5, "AIO201")]


def test_peer_noqa_false_in_the_configuration(tmp_path, monkeypatch, capsys) -> None:
    from helpers import run_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_bytes(PEER)
    assert run_cli(capsys, "check").code == 0
    (tmp_path / "pyproject.toml").write_text("[tool.aiolint]\npeer-noqa = false\n")
    run = run_cli(capsys, "check")
    assert run.code == 1 and run.lines[0].startswith("app.py:5:5: AIO201")

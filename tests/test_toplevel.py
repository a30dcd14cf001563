"""`engine/toplevel.py` finds a file's top-level statements from its tokens
exactly where CPython's `ast` puts them: first line (decorators included),
last line, the name a `def` / `class` binds; statements sharing a line
(`a = 1; b = 2`) are one."""

from __future__ import annotations

import ast
import asyncio
import email
import json
from pathlib import Path

import pytest

from aiolint.engine.toplevel import top_level

FIXTURES = Path(__file__).parent.parent / "fixtures"
_DEFINES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _from_ast(text: str) -> list[tuple[int, int, str | None]]:
    found: list[tuple[int, int, str | None]] = []
    for node in ast.parse(text).body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        last = node.end_lineno or node.lineno
        name = node.name if isinstance(node, _DEFINES) else None
        if found and found[-1][1] >= first:  # on the line of the one before
            found[-1] = (found[-1][0], max(last, found[-1][1]), None)
        else:
            found.append((first, last, name))
    return found


def _sources() -> list[Path]:
    fixtures = [p for p in sorted(FIXTURES.rglob("*.py")) if not p.name.endswith(".fixed.py")]
    stdlib = [
        *sorted(Path(asyncio.__file__).parent.glob("*.py")),
        *sorted(Path(email.__file__).parent.glob("*.py")),
        *sorted(Path(json.__file__).parent.glob("*.py")),
    ]
    return fixtures + stdlib


def test_statements_are_where_the_ast_puts_them() -> None:
    compared = 0
    for path in _sources():
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            expected = _from_ast(text)
        except SyntaxError:
            continue
        spans = top_level(text)
        assert spans is not None, path
        assert [(s.first, s.last, s.name) for s in spans] == expected, path
        assert all(s.tokens > 0 for s in spans)
        compared += 1
    assert compared > 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A decorated async def, a comment between decorator and def.
        ("@a\n# note\n@b(1)\nasync def f():\n    pass\n", [(1, 5, "f")]),
        # if/elif/else and try/except/else/finally are one statement each.
        (
            "if x:\n    a()\nelif y:\n    b()\nelse:\n    c()\ntry:\n    d()\n"
            "except E:\n    e()\nelse:\n    f()\nfinally:\n    g()\n",
            [(1, 6, None), (7, 14, None)],
        ),
        # A string and brackets spanning lines, with text at column 0 inside.
        (
            's = """\nx = 1\n"""\nt = (\n1,\n)\nclass C: pass\n',
            [(1, 3, None), (4, 6, None), (7, 7, "C")],
        ),
        # A backslash continuation; comments after a body belong to no statement.
        (
            "x = 1 + \\\n2\ndef g():\n    return 1\n    # trailing\n\ny = 2",
            [(1, 2, None), (3, 4, "g"), (7, 7, None)],
        ),
    ],
)
def test_shapes(text: str, expected: list[tuple[int, int, str | None]]) -> None:
    spans = top_level(text)
    assert spans is not None
    assert [(s.first, s.last, s.name) for s in spans] == expected == _from_ast(text)


def test_a_one_line_call_counts_its_tokens() -> None:
    """What a statement costs to parse is its tokens, not its lines: 5 a
    `f(i), ` argument."""
    calls = ", ".join(f"f({i})" for i in range(1000))
    (first, second) = top_level(f"import asyncio\nawait asyncio.gather({calls})\n") or []
    assert first.tokens < 10
    assert 5000 <= second.tokens <= 5010


@pytest.mark.parametrize("text", ['x = """\nnever closed\n', "x = (\n1,\n", "if x:\n    a\n  b\n"])
def test_text_that_does_not_tokenize_has_no_statements(text: str) -> None:
    assert top_level(text) is None

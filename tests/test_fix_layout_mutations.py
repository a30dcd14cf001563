"""Fixes and positions on layouts LibCST keeps in odd places, over every fix
fixture: a form feed in indentation (LibCST puts it into the module's
`default_indent`) and a line holding only a backslash before a statement
(LibCST drops it from its code). Each mutant is linted with the fixture's
rule; every fix offered must apply alone to code that still parses and
compiles, and every finding must stay on its statement's line.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import libcst as cst
import pytest
from fix_harness import fix_fixtures, rule_code, settings_for
from fixture_expectations import FIXTURES

from aiolint.engine.lint import lint_source
from aiolint.engine.model import Diagnostic
from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import apply_edits, compiles
from aiolint.semantic.positions import Positions

FILES = fix_fixtures()
IDS = [str(p.relative_to(FIXTURES)) for p in FILES]


def _lint(text: str, path: Path) -> list[Diagnostic]:
    options, _ = settings_for(text.encode())
    result = lint_source(text, str(path), resolve_selection([rule_code(path)]), options)
    assert not result.errors, result.errors
    return result.diagnostics


def _findings(diagnostics: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return sorted((d.code, d.start.line, d.start.column) for d in diagnostics)


def _check_fixes(text: str, path: Path, diagnostics: list[Diagnostic]) -> int:
    """Apply each offered fix alone: the result parses (LibCST and CPython)."""
    must_compile = compiles(text, str(path))
    offered = 0
    for diagnostic in diagnostics:
        if diagnostic.fix is None:
            continue
        offered += 1
        fixed = apply_edits(text, [diagnostic.fix])
        cst.parse_module(fixed)
        if must_compile:
            assert compiles(fixed, str(path)), (diagnostic, fixed)
    return offered


def _statement_starts(text: str) -> set[int]:
    """Lines where a statement starts at its indentation (no decorator above,
    not inside brackets or strings, not first in its block: LibCST's parser
    wants the block's indentation there): a backslash line may go above them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    lines = text.splitlines()
    firsts = {
        id(block[0])
        for node in ast.walk(tree)
        for name in ("body", "orelse", "finalbody", "handlers")
        if isinstance(block := getattr(node, name, None), list) and block
    }
    starts = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or id(node) in firsts:
            continue
        if getattr(node, "decorator_list", None):
            continue
        line = lines[node.lineno - 1]
        if len(line) - len(line.lstrip(" ")) == node.col_offset:
            starts.add(node.lineno)
    return starts


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_backslash_line_before_a_statement(path: Path) -> None:
    """`<indent>\\` alone on a line before each statement holding a finding:
    findings move down with their statements and fixes still parse."""
    text = path.read_text(encoding="utf-8")
    original = _lint(text, path)
    targets = {d.start.line for d in original} & _statement_starts(text)
    if not targets:
        pytest.skip("no finding starts a statement")
    lines = text.splitlines(keepends=True)
    mutant: list[str] = []
    moved: dict[int, int] = {}
    for number, line in enumerate(lines, 1):
        if number in targets:
            indent = line[: len(line) - len(line.lstrip(" "))]
            mutant.append(f"{indent}\\\n")
        mutant.append(line)
        moved[number] = len(mutant)
    mutated = "".join(mutant)
    try:
        module = cst.parse_module(mutated)
    except cst.ParserSyntaxError:
        pytest.skip("LibCST's parser refuses a backslash line here (no LibCST rule runs)")
    diagnostics = _lint(mutated, path)
    _check_fixes(mutated, path, diagnostics)
    if not Positions(module, mutated).mappable:
        # Known limit: after a deeper block, LibCST writes the statement that
        # follows the backslash line with other indentation than the file's;
        # no fix is offered (checked above), positions are LibCST's code's.
        assert all(d.fix is None for d in diagnostics)
        pytest.xfail("LibCST's code is not the file's with text left out")
    expected = sorted((code, moved[line], column) for code, line, column in _findings(original))
    assert _findings(diagnostics) == expected


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_form_feed_in_indentation(path: Path) -> None:
    """A form feed before the first indented line (it sets LibCST's
    `default_indent` to `"\\f    "`): same findings, fixes still parse."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.startswith(" ") and line.strip()), None)
    if first is None:
        pytest.skip("no indented line")
    lines[first] = "\f" + lines[first]
    mutated = "".join(lines)
    if not compiles(mutated, str(path)) and compiles(text, str(path)):
        pytest.skip("the form feed lands inside a string or brackets")
    try:
        cst.parse_module(mutated)
    except cst.ParserSyntaxError:
        pytest.skip("LibCST's tokenizer refuses this form feed (no LibCST rule runs)")
    original = _lint(text, path)
    diagnostics = _lint(mutated, path)
    line = first + 1  # its columns count the form feed
    expected = sorted(
        (code, number, column + (number == line)) for code, number, column in _findings(original)
    )
    assert _findings(diagnostics) == expected
    offered = _check_fixes(mutated, path, diagnostics)
    if cst.parse_module(mutated).code == mutated:  # LibCST gives the file back: same fixes
        assert offered == sum(d.fix is not None for d in original)

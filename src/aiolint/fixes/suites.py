"""Add statements to the body of a compound statement (`except X:`, `if`, ...).

A body is either an indented block or a one-line suite (`except X: pass`). Both
helpers return an indented block: a one-line suite becomes one with a line per
statement, while its comment stays on the header line (it may be about the
header: `except:  # noqa: E722`). So `except X: log(); y = 1  # why` gives
`except X:  # why` / `log()` / `y = 1` / `raise`. A body that is only a
`pass` without a comment loses the `pass` (the new statement makes it
redundant). Comments stay where they were, except that comments trailing an
indented block move above an appended statement, which ends the block.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

__all__ = ["append_statement", "prepend_statement"]


def append_statement(suite: cst.BaseSuite, statement: cst.BaseStatement) -> cst.IndentedBlock:
    """`suite` with `statement` as its last statement."""
    block = _indented(suite)
    body = list(block.body)
    if _is_bare_pass(body):
        return block.with_changes(body=[_take_leading_lines(statement, body[0])])
    footer = list(block.footer)
    # Comments that trail the block move above the new last statement; blank
    # lines after the last comment stay at the end.
    cut = max((i + 1 for i, line in enumerate(footer) if line.comment is not None), default=0)
    if cut:
        statement = statement.with_changes(leading_lines=(*footer[:cut], *statement.leading_lines))
    return block.with_changes(body=[*body, statement], footer=footer[cut:])


def prepend_statement(suite: cst.BaseSuite, statement: cst.BaseStatement) -> cst.IndentedBlock:
    """`suite` with `statement` as its first statement (the old first statement
    keeps its leading comments)."""
    block = _indented(suite)
    body = list(block.body)
    if _is_bare_pass(body):
        return block.with_changes(body=[_take_leading_lines(statement, body[0])])
    return block.with_changes(body=[statement, *body])


def _indented(suite: cst.BaseSuite) -> cst.IndentedBlock:
    if isinstance(suite, cst.IndentedBlock):
        return suite
    assert isinstance(suite, cst.SimpleStatementSuite)
    lines = [
        cst.SimpleStatementLine(body=[small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
        for small in suite.body
    ]
    header = suite.trailing_whitespace
    semicolon = suite.body[-1].semicolon  # `except X: pass;  # why`: it owns the spaces
    if isinstance(semicolon, cst.Semicolon) and not header.whitespace.value:
        spaces = semicolon.whitespace_after
        if isinstance(spaces, cst.SimpleWhitespace):
            header = header.with_changes(whitespace=spaces)
    return cst.IndentedBlock(header=header, body=lines)


def _is_bare_pass(body: Sequence[cst.BaseStatement]) -> bool:
    """A body that is one `pass` with no comment on its line."""
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
        return False
    line = body[0]
    return (
        len(line.body) == 1
        and isinstance(line.body[0], cst.Pass)
        and line.trailing_whitespace.comment is None
    )


def _take_leading_lines(
    statement: cst.BaseStatement, replaced: cst.BaseStatement
) -> cst.BaseStatement:
    """`statement` carrying the comments and blank lines above `replaced`."""
    assert isinstance(replaced, cst.SimpleStatementLine)
    return statement.with_changes(leading_lines=(*replaced.leading_lines, *statement.leading_lines))

"""`aiolint.fixes.suites`: adding a statement to a handler body keeps the code
valid and the comments in place."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from aiolint.fixes.suites import append_statement, prepend_statement

RAISE = cst.SimpleStatementLine(body=[cst.Raise()])


def edit_handler(source: str, add) -> str:
    """`source` (a try statement) with `add(handler body, raise)` applied to its
    first handler."""
    module = cst.parse_module(textwrap.dedent(source))
    statement = module.body[0]
    assert isinstance(statement, cst.Try)
    handler = statement.handlers[0]
    new_handler = handler.with_changes(body=add(handler.body, RAISE))
    new = module.with_changes(
        body=[
            statement.with_changes(handlers=[new_handler, *statement.handlers[1:]]),
            *module.body[1:],
        ]
    )
    compile(new.code, "<test>", "exec")
    return new.code


CASES = {
    "append_after_last_statement": (
        append_statement,
        """
        try:
            f()
        except E:
            log()
        """,
        """
        try:
            f()
        except E:
            log()
            raise
        """,
    ),
    "lone_pass_is_replaced": (
        append_statement,
        """
        try:
            f()
        except E:
            # comment above pass
            pass
        """,
        """
        try:
            f()
        except E:
            # comment above pass
            raise
        """,
    ),
    "pass_with_comment_is_kept": (
        append_statement,
        """
        try:
            f()
        except E:
            pass  # why
        """,
        """
        try:
            f()
        except E:
            pass  # why
            raise
        """,
    ),
    "trailing_comments_move_above_blank_lines_stay": (
        append_statement,
        """
        try:
            f()
        except E:
            log()
            # trailing

        x = 1
        """,
        """
        try:
            f()
        except E:
            log()
            # trailing
            raise

        x = 1
        """,
    ),
    "one_line_suite_becomes_a_block": (
        append_statement,
        """
        try:
            f()
        except E: log(); y = 1  # why
        finally: g()
        """,
        """
        try:
            f()
        except E:  # why
            log()
            y = 1
            raise
        finally: g()
        """,
    ),
    "one_line_trailing_semicolon_keeps_comment_spacing": (
        append_statement,
        """
        try:
            f()
        except E: pass;  # why
        """,
        """
        try:
            f()
        except E:  # why
            raise
        """,
    ),
    "prepend_before_first_statement_and_its_comments": (
        prepend_statement,
        """
        try:
            f()
        except E:
            # about log
            log()
        """,
        """
        try:
            f()
        except E:
            raise
            # about log
            log()
        """,
    ),
    "prepend_replaces_lone_pass_one_line": (
        prepend_statement,
        """
        try:
            f()
        except E: pass
        """,
        """
        try:
            f()
        except E:
            raise
        """,
    ),
}


@pytest.mark.parametrize(("add", "source", "expected"), CASES.values(), ids=CASES.keys())
def test_add_statement(add, source: str, expected: str) -> None:
    assert edit_handler(source, add) == textwrap.dedent(expected)


def test_tabs_and_crlf_follow_the_module() -> None:
    module = cst.parse_module("try:\r\n\tf()\r\nexcept E: pass\r\n")
    statement = module.body[0]
    assert isinstance(statement, cst.Try)
    handler = statement.handlers[0]
    new_handler = handler.with_changes(body=append_statement(handler.body, RAISE))
    code = module.with_changes(body=[statement.with_changes(handlers=[new_handler])]).code
    assert code == "try:\r\n\tf()\r\nexcept E:\r\n\traise\r\n"

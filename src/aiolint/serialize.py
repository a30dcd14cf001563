"""A `FileResult` as JSON-ready data and back (the result cache's entries).

Everything a report needs survives the round trip: each diagnostic's code,
message, span and rule name, and its resolved `TextFix` (title, applicability,
every edit with its offsets and line/column span). Internal errors are not
encoded: a result holding one is never cached. The diagnostics' path is the
result's (stored once).
"""

from __future__ import annotations

from typing import Any

from aiolint.model import Applicability, Diagnostic, FileResult, Location, TextEdit, TextFix


class CannotEncodeError(ValueError):
    """The result holds something an entry cannot restore (an internal error,
    a diagnostic for another path)."""


def _edit(edit: TextEdit) -> list[Any]:
    start, end = edit.location, edit.end_location
    return [edit.start, edit.end, edit.content, start.line, start.column, end.line, end.column]


def _fix(fix: TextFix | None) -> list[Any] | None:
    if fix is None:
        return None
    return [fix.title, fix.applicability.value, [_edit(e) for e in fix.edits]]


def encode_result(result: FileResult) -> dict[str, Any]:
    """`result` as JSON-ready data (raises CannotEncodeError)."""
    if result.errors:
        raise CannotEncodeError("a result with internal errors is not cached")
    diagnostics = []
    for d in result.diagnostics:
        if d.path != result.path:
            raise CannotEncodeError(f"a diagnostic for {d.path} in the result of {result.path}")
        diagnostics.append(
            [
                d.code,
                d.message,
                d.start.line,
                d.start.column,
                d.end.line,
                d.end.column,
                d.rule_name,
                _fix(d.fix),
            ]
        )
    return {"path": result.path, "parsed": result.parsed, "diagnostics": diagnostics}


def _decode_edit(data: list[Any]) -> TextEdit:
    start, end, content, line, column, end_line, end_column = data
    return TextEdit(
        int(start), int(end), str(content), Location(line, column), Location(end_line, end_column)
    )


def _decode_fix(data: list[Any] | None) -> TextFix | None:
    if data is None:
        return None
    title, applicability, edits = data
    return TextFix(str(title), Applicability(applicability), tuple(map(_decode_edit, edits)))


def decode_result(data: dict[str, Any]) -> FileResult:
    """The `FileResult` `encode_result` encoded (raises KeyError, TypeError or
    ValueError on data of another shape)."""
    path = data["path"]
    if not isinstance(path, str):
        raise TypeError("path")
    result = FileResult(path, parsed=bool(data["parsed"]))
    for code, message, line, column, end_line, end_column, rule_name, fix in data["diagnostics"]:
        result.diagnostics.append(
            Diagnostic(
                path=path,
                code=str(code),
                message=str(message),
                start=Location(int(line), int(column)),
                end=Location(int(end_line), int(end_column)),
                fix=_decode_fix(fix),
                rule_name=str(rule_name),
            )
        )
    return result

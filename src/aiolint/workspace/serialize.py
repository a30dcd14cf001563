"""A `FileResult` as plain data and back (the result cache's entries).

The data is tuples of strings, integers, booleans and None, which `marshal`
writes and reads back fast. Everything a report needs survives the round
trip: each diagnostic's code, message, span and rule name, and its resolved
`TextFix` (title, applicability, every edit with its offsets and line/column
span), or its `FixSummary` (title and applicability; edits None). Internal
errors are not encoded: a result holding one is never cached.
The diagnostics' path is the result's (stored once). Decoding checks every
value's type, so data of another shape is an error, never a wrong result.
"""

from __future__ import annotations

from aiolint.engine.model import (
    Applicability,
    Diagnostic,
    FileResult,
    FixSummary,
    Location,
    Related,
    TextEdit,
    TextFix,
)

#: (start, end, content, line, column, end line, end column)
EncodedEdit = tuple[int, int, str, int, int, int, int]
#: (title, applicability value, edits; None: a `FixSummary`)
EncodedFix = tuple[str, str, tuple[EncodedEdit, ...] | None]
#: (code, message, line, column, end line, end column, rule name, fix)
EncodedRelated = tuple[str, int, int, str]
EncodedDiagnostic = tuple[
    str, str, int, int, int, int, str, EncodedFix | None, tuple[EncodedRelated, ...]
]
#: (path, parsed, diagnostics)
EncodedResult = tuple[str, bool, tuple[EncodedDiagnostic, ...]]


class CannotEncodeError(ValueError):
    """The result holds something an entry cannot restore (an internal error,
    a diagnostic for another path)."""


def _edit(edit: TextEdit) -> EncodedEdit:
    start, end = edit.location, edit.end_location
    return (edit.start, edit.end, edit.content, start.line, start.column, end.line, end.column)


def _fix(fix: TextFix | FixSummary | None) -> EncodedFix | None:
    if fix is None:
        return None
    if isinstance(fix, FixSummary):
        return (fix.title, fix.applicability.value, None)
    return (fix.title, fix.applicability.value, tuple(_edit(e) for e in fix.edits))


def encode_result(result: FileResult) -> EncodedResult:
    """`result` as plain data (raises CannotEncodeError)."""
    if result.errors:
        raise CannotEncodeError("a result with internal errors is not cached")
    diagnostics = []
    for d in result.diagnostics:
        if d.path != result.path:
            raise CannotEncodeError(f"a diagnostic for {d.path} in the result of {result.path}")
        diagnostics.append(
            (
                d.code,
                d.message,
                d.start.line,
                d.start.column,
                d.end.line,
                d.end.column,
                d.rule_name,
                _fix(d.fix),
                tuple((r.path, r.start.line, r.start.column, r.message) for r in d.related),
            )
        )
    return (result.path, result.parsed, tuple(diagnostics))


def _int(value: object) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an int, got {type(value).__name__}")
    return value


def _str(value: object) -> str:
    if type(value) is not str:
        raise TypeError(f"expected a str, got {type(value).__name__}")
    return value


def _tuple(value: object, size: int | None = None) -> tuple[object, ...]:
    if type(value) is not tuple:
        raise TypeError(f"expected a tuple, got {type(value).__name__}")
    if size is not None and len(value) != size:
        raise ValueError(f"expected {size} items, got {len(value)}")
    return value


def _location(line: object, column: object) -> Location:
    return Location(_int(line), _int(column))


def _decode_edit(data: object) -> TextEdit:
    start, end, content, line, column, end_line, end_column = _tuple(data, 7)
    return TextEdit(
        _int(start),
        _int(end),
        _str(content),
        _location(line, column),
        _location(end_line, end_column),
    )


def _decode_fix(data: object) -> TextFix | FixSummary | None:
    if data is None:
        return None
    title, applicability, edits = _tuple(data, 3)
    if edits is None:
        return FixSummary(_str(title), Applicability(applicability))
    return TextFix(
        _str(title), Applicability(applicability), tuple(map(_decode_edit, _tuple(edits)))
    )


def decode_result(data: object) -> FileResult:
    """The `FileResult` `encode_result` encoded (raises TypeError or ValueError
    on data of another shape)."""
    path, parsed, diagnostics = _tuple(data, 3)
    if type(parsed) is not bool:
        raise TypeError(f"expected a bool, got {type(parsed).__name__}")
    result = FileResult(_str(path), parsed=parsed)
    for item in _tuple(diagnostics):
        code, message, line, column, end_line, end_column, rule_name, fix, related = _tuple(item, 9)
        result.diagnostics.append(
            Diagnostic(
                result.path,
                _str(code),
                _str(message),
                _location(line, column),
                _location(end_line, end_column),
                _decode_fix(fix),
                _str(rule_name),
                tuple(map(_decode_related, _tuple(related))),
            )
        )
    return result


def _decode_related(data: object) -> Related:
    path, line, column, message = _tuple(data, 4)
    return Related(_str(path), _location(line, column), _str(message))

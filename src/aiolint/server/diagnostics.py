"""The engine's findings as LSP diagnostics.

`code` is the rule's code, `source` "aiolint", `codeDescription.href` the
rule's documentation (the URL the JSON and SARIF reports give), the range in
the client's position encoding (`positions`). Severity: Warning for a rule's
finding, Error for AIO000 (the file cannot be read or parsed, so nothing else
is checked). `data` carries the rule's name, the document version and the fix
(its title, applicability and edits as LSP ranges), so a client can show or
apply it without asking again; the server recomputes code actions from its own
result for the same version. The places a finding points to (the steps of
AIO206's chain) are its `relatedInformation`.
"""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types

from aiolint.engine.model import INVALID_FILE, Diagnostic, Related
from aiolint.reporters.base import rule_url
from aiolint.server.positions import LineIndex

SOURCE = "aiolint"


def lsp_range(index: LineIndex, start: int, end: int) -> types.Range:
    """The LSP range of the character offsets `start:end`."""
    (start_line, start_char), (end_line, end_char) = index.position(start), index.position(end)
    return types.Range(
        start=types.Position(line=start_line, character=start_char),
        end=types.Position(line=end_line, character=end_char),
    )


def diagnostic_range(index: LineIndex, diagnostic: Diagnostic) -> types.Range:
    start = index.offset(diagnostic.start.line, diagnostic.start.column)
    end = index.offset(diagnostic.end.line, diagnostic.end.column)
    return lsp_range(index, start, max(start, end))


def _range_data(rng: types.Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def fix_data(index: LineIndex, diagnostic: Diagnostic) -> dict[str, object] | None:
    """The diagnostic's fix as plain data (LSP ranges), or None."""
    fix = diagnostic.text_fix
    if fix is None:
        return None
    return {
        "title": fix.title,
        "applicability": fix.applicability.value,
        "edits": [
            {"range": _range_data(lsp_range(index, e.start, e.end)), "newText": e.content}
            for e in fix.edits
        ],
    }


def to_lsp(index: LineIndex, diagnostic: Diagnostic, version: int | None) -> types.Diagnostic:
    """One finding as an LSP diagnostic."""
    invalid = diagnostic.code == INVALID_FILE
    return types.Diagnostic(
        range=diagnostic_range(index, diagnostic),
        message=diagnostic.message,
        severity=types.DiagnosticSeverity.Error if invalid else types.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule_url(diagnostic.code)),
        source=SOURCE,
        data={
            "rule": diagnostic.rule_name,
            "version": version,
            "fix": fix_data(index, diagnostic),
        },
        related_information=[_related(r) for r in diagnostic.related] or None,
    )


def _related(related: Related) -> types.DiagnosticRelatedInformation:
    """A step of a finding's chain (AIO206): the start of its line, in any file."""
    line = related.start.line - 1
    start = types.Position(line=line, character=0)
    return types.DiagnosticRelatedInformation(
        location=types.Location(
            uri=Path(os.path.abspath(related.path)).as_uri(),
            range=types.Range(start=start, end=start),
        ),
        message=related.message,
    )

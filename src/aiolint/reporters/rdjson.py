"""reviewdog's Diagnostic Format (rdjson), as ruff's `rdjson` emitter writes it:
`{diagnostics, severity: "warning", source: {name, url}}`, each diagnostic
`{code: {url, value}, location: {path, range}, message}` and, when it has a
fix, `suggestions` (one `{range, text}` per edit); ranges are
`{start: {column, line}, end: {...}}`, keys sorted, paths absolute (ruff's
`filename`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aiolint.engine.model import Diagnostic, Location
from aiolint.reporters.base import HOME_URL, ReportContext, absolute_filename, rule_url

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

SOURCE = {"name": "aiolint", "url": HOME_URL}
SEVERITY = "warning"


def _range(start: Location, end: Location) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": start.line, "column": start.column},
        "end": {"line": end.line, "column": end.column},
    }


def rdjson_diagnostic(diagnostic: Diagnostic) -> dict[str, Any]:
    d = diagnostic
    value: dict[str, Any] = {
        "message": d.message,
        "location": {"path": absolute_filename(d.path), "range": _range(d.start, d.end)},
        "code": {"value": d.code, "url": rule_url(d.code)},
    }
    fix = d.text_fix
    if fix is not None:
        value["suggestions"] = [
            {"range": _range(edit.location, edit.end_location), "text": edit.content}
            for edit in fix.edits
        ]
    return value


def rdjson_report(diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    return {
        "source": SOURCE,
        "severity": SEVERITY,
        "diagnostics": [rdjson_diagnostic(d) for d in diagnostics],
    }


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    text = json.dumps(rdjson_report(diagnostics), indent=2, sort_keys=True, ensure_ascii=False)
    out.write(text + "\n")

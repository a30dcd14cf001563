"""ruff's `json` format: a list of objects with ruff's keys (`cell`, `code`,
`end_location`, `filename`, `fix`, `location`, `message`, `noqa_row`, `url`),
so tools that read ruff's JSON read aiolint's. `filename` is absolute, as in ruff."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aiolint.engine.model import Diagnostic, Location, TextFix
from aiolint.reporters.base import ReportContext, absolute_filename, rule_url

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO


def _location(location: Location) -> dict[str, int]:
    return {"column": location.column, "row": location.line}


def _fix(fix: TextFix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "edits": [
            {
                "content": edit.content,
                "end_location": _location(edit.end_location),
                "location": _location(edit.location),
            }
            for edit in fix.edits
        ],
        "message": fix.title,
    }


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    d = diagnostic
    return {
        "cell": None,
        "code": d.code,
        "end_location": _location(d.end),
        "filename": absolute_filename(d.path),
        "fix": _fix(d.text_fix),
        "location": _location(d.start),
        "message": d.message,
        # A suppression comment on the start line covers the diagnostic (flake8's rule).
        "noqa_row": d.start.line,
        "url": rule_url(d.code),
    }


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    json.dump([diagnostic_json(d) for d in diagnostics], out, indent=2, ensure_ascii=False)
    out.write("\n")

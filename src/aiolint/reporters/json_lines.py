"""ruff's `json-lines` format: each finding as one compact JSON object of the
`json` format (same keys), one per line."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext
from aiolint.reporters.json import diagnostic_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    for diagnostic in diagnostics:
        line = json.dumps(
            diagnostic_json(diagnostic), separators=(",", ":"), sort_keys=True, ensure_ascii=False
        )
        out.write(line + "\n")

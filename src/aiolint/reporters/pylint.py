"""ruff's (and flake8's) `pylint` format: `path:line: [CODE] message`."""

from __future__ import annotations

from collections.abc import Sequence

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def format_pylint(diagnostic: Diagnostic) -> str:
    d = diagnostic
    return f"{d.path}:{d.start.line}: [{d.code}] {d.message}"


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    for diagnostic in diagnostics:
        out.write(format_pylint(diagnostic) + "\n")

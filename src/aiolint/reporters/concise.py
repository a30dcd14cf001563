"""ruff's `concise` format: `path:line:col: CODE [*] message`, `[*]` marking a
diagnostic whose fix `--fix` would apply."""

from __future__ import annotations

from collections.abc import Sequence

from aiolint.model import Diagnostic
from aiolint.reporters.base import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def format_concise(diagnostic: Diagnostic, *, fixable: bool) -> str:
    d = diagnostic
    mark = "[*] " if fixable else ""
    return f"{d.path}:{d.start.line}:{d.start.column}: {d.code} {mark}{d.message}"


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    for diagnostic in diagnostics:
        out.write(format_concise(diagnostic, fixable=ctx.would_fix(diagnostic)) + "\n")

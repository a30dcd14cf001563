"""ruff's `concise` format: `path:line:col: CODE [*] message`, `[*]` marking a
diagnostic whose fix `--fix` would apply. With colour, as ruff paints it: the
path bold, the `:` cyan, the code red and bold, the `*` cyan."""

from __future__ import annotations

from collections.abc import Sequence

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext
from aiolint.reporters.style import Style

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def code_and_message(diagnostic: Diagnostic, *, fixable: bool, style: Style | None = None) -> str:
    """`CODE [*] message` (ruff's rule code and body); `CODE message` when not fixable."""
    style = style or Style()
    mark = style.fix_mark() if fixable else ""
    return f"{style.red_bold(diagnostic.code)} {mark}{diagnostic.message}"


def location(diagnostic: Diagnostic, style: Style | None = None) -> str:
    """`path:line:col:` (the path bold, the colons cyan when painted)."""
    style = style or Style()
    sep = style.cyan(":")
    d = diagnostic
    return f"{style.bold(d.path)}{sep}{d.start.line}{sep}{d.start.column}{sep}"


def format_concise(diagnostic: Diagnostic, *, fixable: bool, style: Style | None = None) -> str:
    body = code_and_message(diagnostic, fixable=fixable, style=style)
    return f"{location(diagnostic, style)} {body}"


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    style = ctx.style
    for diagnostic in diagnostics:
        line = format_concise(diagnostic, fixable=ctx.would_fix(diagnostic), style=style)
        out.write(line + "\n")

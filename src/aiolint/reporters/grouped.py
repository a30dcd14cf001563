"""ruff's `grouped` format: each file's path (underlined when painted) and a
colon, then its findings indented, `line:col CODE [*] message` with the line
numbers right-aligned and the columns left-aligned to the file's widest, and a
blank line after each file."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext
from aiolint.reporters.concise import code_and_message

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    style = ctx.style
    sep = style.cyan(":")
    for path, group in groupby(diagnostics, key=lambda d: d.path):
        found = list(group)
        row_width = len(str(max(d.start.line for d in found)))
        column_width = len(str(max(d.start.column for d in found)))
        out.write(f"{style.underline(path)}:\n")
        for d in found:
            body = code_and_message(d, fixable=ctx.would_fix(d), style=style)
            row = f"{d.start.line:>{row_width}}"
            column = f"{d.start.column:<{column_width}}"
            out.write(f"  {row}{sep}{column} {body}\n")
        out.write("\n")

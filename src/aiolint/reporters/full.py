"""ruff's `full` format (its default): the `concise` line, then the code frame
of the finding's range with the fix's title as `= help:` (see
`aiolint.reporters.frame`), and a blank line; a finding in a file that cannot
be read gets the line alone."""

from __future__ import annotations

from collections.abc import Sequence

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext
from aiolint.reporters.concise import format_concise
from aiolint.reporters.frame import code_frame

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    style = ctx.style
    for diagnostic in diagnostics:
        out.write(format_concise(diagnostic, fixable=ctx.would_fix(diagnostic), style=style))
        out.write("\n")
        source = ctx.source_text(diagnostic)
        frame = code_frame(source, diagnostic, style) if source is not None else []
        if frame:
            out.write("\n".join(frame) + "\n\n")

"""The `text` format, flake8's: `path:line:col: CODE message`, exactly the line
the flake8 plugin prints for the same finding (no fix marker: `concise` has
it), optionally with flake8's `--show-source` block."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext
from aiolint.reporters.concise import format_concise
from aiolint.reporters.style import Style

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def format_diagnostic(diagnostic: Diagnostic, style: Style | None = None) -> str:
    """`path:line:col: CODE message` (painted as `concise` paints it, without `[*]`)."""
    return format_concise(diagnostic, fixable=False, style=style)


def write_text(
    out: TextIO,
    diagnostics: Sequence[Diagnostic],
    *,
    source_line: Callable[[Diagnostic], str | None] | None = None,
    style: Style | None = None,
) -> None:
    """One line per diagnostic; with `source_line`, flake8's `--show-source` block
    (the physical line, then a caret under the column)."""
    for diagnostic in diagnostics:
        out.write(format_diagnostic(diagnostic, style) + "\n")
        if source_line is None:
            continue
        line = source_line(diagnostic)
        if line is None:
            continue
        line = line.rstrip("\r\n")
        indent = "".join(c if c.isspace() else " " for c in line[: diagnostic.start.column - 1])
        out.write(f"{line}\n{indent}^\n")


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    """The `text` output format (the default)."""
    write_text(
        out,
        diagnostics,
        source_line=ctx.source_line if ctx.show_source else None,
        style=ctx.style,
    )

"""Azure Pipelines logging commands, ruff's `azure` format: one
`##vso[task.logissue type=error;sourcepath=...;linenumber=...;columnnumber=...;code=...;]message`
line per finding (the path absolute, as ruff's `filename`)."""

from __future__ import annotations

from collections.abc import Sequence

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext, absolute_filename

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def format_azure(diagnostic: Diagnostic) -> str:
    d = diagnostic
    return (
        f"##vso[task.logissue type=error;sourcepath={absolute_filename(d.path)};"
        f"linenumber={d.start.line};columnnumber={d.start.column};code={d.code};]{d.message}"
    )


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    for diagnostic in diagnostics:
        out.write(format_azure(diagnostic) + "\n")

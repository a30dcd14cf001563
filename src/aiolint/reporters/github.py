"""GitHub Actions workflow commands: one `::error ...::` line per diagnostic, which
the runner shows as an annotation on the file and line."""

from __future__ import annotations

from collections.abc import Sequence

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def escape_data(text: str) -> str:
    """A command's message (`@actions/core`'s escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (`@actions/core`'s escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostic: Diagnostic) -> str:
    d = diagnostic
    properties = {
        "title": f"aiolint ({d.code})",
        "file": d.path,
        "line": str(d.start.line),
        "col": str(d.start.column),
        "endLine": str(d.end.line),
        "endColumn": str(d.end.column),
    }
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::error {props}::{escape_data(f'{d.code} {d.message}')}"


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    for diagnostic in diagnostics:
        out.write(format_github(diagnostic) + "\n")

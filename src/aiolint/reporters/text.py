"""flake8-style text output: `path:line:col: CODE message`, optionally with the source line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TextIO

from aiolint.model import Diagnostic
from aiolint.reporters.base import ReportContext


def format_diagnostic(diagnostic: Diagnostic) -> str:
    d = diagnostic
    return f"{d.path}:{d.start.line}:{d.start.column}: {d.code} {d.message}"


def write_text(
    out: TextIO,
    diagnostics: Sequence[Diagnostic],
    *,
    source_line: Callable[[Diagnostic], str | None] | None = None,
) -> None:
    """One line per diagnostic; with `source_line`, flake8's `--show-source` block
    (the physical line, then a caret under the column)."""
    for diagnostic in diagnostics:
        out.write(format_diagnostic(diagnostic) + "\n")
        if source_line is None:
            continue
        line = source_line(diagnostic)
        if line is None:
            continue
        line = line.rstrip("\r\n")
        indent = "".join(c if c.isspace() else " " for c in line[: diagnostic.start.column - 1])
        out.write(f"{line}\n{indent}^\n")


def write_statistics(out: TextIO, diagnostics: Sequence[Diagnostic]) -> None:
    """Count per code, most frequent first (ruff's `--statistics` layout)."""
    counts = Counter(d.code for d in diagnostics)
    names = {d.code: d.rule_name for d in diagnostics}
    width = max((len(str(n)) for n in counts.values()), default=1)
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        out.write(f"{count:>{width}}\t{code}\t{names[code]}\n")


def summary(diagnostics: Sequence[Diagnostic], files_checked: int) -> str:
    if not diagnostics:
        return "All checks passed!" if files_checked else "No Python files found."
    files = len({d.path for d in diagnostics})
    errors = "error" if len(diagnostics) == 1 else "errors"
    in_files = "file" if files == 1 else "files"
    return f"Found {len(diagnostics)} {errors} in {files} {in_files}."


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    """The `text` output format (the default)."""
    write_text(out, diagnostics, source_line=ctx.source_line if ctx.show_source else None)

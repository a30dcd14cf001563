"""flake8-style text output: `path:line:col: CODE message`, optionally with the source line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from aiolint.fix_settings import FixSettings
from aiolint.model import Diagnostic
from aiolint.reporters.base import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from aiolint.runner import FixMode


def format_diagnostic(diagnostic: Diagnostic, *, fixable: bool = False) -> str:
    """`path:line:col: CODE message`; `CODE [*] message` when the run would fix it."""
    d = diagnostic
    mark = " [*]" if fixable else ""
    return f"{d.path}:{d.start.line}:{d.start.column}: {d.code}{mark} {d.message}"


def write_text(
    out: TextIO,
    diagnostics: Sequence[Diagnostic],
    *,
    source_line: Callable[[Diagnostic], str | None] | None = None,
    fixable: Callable[[Diagnostic], bool] | None = None,
) -> None:
    """One line per diagnostic; with `source_line`, flake8's `--show-source` block
    (the physical line, then a caret under the column); `fixable` marks `[*]`."""
    for diagnostic in diagnostics:
        marked = fixable is not None and fixable(diagnostic)
        out.write(format_diagnostic(diagnostic, fixable=marked) + "\n")
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


def write_fixes(out: TextIO, fixed: Mapping[str, Counter[str]]) -> None:
    """`--show-fixes`: what was fixed, per file and code (ruff's layout)."""
    total = sum(sum(c.values()) for c in fixed.values())
    if not total:
        return
    out.write(f"Fixed {_count(total, 'error')}:\n")
    for path in sorted(fixed):
        out.write(f"- {path}:\n")
        for code, count in sorted(fixed[path].items()):
            out.write(f"    {count} x {code}\n")


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun}es" if noun.endswith(("x", "s")) else f"{n} {noun}s"


def summary(
    diagnostics: Sequence[Diagnostic],
    files_checked: int,
    *,
    fix: FixMode | None = None,
    fixed: Mapping[str, Counter[str]] | None = None,
    settings: FixSettings | None = None,
    fix_only: bool = False,
) -> str:
    """The closing line(s) on stderr, as ruff words them."""
    settings = settings or FixSettings()
    n_fixed = sum(sum(c.values()) for c in (fixed or {}).values())
    hidden = sum(1 for d in diagnostics if settings.hidden(d))
    hint = (
        f"{_count(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option"
        if hidden
        else ""
    )
    if fix is not None and fix.diff:
        lines = [
            f"Would fix {_count(n_fixed, 'error')}." if n_fixed else "No errors would be fixed."
        ]
    elif fix is not None and fix_only:
        lines = [f"Fixed {_count(n_fixed, 'error')}." if n_fixed else "No errors fixed."]
    elif not diagnostics and not n_fixed:
        return "All checks passed!" if files_checked else "No Python files found."
    else:
        total = len(diagnostics) + n_fixed
        where = ""
        if diagnostics:
            files = len({d.path for d in diagnostics})
            where = f" in {_count(files, 'file')}"
        if fix is not None and n_fixed:
            left = len(diagnostics)
            lines = [f"Found {_count(total, 'error')} ({n_fixed} fixed, {left} remaining)."]
        else:
            lines = [f"Found {_count(total, 'error')}{where}."]
            fixable = sum(1 for d in diagnostics if settings.applies(d))
            if fixable:
                lines.append(
                    f"[*] {fixable} fixable with the `--fix` option"
                    + (f" ({hint})." if hint else ".")
                )
                hint = ""
            elif hidden:
                lines.append(f"No fixes available ({hint}).")
                hint = ""
    if hint:
        lines.append(f"{hint[0].upper()}{hint[1:]}.")
    return "\n".join(lines)


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    """The `text` output format (the default)."""
    write_text(
        out,
        diagnostics,
        source_line=ctx.source_line if ctx.show_source else None,
        fixable=ctx.would_fix,
    )

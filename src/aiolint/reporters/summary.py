"""The closing lines on stderr: the summary (`Found 3 errors in 2 files.`, the
fixable counts) and the `--show-fixes` list, as ruff words them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from aiolint.engine.model import Diagnostic
from aiolint.workspace.fix_settings import FixSettings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from aiolint.cli.runner import FixMode


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

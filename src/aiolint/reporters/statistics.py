"""`--statistics`: a count per code instead of the findings, ruff's table
(`count<TAB>code<TAB>[*] name`, the count right-aligned and the code padded to
the widest; `[*]`/`[ ]` only when some code is fixable) or, with
`--output-format json`, ruff's JSON list of `{code, name, count, fixable}`.

As ruff counts them: most frequent first (ties in code order); a code is
fixable when its first finding without a fix, else its first finding, would be
fixed by `--fix` under the run's fix settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiolint.engine.model import Diagnostic
from aiolint.engine.record import Record
from aiolint.reporters.style import Style

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

#: The formats `--statistics` can print: the human ones as a table, `json` as JSON.
TABLE_FORMATS = ("text", "concise", "full")
STATISTICS_FORMATS = (*TABLE_FORMATS, "json")


class Statistic(Record):
    __slots__ = _fields = ("code", "name", "count", "fixable")
    code: str
    name: str
    count: int
    fixable: bool

    def __init__(self, code: str, name: str, count: int, fixable: bool) -> None:
        self._set(code=code, name=name, count=count, fixable=fixable)


def statistics(
    diagnostics: Sequence[Diagnostic], would_fix: Callable[[Diagnostic], bool]
) -> list[Statistic]:
    by_code: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        by_code.setdefault(diagnostic.code, []).append(diagnostic)
    found = []
    for code in sorted(by_code):
        group = by_code[code]
        first = next((d for d in group if d.fix is None), group[0])
        found.append(Statistic(code, first.rule_name, len(group), would_fix(first)))
    found.sort(key=lambda statistic: -statistic.count)
    return found


def write_table(out: TextIO, found: Sequence[Statistic], style: Style | None = None) -> None:
    if not found:
        return
    style = style or Style()
    count_width = len(str(max(s.count for s in found)))
    code_width = max(len(s.code) for s in found)
    any_fixable = any(s.fixable for s in found)
    for s in found:
        mark = (style.fix_mark() if s.fixable else "[ ] ") if any_fixable else ""
        count = style.bold(f"{s.count:>{count_width}}")
        code = style.red_bold(f"{s.code:<{code_width}}")
        out.write(f"{count}\t{code}\t{mark}{s.name}\n")


def statistics_json(found: Sequence[Statistic]) -> list[dict[str, Any]]:
    return [{"code": s.code, "name": s.name, "count": s.count, "fixable": s.fixable} for s in found]


def write_json(out: TextIO, found: Sequence[Statistic]) -> None:
    import json

    out.write(json.dumps(statistics_json(found), indent=2, ensure_ascii=False) + "\n")

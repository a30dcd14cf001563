"""The code frame under a finding in ruff's `full` format (ruff's snippet
renderer): up to two lines of context either side (blank ones at the edges
left out), a gutter of right-aligned line numbers, `^^^` under a range on one
line and the code as its label, or for a range over several lines the `/`,
`|` and `|___^` margin, then `= help: <fix title>` when there is a fix.

Tabs are shown as spaces to the next multiple of 4 and control characters as
ruff shows them (`␛`, ...); columns count characters."""

from __future__ import annotations

import re

from aiolint.engine.model import Diagnostic
from aiolint.reporters.style import Style

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TAB_WIDTH = 4
_UNPRINTABLE = {"\x07": "␇", "\x08": "␈", "\x1b": "␛", "\x7f": "␡"}


def _display(line: str) -> tuple[str, list[int]]:
    """The line as shown, and where each character (and the line's end) starts in it."""
    shown: list[str] = []
    starts: list[int] = []
    width = 0
    for char in line:
        starts.append(width)
        if char == "\t":
            step = _TAB_WIDTH - width % _TAB_WIDTH
            shown.append(" " * step)
            width += step
        else:
            shown.append(_UNPRINTABLE.get(char, char))
            width += 1
    starts.append(width)
    return "".join(shown), starts


def _at(starts: list[int], column: int) -> int:
    """Where the 1-based `column` starts on screen (past the end: after the line)."""
    index = min(max(column - 1, 0), len(starts) - 1)
    return starts[index]


def code_frame(source: str, diagnostic: Diagnostic, style: Style | None = None) -> list[str]:
    """The frame's lines (no line ends); [] when the range is outside `source`."""
    style = style or Style()
    lines = _LINE_BREAK.split(source)
    if source.endswith(("\n", "\r")):
        lines.pop()
    first_line, last_line = diagnostic.start.line - 1, diagnostic.end.line - 1
    end_column = diagnostic.end.column
    if last_line > first_line and end_column <= 1:
        # a range ending right after a line break ends with the line before it
        last_line -= 1
        end_column = len(lines[last_line]) + 1 if 0 <= last_line < len(lines) else 1
    if not 0 <= first_line < len(lines):
        return []
    last_line = min(max(last_line, first_line), len(lines) - 1)
    top = max(first_line - 2, 0)
    while top < first_line and not lines[top].strip():
        top += 1
    bottom = min(last_line + 2, len(lines) - 1)
    while bottom > last_line and not lines[bottom].strip():
        bottom -= 1
    width = len(str(bottom + 1))
    blank = " " * width
    bar = f"{blank} {style.gutter('|')}"

    def row(index: int, margin: str, text: str) -> str:
        number = style.gutter(f"{index + 1:>{width}} |")
        return f"{number} {margin}{text}".rstrip()

    out = [bar]
    multiline = last_line > first_line
    for index in range(top, bottom + 1):
        text, starts = _display(lines[index])
        if not multiline:
            out.append(row(index, "", text))
            if index == first_line:
                start = _at(starts, diagnostic.start.column)
                stop = _at(starts, end_column)
                carets = "^" * max(stop - start, 1)
                label = f"{style.marker(carets)} {style.marker(diagnostic.code)}"
                out.append(f"{bar} {' ' * start}{label}")
            continue
        if index == first_line:
            start = _at(starts, diagnostic.start.column)
            if not lines[index][: diagnostic.start.column - 1].strip():
                out.append(row(index, style.marker("/") + " ", text))
            else:
                out.append(row(index, "  ", text))
                out.append(f"{bar} {style.marker(' ' + '_' * (start + 1) + '^')}")
        elif first_line < index <= last_line:
            out.append(row(index, style.marker("|") + " ", text))
            if index == last_line:
                caret = max(_at(starts, end_column) - 1, 0)
                underline = "|" + "_" * (caret + 1) + "^"
                out.append(f"{bar} {style.marker(underline)} {style.marker(diagnostic.code)}")
        else:
            out.append(row(index, "  ", text))
    out.append(bar)
    if diagnostic.fix is not None and diagnostic.fix.title:
        out.append(f"{blank} {style.gutter('= ')}{style.help('help')}: {diagnostic.fix.title}")
    return out

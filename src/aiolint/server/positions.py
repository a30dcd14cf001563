"""Positions in a document's text: the engine's and LSP's.

The engine reports 1-based lines and 1-based columns counted in characters,
and fixes as character offsets into the text; LSP counts 0-based lines and
columns in the code units of the negotiated position encoding (UTF-16 unless
the client offers another): a character outside the Basic Multilingual Plane
(an emoji) is two UTF-16 units, so the columns after it differ. Lines end at
`\\n`, `\\r\\n` or `\\r`, in LSP as in Python's tokenizer. Standard library only.
"""

from __future__ import annotations

import re
from bisect import bisect_right

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
_LINE_END = re.compile(r"\r\n|\r|\n")


def units(text: str, encoding: str = UTF16) -> int:
    """The length of `text` in the encoding's code units."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


class LineIndex:
    """Converts between character offsets, the engine's (line, column) and LSP
    (line, character) pairs for one text."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0] + [match.end() for match in _LINE_END.finditer(text)]

    def _line_end(self, line: int) -> int:
        """The offset where line `line` (0-based) ends, before its line break."""
        if line + 1 < len(self.starts):
            end = self.starts[line + 1]
            return end - (2 if self.text.startswith("\r\n", end - 2) else 1)
        return len(self.text)

    def offset(self, line: int, column: int) -> int:
        """The offset of the engine's 1-based `line` and `column` (clamped to the text)."""
        index = min(max(line - 1, 0), len(self.starts) - 1)
        start = self.starts[index]
        return min(start + max(column - 1, 0), self._line_end(index))

    def position(self, offset: int) -> tuple[int, int]:
        """The LSP (line, character) of a character offset."""
        offset = min(max(offset, 0), len(self.text))
        line = bisect_right(self.starts, offset) - 1
        return line, units(self.text[self.starts[line] : offset], self.encoding)

    def position_of(self, line: int, column: int) -> tuple[int, int]:
        """The LSP (line, character) of the engine's 1-based `line` and `column`."""
        return self.position(self.offset(line, column))

    def offset_at(self, line: int, character: int) -> int:
        """The character offset of an LSP position (past the line's end: its end)."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        offset, end = self.starts[line], self._line_end(line)
        counted = 0
        while offset < end and counted < character:
            counted += units(self.text[offset], self.encoding)
            offset += 1
        return offset

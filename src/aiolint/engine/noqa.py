"""`# noqa` handling, exactly as flake8 reads it.

flake8 searches the physical line of a diagnostic for `# noqa[: codes]`; a
token spanning several lines (a triple-quoted string, a backslash
continuation) makes those lines one, so a noqa anywhere on it covers all of
them. A code list matches by prefix (`# noqa: AIO2` covers AIO201). A file
with a line starting `# flake8: noqa` is skipped (flake8's rule); `# aiolint: noqa`
on a line of its own skips the file for aiolint, and `# aiolint: noqa: AIO201`
only for those codes (ruff's file-level exemption), in both front ends.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from functools import cached_property

NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
FLAKE8_FILE = re.compile(r"^\s*# flake8[:=]\s*noqa", re.IGNORECASE | re.MULTILINE)
#: ruff-style file exemption: `# aiolint: noqa` or `# aiolint: noqa: AIO201, AIO3`.
AIOLINT_FILE = re.compile(
    r"^\s*#\s*aiolint[:=]\s*noqa(?::\s?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SPLIT = re.compile(r"[,\s]+")


class NoqaMap:
    """For each line number, the text flake8 searches for `noqa`."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._lines = source.splitlines(keepends=True)
        self.flake8_exempt = FLAKE8_FILE.search(source) is not None
        self._file_codes = file_exemptions(source)
        #: A line's text is a piece of the source: no `noqa` in the source, none
        #: on any line (and no tokenizing to join continued lines).
        self._any_inline = NOQA_INLINE.search(source) is not None

    @cached_property
    def _mapping(self) -> dict[int, str]:
        return _line_mapping(self._source, self._lines)

    def line_text(self, line: int) -> str:
        text = self._mapping.get(line)
        if text is not None:
            return text
        return self._lines[line - 1] if 0 < line <= len(self._lines) else ""

    def names_any(self, line: int, codes: Sequence[str]) -> bool:
        """An inline `# noqa: ...` on `line` lists one of `codes` (a bare
        `# noqa` does not count: it is about the line, not a peer's finding)."""
        if not codes or not self._any_inline:
            return False
        text = self.line_text(line)
        return any(is_suppressed(text, code, blanket=False) for code in codes)

    def suppresses(self, line: int, code: str) -> bool:
        """Inline `# noqa` or a file-level exemption covers `code` on `line`."""
        if self.flake8_exempt or file_exempts(self._file_codes, code):
            return True
        return self._any_inline and is_suppressed(self.line_text(line), code)


def file_exemptions(source: str) -> list[tuple[str, ...]] | None:
    """The code lists of `# aiolint: noqa[: codes]` lines (`()` = every code); None if none."""
    found = [
        tuple(c for c in _SPLIT.split((m.group("codes") or "").strip()) if c)
        for m in AIOLINT_FILE.finditer(source)
    ]
    return found or None


def file_exempts(exemptions: list[tuple[str, ...]] | None, code: str) -> bool:
    return bool(exemptions) and any(not c or code.startswith(c) for c in exemptions)


def is_suppressed(text: str, code: str, *, blanket: bool = True) -> bool:
    """`text` holds a `# noqa` covering `code`: one listing it (or a prefix of
    it), or, with `blanket`, a bare `# noqa`."""
    match = NOQA_INLINE.search(text)
    if match is None:
        return False
    codes_str = match.group("codes")
    if codes_str is None:
        return blanket
    codes = tuple(c for c in _SPLIT.split(codes_str.strip()) if c)
    return code in codes or code.startswith(codes)


def _line_mapping(source: str, lines: list[str]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    try:
        tokens: Iterable[tokenize.TokenInfo] = list(
            tokenize.generate_tokens(io.StringIO(source).readline)
        )
    except (tokenize.TokenError, SyntaxError):
        return mapping
    min_line, max_line = len(lines) + 2, -1
    for tok in tokens:
        if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        min_line = min(min_line, tok.start[0])
        max_line = max(max_line, tok.end[0])
        if tok.type in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[min_line - 1 : max_line])
            for line in range(min_line, max_line + 1):
                mapping[line] = joined
            min_line, max_line = len(lines) + 2, -1
    return mapping

"""Indentation that mixes tabs and spaces, made readable for LibCST.

CPython accepts a file whose indentation mixes tabs and spaces as long as the
blocks come out the same with a tab worth 8 columns and worth 1 (its
"inconsistent use of tabs" check). LibCST's tokenizer refuses some of those
files ("no matching outer block for dedent"). Since the blocks are the same
with a tab worth 1, writing each tab of a line's leading whitespace as one
space keeps them, and keeps every character at its offset: the positions
LibCST reports (diagnostics, fix edits) are those of the original text.
Whitespace inside string literals is never touched.
"""

from __future__ import annotations

import io
import tokenize

import libcst as cst

#: Token types that start no code on a line.
_SKIP = frozenset({tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})


def tabs_as_spaces(text: str) -> str | None:
    """`text` with the tabs of each line's leading whitespace written as
    spaces, or None when there are none to write (or the text does not
    tokenize)."""
    if "\t" not in text:
        return None
    lines = text.splitlines(keepends=True)
    starts: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in _SKIP:
                continue
            row, column = token.start
            if row in starts or row > len(lines):
                continue
            line = lines[row - 1]
            if column and "\t" in line[:column] and not line[:column].strip(" \t\f"):
                starts.add(row)
    except (tokenize.TokenError, SyntaxError):
        return None
    if not starts:
        return None
    for row in starts:
        line = lines[row - 1]
        body = line.lstrip(" \t\f")
        prefix = line[: len(line) - len(body)]
        lines[row - 1] = prefix.replace("\t", " ") + body
    return "".join(lines)


def parse_module(source: bytes | str, text: str) -> cst.Module:
    """LibCST's parse of `source` (whose decoded text is `text`); a tab/space
    mix LibCST refuses parses again with `tabs_as_spaces` (raises LibCST's
    error on the text as written when that fails too)."""
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError:
        respaced = tabs_as_spaces(text)
        if respaced is None:
            raise
    try:
        return cst.parse_module(respaced)
    except cst.ParserSyntaxError:
        return cst.parse_module(source)

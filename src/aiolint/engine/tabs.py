"""Indentation that mixes tabs and spaces, made readable for LibCST.

CPython accepts a file whose indentation mixes tabs and spaces as long as the
blocks come out the same with a tab worth 8 columns and worth 1 (its
"inconsistent use of tabs" check). LibCST's tokenizer refuses some of those
files ("no matching outer block for dedent"). Since the blocks are the same
with a tab worth 1, writing each tab of a line's leading whitespace as one
space keeps them, and keeps every character at its offset: the positions
LibCST reports (diagnostics, fix edits) are those of the original text.
Whitespace inside string literals is never touched.

LibCST's parser also refuses a line holding only a backslash (a continuation
joining nothing to the next line) where a block's first statement starts,
which CPython accepts. Writing that backslash as a space makes the line blank,
every offset kept; it is done only when CPython reads the same program from
the result (the same `ast`), so the indentation that counts is unchanged.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from bisect import bisect_right

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


#: A line holding only a backslash (and the whitespace before it).
_BACKSLASH_LINE = re.compile(r"^[ \t\f]*\\(?=\r?\n)", re.MULTILINE)


def backslash_lines_blanked(text: str) -> str | None:
    """`text` with the backslash of each line holding only one (outside any
    token: not in a string) written as a space, or None when there is none,
    or when CPython would read another program from the result."""
    found = [match.end() - 1 for match in _BACKSLASH_LINE.finditer(text)]
    if not found:
        return None
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    covered: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in _SKIP:
                covered.update(range(token.start[0], token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return None
    chars = list(text)
    for offset in found:
        if bisect_right(starts, offset) not in covered:  # its line number
            chars[offset] = " "
    blanked = "".join(chars)
    if blanked == text:
        return None
    try:
        same = ast.dump(ast.parse(text)) == ast.dump(ast.parse(blanked))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return blanked if same else None


def readable(text: str) -> str | None:
    """`text` as aiolint hands it to LibCST when LibCST refuses it as
    written: `tabs_as_spaces`, then `backslash_lines_blanked` (None: neither
    applies). Every character stays at its offset."""
    respaced = tabs_as_spaces(text)
    blanked = backslash_lines_blanked(respaced if respaced is not None else text)
    return blanked if blanked is not None else respaced


def parse_module(source: bytes | str, text: str) -> cst.Module:
    """LibCST's parse of `source` (whose decoded text is `text`); a file LibCST
    refuses parses again as `readable` writes it (raises LibCST's error on the
    text as written when that fails too)."""
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError:
        respaced = readable(text)
        if respaced is None:
            raise
    try:
        return cst.parse_module(respaced)
    except cst.ParserSyntaxError:
        return cst.parse_module(source)

"""A file's top-level statements found by `tokenize`, without parsing it.

CPython's `ast` of a whole file costs about 115 bytes per character of
ordinary code (480 MB for a 100,000-line module) and 240 per character of a
dense one-line call (1.2 GB for a 5 MB `gather(...)`), while `tokenize` streams:
it holds one line at a time. So a large file's statements are found from its
tokens: a statement starts at the first token of a logical line at
indentation level 0, unless that line continues the statement before it
(`else`, `elif`, `except`, `finally`, or the `def` / `class` after a
decorator); it ends on the line of its last NEWLINE token. Each statement's
token count (comments and line breaks included) measures what parsing it
costs: LibCST's tree takes 2 to 4 KB per token.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass

#: Keywords that start a logical line continuing the compound statement before it.
_CONTINUES = frozenset({"else", "elif", "except", "finally"})
#: Tokens that start no logical line.
_LAYOUT = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT})


@dataclass(slots=True)
class Span:
    """One top-level statement: its first line (decorators included), its
    last line, how many tokens it has, and the name a `def` or `class` binds
    (None for another statement)."""

    first: int
    last: int
    tokens: int = 0
    name: str | None = None
    #: The statement is a `class` (`name` is the class's).
    is_class: bool = False
    #: Still reading decorators: the next logical line is the decorated `def` or `class`.
    decorating: bool = False


def top_level(text: str) -> list[Span] | None:
    """The top-level statements of `text` in order; None when it does not
    tokenize (an unterminated string or bracket, a bad dedent: Python rejects
    it, which a parse says better)."""
    found: list[Span] = []
    current: Span | None = None
    level = 0
    line_start = True  # the next token other than layout starts a logical line
    naming = 0  # 1: after `async` (a `def` may follow), 2: after `def` / `class`
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = token.type
            if kind == tokenize.ENDMARKER:
                break
            if current is not None:
                current.tokens += 1
            if kind == tokenize.INDENT:
                level += 1
                continue
            if kind == tokenize.DEDENT:
                level -= 1
                continue
            if kind in _LAYOUT:
                continue
            if line_start:
                line_start = False
                if level == 0:
                    current = _statement_line(found, current, token)
                    naming = _naming(token) if current.name is None else 0
                    current.is_class = current.is_class or token.string == "class"
                    continue
            elif naming and kind == tokenize.NAME:
                if naming == 2 and current is not None:
                    current.name = token.string
                naming = 2 if naming == 1 and token.string == "def" else 0
            else:
                naming = 0
            if kind == tokenize.NEWLINE:
                line_start = True
                if current is not None:
                    current.last = token.start[0]
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def _statement_line(found: list[Span], current: Span | None, token: tokenize.TokenInfo) -> Span:
    """The statement a logical line at level 0 belongs to: the current one
    (a decorated definition, `else:`...) or a new one starting here."""
    continues = current is not None and (
        current.decorating or (token.type == tokenize.NAME and token.string in _CONTINUES)
    )
    if not continues or current is None:
        current = Span(token.start[0], token.start[0], tokens=1)
        found.append(current)
    current.decorating = token.type == tokenize.OP and token.string == "@"
    return current


def _naming(token: tokenize.TokenInfo) -> int:
    """Whether the logical line starting with `token` defines a name: 2 after
    `def` / `class` (the next name is it), 1 after `async`, else 0."""
    if token.type != tokenize.NAME:
        return 0
    if token.string in ("def", "class"):
        return 2
    return 1 if token.string == "async" else 0

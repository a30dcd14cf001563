"""Where an interpolated value sits in SQL text: may it become a bound parameter?

`value_position(text, offset)` looks at the SQL text around one unknown part
(`HOLE` at `offset`; other unknown parts are `HOLE` too) and answers whether the
part stands where a value stands, so that a placeholder (`:name`, `$1`) can
replace it:

- after a comparison operator (`=`, `<>`, `!=`, `<`, `>`, `<=`, `>=`), after
  `LIMIT`, `OFFSET`, `LIKE`, `ILIKE`, as either bound of `BETWEEN x AND y`;
- as an element of a `VALUES (...)` row, or of an `IN (...)` list that has
  other elements (a lone `IN ({ids})` may be a comma-separated list);
- either bare or as the whole of a single-quoted literal (`'{name}'`: the
  quotes go with it); a part of a literal (`'%{q}%'`, `'{n} days'`), a
  double-quoted or back-quoted identifier, or a comment is not a value.

Anything else (after `FROM`, `JOIN`, `INTO`, `UPDATE`, `SET`, `ORDER BY`,
`GROUP BY`, `SELECT`, a function's `(`, a `.`) is not a value position: a
table or column name cannot be a parameter. The part must also stand alone as
a token (no word character, `.`, `(` or quote glued to it), and text with a
backslash or dollar quoting is not judged at all (its quoting rules differ
between databases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiolint.semantic.sql_text import HOLE

_COMPARISON = re.compile(r"(?:[=<>]|!=)\Z")
_VALUE_KEYWORD = re.compile(
    r"(?<![\w.])(?:LIMIT|OFFSET|LIKE|ILIKE|BETWEEN"
    r"|BETWEEN\s+(?:'[^']*'|[^\s()']+)\s+AND)\Z",
    re.IGNORECASE,
)
_WORD_BEFORE = re.compile(r"(\w+)\s*\Z")
#: SQLAlchemy's own pattern for `:name` bind parameters in `text()`.
BIND_PARAM = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")
DOLLAR_PARAM = re.compile(r"\$(\d+)")
_CLOSERS = frozenset({("double", '"'), ("backtick", "`"), ("line", "\n")})
_GLUED_BEFORE = frozenset("._'\"`$\\:" + HOLE)
_GLUED_AFTER = frozenset("._(['\"`$\\:" + HOLE)


@dataclass(frozen=True, slots=True)
class ValuePosition:
    """A hole in a value position; `quoted`: it fills a whole `'...'` literal."""

    quoted: bool


@dataclass
class _Lexed:
    state: str
    parens: list[int]


def _lex(text: str) -> _Lexed | None:
    """The lexical state at the end of `text` ("code", "single", "double",
    "backtick", "line", "block") and the offsets of the open parentheses."""
    state = "code"
    parens: list[int] = []
    i = 0
    while i < len(text):
        char = text[i]
        if state == "code":
            if char in "'\"`":
                state = {"'": "single", '"': "double", "`": "backtick"}[char]
            elif text.startswith("--", i):
                state, i = "line", i + 1
            elif text.startswith("/*", i):
                state, i = "block", i + 1
            elif char == "(":
                parens.append(i)
            elif char == ")":
                if not parens:
                    return None
                parens.pop()
        elif state == "single" and char == "'":
            if text.startswith("''", i):
                i += 1
            else:
                state = "code"
        elif (state, char) in _CLOSERS:
            state = "code"
        elif state == "block" and text.startswith("*/", i):
            state, i = "code", i + 1
        i += 1
    return _Lexed(state, parens)


def in_code(text: str) -> bool:
    """Whether the end of `text` is SQL code: not inside a literal, a quoted
    identifier or a comment (and no parenthesis closed that was not opened)."""
    lexed = _lex(text)
    return lexed is not None and lexed.state == "code"


def value_position(text: str, offset: int, allow_cast: bool = False) -> ValuePosition | None:
    """Whether the hole at `offset` may become a placeholder (see the module doc);
    `allow_cast`: a `::type` cast may follow it (asyncpg's `$1::int`, not SQLAlchemy's
    `:name`, which a following `:` hides)."""
    if "\\" in text or re.search(r"\$\w*\$", text):
        return None
    before, after = text[:offset], text[offset + 1 :]
    lexed = _lex(before)
    if lexed is None:
        return None
    quoted = False
    if lexed.state == "single":
        if not (before.endswith("'") and after.startswith("'")) or after.startswith("''"):
            return None
        before, after = before[:-1], after[1:]
        lexed = _lex(before)
        if lexed is None or lexed.state != "code":
            return None
        quoted = True
    elif lexed.state != "code":
        return None
    if before and (before[-1].isalnum() or before[-1] in _GLUED_BEFORE):
        return None
    glued = _GLUED_AFTER - {":"} if allow_cast and after.startswith("::") else _GLUED_AFTER
    if after and (after[0].isalnum() or after[0] in glued):
        return None
    if not _value_context(before, after, lexed.parens):
        return None
    return ValuePosition(quoted)


def _value_context(before: str, after: str, parens: list[int]) -> bool:
    stripped = before.rstrip()
    if _COMPARISON.search(stripped) or _VALUE_KEYWORD.search(stripped):
        return True
    if not stripped.endswith(("(", ",")) or not parens:
        return False
    opening = parens[-1]
    word = _WORD_BEFORE.search(before[:opening])
    keyword = word.group(1).upper() if word else ""
    if keyword == "VALUES":
        return True
    if keyword == "IN":
        alone = not before[opening + 1 :].strip() and after.lstrip().startswith(")")
        return not alone
    return False


def bind_names(text: str) -> set[str]:
    """The `:name` parameters `text()` finds in `text`."""
    return set(BIND_PARAM.findall(text))


def highest_dollar(text: str) -> int:
    """The highest `$n` placeholder in `text` (0 when there is none)."""
    return max((int(n) for n in DOLLAR_PARAM.findall(text)), default=0)

"""Which statement a SQL text is: may its values become bound parameters?

A database binds parameters only in the statements it plans: PostgreSQL takes
`$1` in SELECT, INSERT, UPDATE, DELETE, MERGE and WITH, and refuses them in a
utility statement (`SET x = $1`, DDL, GRANT, COPY...: "syntax error at or near
$1", with asyncpg and with psycopg 3 alike). A text holding more than one
statement cannot be prepared at all ("cannot insert multiple commands into a
prepared statement").

`parameter_statement(text)` reads SQL text (unknown parts as `HOLE`) and
answers:
- `Statement.QUERY`: one SELECT/INSERT/UPDATE/DELETE/WITH/MERGE statement, whose
  values may become parameters;
- a `SetStatement`: `SET [LOCAL | SESSION] name = v` (or `TO v`) whose whole
  value is one unknown part, bare or as a whole `'...'` literal, alone in the
  text but for whitespace and a final `;`. It may become
  `SELECT set_config('name', $1, is_local)`, which takes its value as a
  parameter. Not for a list of quoted names (`search_path`,
  `temp_tablespaces`, `*_preload_libraries`): `SET search_path TO 'Sales'`
  sets the one schema `"Sales"`, `set_config` reads its text as a list
  (`sales`);
- None for anything else (no fix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from aiolint.engine import known_names
from aiolint.semantic.sql_positions import in_code
from aiolint.semantic.sql_text import HOLE

_LEADING = re.compile(r"\A" + known_names.SQL_LEADING, re.DOTALL)
_QUERY = re.compile(r"(?:SELECT|INSERT|UPDATE|DELETE|WITH|MERGE)\b", re.IGNORECASE)
_TRAILING = re.compile(known_names.SQL_LEADING + r";?" + known_names.SQL_LEADING + r"\Z", re.DOTALL)
_NAME = r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?"
_SET = re.compile(
    r"SET\s+(?:(?P<scope>LOCAL|SESSION)\s+)?(?P<name>" + _NAME + r")(?:\s*=\s*|\s+TO\s+)"
    r"(?P<value>" + HOLE + "|'" + HOLE + r"')(?P<rest>[\s;]*)\Z",
    re.IGNORECASE,
)

#: PostgreSQL settings whose value is a list of quoted names (GUC_LIST_QUOTE).
_QUOTED_LISTS = frozenset(
    {
        "search_path",
        "temp_tablespaces",
        "local_preload_libraries",
        "session_preload_libraries",
        "shared_preload_libraries",
    }
)


class Statement(Enum):
    """A statement whose values the database accepts as parameters."""

    QUERY = "query"


@dataclass(frozen=True, slots=True)
class SetStatement:
    """`SET [LOCAL] name = <value>`: the parameter's name, folded as SET folds it
    (an unquoted identifier is lower case), and whether it lasts for the
    transaction only (`LOCAL`)."""

    name: str
    local: bool
    quoted: bool
    """The value is written as a whole `'...'` literal."""
    leading: str
    """The text before `SET` (whitespace)."""
    trailing: str
    """The text after the value (whitespace, a `;`)."""


def parameter_statement(text: str) -> Statement | SetStatement | None:
    """What `text` is, for binding its values (see the module doc)."""
    start = _LEADING.match(text).end()  # type: ignore[union-attr]
    body = text[start:]
    found = _SET.match(body)
    if found is not None:
        leading = text[:start]
        if leading.strip() or found["name"].lower() in _QUOTED_LISTS:
            return None  # a comment before the statement would be lost; a list
        scope = (found["scope"] or "").upper()
        return SetStatement(
            found["name"].lower(),
            scope == "LOCAL",
            found["value"] != HOLE,
            leading,
            found["rest"],
        )
    if _QUERY.match(body) is None or not _single(text):
        return None
    return Statement.QUERY


def _single(text: str) -> bool:
    """No `;` in code is followed by more than whitespace and comments."""
    for semicolon in re.finditer(";", text):
        if _TRAILING.match(text, semicolon.start()) is not None:
            return True
        if in_code(text[: semicolon.start()]):
            return False
    return True

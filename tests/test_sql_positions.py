"""The AIO304 fix's building blocks: value positions in SQL text, the statements
that take parameters, and string templates read and written back byte for byte."""

from __future__ import annotations

import libcst as cst
import pytest

from aiolint.semantic.sql_positions import (
    ValuePosition,
    bind_names,
    highest_dollar,
    value_position,
)
from aiolint.semantic.sql_statement import SetStatement, Statement, parameter_statement
from aiolint.semantic.sql_template import Slot, template_of
from aiolint.semantic.sql_text import HOLE


def position(sql: str, allow_cast: bool = False) -> ValuePosition | None:
    """The position of the `?` in `sql` (other holes written `#`)."""
    text = sql.replace("?", HOLE).replace("#", HOLE)
    return value_position(text, sql.index("?"), allow_cast)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t WHERE id = ?",
        "SELECT * FROM t WHERE id=?",
        "SELECT * FROM t WHERE id <> ? AND b = 1",
        "SELECT * FROM t WHERE n >= ?",
        "SELECT * FROM t LIMIT ? OFFSET 5",
        "SELECT * FROM t LIMIT 5 OFFSET ?",
        "SELECT * FROM t WHERE n like ?",
        "SELECT * FROM t WHERE n BETWEEN ? AND 3",
        "SELECT * FROM t WHERE n BETWEEN 1 AND ?",
        "SELECT * FROM t WHERE n BETWEEN # AND ?",
        "INSERT INTO t (a, b) VALUES (?, 1)",
        "INSERT INTO t (a, b) VALUES (1, ?)",
        "SELECT * FROM t WHERE id IN (?, #)",
        "SELECT * FROM t WHERE id IN (#, ?)",
        "UPDATE t SET a = ?, b = 2",
    ],
)
def test_bare_values(sql: str) -> None:
    assert position(sql) == ValuePosition(quoted=False)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t WHERE name = '?'",
        "SELECT * FROM t WHERE name = '?' AND x = 'it''s'",
        "INSERT INTO t (a, b) VALUES ('?', 1)",
        "SELECT * FROM t WHERE a = 'x' AND name LIKE '?'",
    ],
)
def test_whole_quoted_literals(sql: str) -> None:
    assert position(sql) == ValuePosition(quoted=True)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM ? WHERE id = 1",
        "SELECT * FROM t JOIN ? ON t.id = ?.id",
        "INSERT INTO ? (a) VALUES (1)",
        "INSERT INTO t (?) VALUES (1)",
        "UPDATE ? SET a = 1",
        "UPDATE t SET ? = 1",
        "SELECT ? FROM t",
        "SELECT a, ? FROM t",
        "SELECT * FROM t ORDER BY ?",
        "SELECT * FROM t GROUP BY a, ?",
        "SELECT * FROM t WHERE a = 1 AND ?",
        "SELECT * FROM t WHERE id IN (?)",
        "SELECT * FROM t WHERE id IN ?",
        "SELECT * FROM t WHERE name LIKE '%?%'",
        "SELECT * FROM t WHERE d > now() - interval '? days'",
        "SELECT * FROM t WHERE 'x' = '?''s'",
        'SELECT * FROM t WHERE "?" = 1',
        "SELECT * FROM t WHERE `?` = 1",
        "SELECT * FROM t WHERE a = 1 -- ?",
        "SELECT * FROM t WHERE a = 1 /* ? */",
        "SELECT * FROM s.? WHERE a = 1",
        "SELECT * FROM t WHERE a = ?.b",
        "SELECT * FROM t WHERE a = lower(?)",
        "SELECT * FROM t WHERE a = ?#",
        "SELECT * FROM t WHERE a = x?",
        "SELECT * FROM t WHERE a = ?::int",
        "SELECT * FROM t WHERE a = '?'::uuid",
        "SELECT * FROM t WHERE a = '\\?'",
        "SELECT * FROM t WHERE a = $$?$$",
    ],
)
def test_not_values(sql: str) -> None:
    assert position(sql) is None


def test_a_cast_is_allowed_for_dollar_placeholders() -> None:
    assert position("SELECT * FROM t WHERE a = ?::int", allow_cast=True) == ValuePosition(False)
    assert position("SELECT * FROM t WHERE a = '?'::uuid", allow_cast=True) == ValuePosition(True)


def test_existing_parameters() -> None:
    assert bind_names("SELECT * FROM t WHERE a = :a AND b::int = :b_2 AND c = '\\:c'") == {
        "a",
        "b_2",
    }
    assert highest_dollar("SELECT * FROM t WHERE a = $1 AND b = $3") == 3
    assert highest_dollar("SELECT 1") == 0


def expression(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def rebuilt(source: str, placeholders: list[str], quoted: set[int] = frozenset()) -> str | None:
    template = template_of(expression(source))
    assert template is not None
    slots = [i for i, item in enumerate(template.items) if isinstance(item, Slot)]
    new = template.rebuild(
        dict(zip(slots, placeholders, strict=False)), frozenset(slots[q] for q in quoted)
    )
    return None if new is None else code(new)


def test_fstring_text_and_slots() -> None:
    template = template_of(expression("f\"SELECT * FROM {T} WHERE a = '{x}' AND b = {{}}\""))
    assert template is not None
    text, offsets = template.text()
    assert text == f"SELECT * FROM {HOLE} WHERE a = '{HOLE}' AND b = {{}}"
    assert list(offsets.values()) == [14, 27]


def test_rebuild_keeps_the_spelling() -> None:
    assert rebuilt("f\"a = '{x}' AND b = {{}}\"", [":x"], {0}) == '"a = :x AND b = {}"'
    assert rebuilt("rf'a = {x}'", [":x"]) == "r'a = :x'"
    assert rebuilt("f'a = {x}\\n'", [":x"]) == "'a = :x\\n'"
    assert rebuilt("f\"a = \\'{x}\\'\"", [":x"], {0}) == '"a = :x"'
    assert rebuilt("'a = %s AND b LIKE \\'x%%\\'' % (x,)", ["$1"]) == "'a = $1 AND b LIKE \\'x%\\''"
    assert rebuilt("'a = {} AND b = {{}}'.format(x)", [":x"]) == "'a = :x AND b = {}'"
    assert rebuilt("('a = {}').format(x)", [":x"]) == "('a = :x')"


def test_rebuild_keeps_constant_fields_and_concatenation() -> None:
    source = "(f'SELECT * FROM {T} '  # the table\n  f\"WHERE a = '{x}'\")"
    template = template_of(expression(source))
    assert template is not None
    slots = [i for i, item in enumerate(template.items) if isinstance(item, Slot)]
    new = template.rebuild({slots[1]: ":x"}, frozenset({slots[1]}))
    assert new is not None
    assert code(new) == "(f'SELECT * FROM {T} '  # the table\n  \"WHERE a = :x\")"


def test_a_quote_spelled_otherwise_is_not_dropped() -> None:
    assert rebuilt("f'a = \\x27{x}\\x27'", [":x"], {0}) is None


@pytest.mark.parametrize(
    "source",
    [
        "f'a = {x!r}'",
        "f'a = {x:>10}'",
        "f'a = {x=}'",
        "b'a = %s' % x",
        "'a = %d' % x",
        "'a = %(x)s' % {'x': x}",
        "'a = %s' % (x, y)",
        "'a = %s', 1 % x",
        "'a = {!r}'.format(x)",
        "'a = {0.b}'.format(x)",
        "'a = {} {0}'.format(x)",
        "'a = {}'.format(*xs)",
        "'a = {y}'.format(x)",
        "'a = {'.format(x)",
        "'a' + x",
    ],
)
def test_unsupported_templates(source: str) -> None:
    assert template_of(expression(source)) is None


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t WHERE id = ?", Statement.QUERY),
        (
            "  -- recent\n/* one */ with x AS (SELECT 1) SELECT * FROM x WHERE a = ?",
            Statement.QUERY,
        ),
        ("INSERT INTO t (a) VALUES (?);  -- done", Statement.QUERY),
        ("UPDATE t SET a = ? WHERE b = 1", Statement.QUERY),
        ("DELETE FROM t WHERE a = ?", Statement.QUERY),
        ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = ?", Statement.QUERY),
        ("SELECT ';' FROM t WHERE a = ?", Statement.QUERY),
        (
            "SET app.current_organization_id = ?",
            SetStatement("app.current_organization_id", False, False, "", ""),
        ),
        ("SET LOCAL app.Tenant TO '?';\n", SetStatement("app.tenant", True, True, "", ";\n")),
        (
            "set session statement_timeout=?",
            SetStatement("statement_timeout", False, False, "", ""),
        ),
        ("SELECT * FROM t WHERE a = ?; DELETE FROM t", None),
        ("SELECT * FROM t WHERE a = ?; -- x\n", Statement.QUERY),
        ("SET LOCAL TIME ZONE '?'", None),
        ("SET lock_timeout = '?s'", None),
        ("SET search_path TO ?, public", None),
        ("SET search_path TO '?'", None),
        ("SET LOCAL Temp_Tablespaces = ?", None),
        ("-- set it\nSET x = ?", None),
        ("CREATE DATABASE ?", None),
        ("GRANT SELECT ON t TO ?", None),
        ("COPY t FROM STDIN WITH (DELIMITER '?')", None),
        ("EXPLAIN SELECT * FROM t WHERE a = ?", None),
        ("VALUES (?)", None),
        ("? SELECT 1", None),
    ],
)
def test_parameter_statement(sql: str, expected: object) -> None:
    assert parameter_statement(sql.replace("?", HOLE)) == expected

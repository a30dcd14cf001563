"""The SQL-text analysis behind AIO304: the SQL-like test and the structured
builds (template node and holes) that the later fix rewrites."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper

from aiolint.semantic.context import FileContext
from aiolint.semantic.sql_text import HOLE, BuildKind, SqlBuild, build_of, is_sql


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM users",
        "  select id from t where x = 1",
        "-- comment\nUPDATE t SET a = 1",
        "/* hint */ DELETE FROM t",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        f"INSERT INTO t VALUES ({HOLE})",
        "replace into t values (1)",
        "MERGE INTO t USING s ON (1 = 1)",
        # statements that are SQL by their first words
        "SET search_path TO app",
        "set local statement_timeout = 5",
        "CREATE TABLE t (id int)",
        "create unique index if not exists ix on t (a)",
        f"ALTER TABLE {HOLE} ADD COLUMN x int",
        "DROP SCHEMA IF EXISTS s CASCADE",
        f"TRUNCATE {HOLE}",
        "GRANT SELECT ON t TO r",
        "REVOKE ALL ON t FROM r",
        "COPY t FROM STDIN",
        f"VACUUM ANALYZE {HOLE}",
        "EXPLAIN SELECT 1",
        "CALL p(1)",
        "COMMENT ON TABLE t IS 'x'",
        f"SELECT setval('{HOLE}', 1)",
        "-- c\nselect pg_notify('a', 'b')",
    ],
)
def test_sql_like(text: str) -> None:
    assert is_sql(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT 1",
        f"SELECT {HOLE}",
        f"SET {HOLE} {HOLE}",  # a Redis-like command
        "Set up the tables",
        "created the table",
        "dropping rows",
        f"LISTEN {HOLE}",
        f"{HOLE} FROM t WHERE a = 1",
        "selection from the menu",
        "Updated the set",
        "SELECT * FROMAGE",
    ],
)
def test_not_sql_like(text: str) -> None:
    assert not is_sql(text)


def _build(source: str) -> tuple[SqlBuild | None, cst.Module]:
    wrapper = MetadataWrapper(cst.parse_module(source))
    ctx = FileContext("t.py", wrapper)
    found: list[SqlBuild | None] = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> bool:
            if isinstance(node.func, cst.Name) and node.func.value == "run":
                found.append(build_of(ctx, node.args[0].value))
            return True

    wrapper.module.visit(Finder())
    return found[0], wrapper.module


def _code(module: cst.Module, node: cst.CSTNode | None) -> str | None:
    return None if node is None else module.code_for_node(node)


def test_fstring_holes_and_template() -> None:
    build, module = _build(
        'TABLE = "t"\ndef f(a, b):\n'
        "    run(f\"SELECT * FROM {TABLE} WHERE x = {a} AND y = '{b}'\")\n"
    )
    assert build is not None
    assert build.kind is BuildKind.FSTRING
    assert _code(module, build.template) == _code(module, build.node)
    assert [module.code_for_node(h) for h in build.holes] == ["a", "b"]
    assert build.text == f"SELECT * FROM t WHERE x = {HOLE} AND y = '{HOLE}'"


def test_percent_and_format() -> None:
    build, module = _build('def f(a):\n    run("DELETE FROM t WHERE id = %s" % (a,))\n')
    assert build is not None and build.kind is BuildKind.PERCENT
    assert _code(module, build.template) == '"DELETE FROM t WHERE id = %s"'
    assert [module.code_for_node(h) for h in build.holes] == ["a"]
    build, module = _build('def f(a):\n    run("DELETE FROM t WHERE id = {}".format(a))\n')
    assert build is not None and build.kind is BuildKind.FORMAT
    assert [module.code_for_node(h) for h in build.holes] == ["a"]


def test_concat_and_join() -> None:
    build, module = _build('def f(a):\n    run("SELECT * FROM t WHERE id = " + a + " LIMIT 1")\n')
    assert build is not None and build.kind is BuildKind.CONCAT and build.template is None
    assert [module.code_for_node(h) for h in build.holes] == ["a"]
    build, module = _build('def f(a):\n    run(" ".join(["SELECT * FROM t WHERE id =", a]))\n')
    assert build is not None and build.kind is BuildKind.JOIN
    assert _code(module, build.template) == '" "'


@pytest.mark.parametrize(
    "source",
    [
        'def f(ids):\n    run(f"SELECT * FROM t WHERE id IN ({", ".join("?" * len(ids))})")\n',
        'def f(a):\n    run("SELECT * FROM t WHERE id = %s", (a,))\n',
        'def f():\n    x = "u"\n    run(f"SELECT * FROM {x} WHERE 1 = 1")\n',
        'def f(a):\n    run(f"SELECT {a}")\n',
    ],
)
def test_no_build(source: str) -> None:
    build, _ = _build(source)
    assert build is None

"""AIO304's fix on real SQLAlchemy: the fixed queries return what the formatted
ones did for ordinary values, and nothing for an injection payload that makes
the formatted ones return every row (or fail).

Each module below is fixed by the engine (`fix_source`, unsafe fixes on), then
the original and the fixed module are both executed, and their functions run
against the same in-memory SQLite database: sync `Connection`s on pysqlite,
`AsyncSession`s on aiosqlite. On PostgreSQL, through asyncpg and psycopg 3,
with the `$n` form and `SET` -> `set_config()`: test_fix_behaviour_postgres.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

INJECTION = "x' OR '1'='1"

SYNC_MODULE = """
from sqlalchemy import text


def ids_by_name(conn, name):
    result = conn.execute(text(f"SELECT id FROM users WHERE name = '{name}' ORDER BY id"))
    return result.scalars().all()


def names_by_id(conn, user_id):
    return conn.execute(text(f"SELECT name FROM users WHERE id = {user_id}")).scalars().all()


def ids_by_owner(conn, owner):
    # An attribute, used twice: bound once as `:id`.
    return conn.execute(
        text(f"SELECT id FROM users WHERE id = {owner.id} OR (age > 40 AND id = {owner.id})")
    ).scalars().all()


def ids_by_name_percent(conn, name, age):
    return conn.execute(
        text("SELECT id FROM users WHERE name = '%s' AND age >= %s ORDER BY id" % (name, age))
    ).scalars().all()


def names_page(conn, name, limit, offset):
    return conn.execute(
        text(
            "SELECT name FROM users WHERE name <> '{}' "
            "ORDER BY id LIMIT {} OFFSET {}".format(name, limit, offset)
        )
    ).scalars().all()


def names_in(conn, first, second):
    return conn.execute(
        text(f"SELECT name FROM users WHERE name IN ('{first}', '{second}') ORDER BY name")
    ).scalars().all()


def add_user(conn, name, age):
    conn.execute(text(f"INSERT INTO users (name, age) VALUES ('{name}', {age})"))
    return conn.execute(text("SELECT name, age FROM users ORDER BY id")).all()
"""

ASYNC_MODULE = """
from sqlalchemy import text


async def ids_by_name(session, name):
    result = await session.execute(
        text(
            "SELECT id FROM users "
            f"WHERE name = '{name}' "
            "ORDER BY id"
        )
    )
    return result.scalars().all()


async def names_by_age(session, low, high):
    result = await session.execute(
        text(f"SELECT name FROM users WHERE age BETWEEN {low} AND {high} ORDER BY name")
    )
    return result.scalars().all()


async def rename(session, user_id, name):
    await session.execute(text(f"UPDATE users SET name = '{name}' WHERE id = {user_id}"))
    result = await session.execute(text("SELECT name FROM users ORDER BY id"))
    return result.scalars().all()
"""

USERS = [("alice", 30), ("bob", 45), ("carol", 52)]


def fixed_source(source: str) -> str:
    outcome = fix_source(
        source.encode(),
        "queries.py",
        resolve_selection(["AIO304"]),
        LintOptions(),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None, "no fix was applied"
    assert not outcome.result.diagnostics, "a formatted query was left unfixed"
    return outcome.fixed.decode()


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "queries.py", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def sync_modules() -> tuple[dict[str, Any], dict[str, Any]]:
    return load(SYNC_MODULE), load(fixed_source(SYNC_MODULE))


@pytest.fixture(scope="module")
def async_modules() -> tuple[dict[str, Any], dict[str, Any]]:
    return load(ASYNC_MODULE), load(fixed_source(ASYNC_MODULE))


def _create(conn: Connection) -> None:
    conn.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)"))
    for name, age in USERS:
        conn.execute(text("INSERT INTO users (name, age) VALUES (:n, :a)"), {"n": name, "a": age})


@pytest.fixture
def connect() -> Iterator[Callable[[], Connection]]:
    """A fresh populated database per call (each run of a function gets its own)."""
    engines = []

    def make() -> Connection:
        engine = create_engine("sqlite://", poolclass=StaticPool)
        engines.append(engine)
        conn = engine.connect()
        _create(conn)
        return conn

    yield make
    for engine in engines:
        engine.dispose()


def run_both(
    modules: tuple[dict[str, Any], dict[str, Any]],
    connect: Callable[[], Connection],
    function: str,
    *args: object,
) -> tuple[Any, Any]:
    results = []
    for namespace in modules:
        conn = connect()
        try:
            results.append(namespace[function](conn, *args))
        finally:
            conn.close()
    return results[0], results[1]


def test_the_fix_binds_parameters() -> None:
    fixed = fixed_source(SYNC_MODULE)
    assert 'text("SELECT id FROM users WHERE name = :name ORDER BY id")' in fixed
    assert ".bindparams(name=name)" in fixed
    assert "= :id OR (age > 40 AND id = :id)" in fixed and ".bindparams(id=owner.id)" in fixed
    assert "LIMIT :limit OFFSET :offset" in fixed
    assert 'f"' not in fixed and ".format(" not in fixed and '" %' not in fixed


SYNC_CASES = [
    ("ids_by_name", ("bob",), [2]),
    ("ids_by_name", ("nobody",), []),
    ("names_by_id", (3,), ["carol"]),
    ("ids_by_owner", (SimpleNamespace(id=2),), [2]),
    ("ids_by_name_percent", ("alice", 18), [1]),
    ("ids_by_name_percent", ("alice", 31), []),
    ("names_page", ("alice", 1, 1), ["carol"]),
    ("names_in", ("carol", "alice"), ["alice", "carol"]),
    ("add_user", ("dave", 28), [*USERS, ("dave", 28)]),
]


@pytest.mark.parametrize(("function", "args", "expected"), SYNC_CASES)
def test_sync_fixed_queries_return_the_same_rows(
    sync_modules, connect, function: str, args: tuple, expected: list
) -> None:
    original, fixed = run_both(sync_modules, connect, function, *args)
    assert [tuple(r) if not isinstance(r, str | int) else r for r in original] == expected
    assert list(fixed) == list(original)


@pytest.mark.parametrize(
    ("function", "args"),
    [
        ("ids_by_name", (INJECTION,)),
        ("names_by_id", ("0 OR 1=1",)),
        ("ids_by_owner", (SimpleNamespace(id="0 OR 1=1"),)),
        ("ids_by_name_percent", (INJECTION, 0)),
        ("names_in", ("x', 'y') OR 1=1 OR name IN ('z", "nobody")),
    ],
)
def test_sync_injection_returns_every_row_before_and_none_after(
    sync_modules, connect, function: str, args: tuple
) -> None:
    original, fixed = run_both(sync_modules, connect, function, *args)
    assert len(original) == len(USERS)
    assert list(fixed) == []


def test_sync_injected_insert_fails_before_and_stores_the_text_after(sync_modules, connect) -> None:
    payload = "x', 1); DELETE FROM users; --"
    original, fixed = sync_modules
    conn = connect()
    with pytest.raises(Exception, match="one statement at a time"):
        original["add_user"](conn, payload, 1)
    conn = connect()
    assert fixed["add_user"](conn, payload, 1) == [*USERS, (payload, 1)]


def test_sync_quote_in_a_value_breaks_before_and_works_after(sync_modules, connect) -> None:
    original, fixed = sync_modules
    conn = connect()
    conn.execute(text("INSERT INTO users (name, age) VALUES ('o''brien', 60)"))
    with pytest.raises(Exception, match="syntax error"):
        original["ids_by_name"](conn, "o'brien")
    assert fixed["ids_by_name"](conn, "o'brien") == [4]


async def _run_async(namespace: dict[str, Any], function: str, *args: object) -> Any:
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_create)
        async with async_sessionmaker(engine)() as session:
            assert isinstance(session, AsyncSession)
            return await namespace[function](session, *args)
    finally:
        await engine.dispose()


def run_both_async(
    modules: tuple[dict[str, Any], dict[str, Any]], function: str, *args: object
) -> tuple[Any, Any]:
    original, fixed = modules
    return (
        asyncio.run(_run_async(original, function, *args)),
        asyncio.run(_run_async(fixed, function, *args)),
    )


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        ("ids_by_name", ("carol",), [3]),
        ("names_by_age", (40, 60), ["bob", "carol"]),
        ("rename", (1, "alicia"), ["alicia", "bob", "carol"]),
    ],
)
def test_async_fixed_queries_return_the_same_rows(
    async_modules, function: str, args: tuple, expected: list
) -> None:
    original, fixed = run_both_async(async_modules, function, *args)
    assert list(original) == expected
    assert list(fixed) == expected


def test_async_injection_returns_every_row_before_and_none_after(async_modules) -> None:
    original, fixed = run_both_async(async_modules, "ids_by_name", INJECTION)
    assert list(original) == [1, 2, 3]
    assert list(fixed) == []


def test_async_injected_update_renames_everyone_before_and_no_one_after(async_modules) -> None:
    original, fixed = run_both_async(async_modules, "rename", "0 OR 1=1", "mallory")
    assert list(original) == ["mallory"] * 3
    assert list(fixed) == ["alice", "bob", "carol"]

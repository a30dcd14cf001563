"""AIO304's fixes on a real PostgreSQL, through asyncpg and psycopg 3.

Each module below is fixed by the engine (unsafe fixes on); the original and
the fixed module are both executed and their functions run against the same
freshly filled database (`postgres_server`: a throwaway cluster). The
SQLAlchemy module runs on both drivers (`postgresql+asyncpg`,
`postgresql+psycopg`, which bind on the server as PostgreSQL does for `$1`);
the asyncpg module runs on asyncpg itself. For ordinary values the fixed
statements return what the formatted ones did; for injection payloads (a
quote, `'; DROP TABLE ...; --`, a backslash) the formatted ones return every
row, change other rows or fail, and the fixed ones treat the payload as a
value. Without PostgreSQL these tests are skipped (in CI they fail).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import asyncpg
import psycopg
import pytest
from postgres_server import Postgres, postgres_fixture  # noqa: F401 (the `postgres` fixture)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from test_fix_behaviour_sql import fixed_source, load

SQLALCHEMY_MODULE = """
from sqlalchemy import text


async def ids_by_name(session, name):
    result = await session.execute(text(f"SELECT id FROM users WHERE name = '{name}' ORDER BY id"))
    return result.scalars().all()


async def names_by_id(session, user_id):
    result = await session.execute(text(f"SELECT name FROM users WHERE id = {user_id}"))
    return result.scalars().all()


async def names_page(session, name, limit, offset):
    result = await session.execute(
        text(
            "SELECT name FROM users WHERE name <> '{}' "
            "ORDER BY id LIMIT {} OFFSET {}".format(name, limit, offset)
        )
    )
    return result.scalars().all()


async def names_in(session, first, second):
    result = await session.execute(
        text(f"SELECT name FROM users WHERE name IN ('{first}', '{second}') ORDER BY name")
    )
    return result.scalars().all()


async def names_by_age(session, low, high):
    result = await session.execute(
        text("SELECT name FROM users WHERE age BETWEEN %s AND %s ORDER BY name" % (low, high))
    )
    return result.scalars().all()


async def add_user(session, name, age):
    await session.execute(text(f"INSERT INTO users (name, age, org) VALUES ('{name}', {age}, 'a')"))
    await session.commit()
    result = await session.execute(text("SELECT name, age FROM users ORDER BY id"))
    return [tuple(row) for row in result]


async def rename(session, user_id, name):
    await session.execute(text(f"UPDATE users SET name = '{name}' WHERE id = {user_id}"))
    await session.commit()
    result = await session.execute(text("SELECT name FROM users ORDER BY id"))
    return result.scalars().all()


async def remove(session, name):
    await session.execute(text(f"DELETE FROM users WHERE name = '{name}'"))
    await session.commit()
    result = await session.execute(text("SELECT name FROM users ORDER BY id"))
    return result.scalars().all()


async def organization_users(session, organization_id):
    # Row-level security style: the organization is a custom parameter.
    await session.execute(text(f"SET LOCAL app.current_organization_id = '{organization_id}'"))
    result = await session.execute(
        text(
            "SELECT current_setting('app.current_organization_id'), array_agg(name ORDER BY id) "
            "FROM users WHERE org = current_setting('app.current_organization_id')"
        )
    )
    row = result.one()
    await session.commit()
    return [row[0], row[1]]


async def session_timeout(session, timeout_ms):
    await session.execute(text(f"SET statement_timeout = {timeout_ms}"))
    result = await session.execute(text("SHOW statement_timeout"))
    return result.scalar_one()


async def with_lock_timeout(session, timeout):
    await session.execute(text("SET LOCAL lock_timeout TO '%s'" % timeout))
    result = await session.execute(text("SELECT current_setting('lock_timeout')"))
    return result.scalar_one()
"""

ASYNCPG_MODULE = """
import asyncpg


async def product_name(conn: asyncpg.Connection, product_id):
    row = await conn.fetchrow(f"SELECT name FROM products WHERE id = {product_id}")
    return None if row is None else row["name"]


async def search(conn: asyncpg.Connection, name, category, limit):
    rows = await conn.fetch(
        f"SELECT id FROM products WHERE name = '{name}' AND category = '{category}' "
        f"ORDER BY id LIMIT {limit}"
    )
    return [row["id"] for row in rows]


async def count(conn: asyncpg.Connection, owner, category):
    return await conn.fetchval(
        f"SELECT count(*) FROM products WHERE owner = $1 AND category = '{category}'", owner
    )


async def by_key(conn: asyncpg.Connection, item):
    # A `::uuid` cast after the value stays (`$1::uuid`); one expression, one argument.
    rows = await conn.fetch(
        "SELECT name FROM products WHERE key = '%s'::uuid OR parent = '%s'::uuid ORDER BY id"
        % (item.key, item.key)
    )
    return [row["name"] for row in rows]


async def tagged(conn: asyncpg.Connection, first, second):
    rows = await conn.fetch(
        "SELECT name FROM products WHERE name IN ('{}', '{}') ORDER BY id".format(first, second)
    )
    return [row["name"] for row in rows]


async def organization(conn: asyncpg.Connection, organization_id):
    await conn.fetchval(f"SET app.current_organization_id = '{organization_id}'")
    return await conn.fetchval("SELECT current_setting('app.current_organization_id')")
"""

USERS = [("alice", 30, "a"), ("bob", 45, "b"), ("carol", 52, "a")]
KEY = uuid.UUID("6c1f0e2a-3b7d-4f5e-9a1b-2c3d4e5f6a7b")
PRODUCTS = [
    ("lamp", "home", 1, KEY, None),
    ("desk", "home", 1, None, KEY),
    ("pen", "office", 2, None, None),
]
QUOTE_OR = "x' OR '1'='1"
DROP = "'; DROP TABLE users; --"
BACKSLASH = "\\' OR 1=1 --"
DRIVERS = ["asyncpg", "psycopg"]


def reset(server: Postgres) -> None:
    """Fresh tables with the same rows (every run of a function gets its own)."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS users, products")
        conn.execute("CREATE TABLE users (id serial PRIMARY KEY, name text, age int, org text)")
        conn.execute(
            "CREATE TABLE products (id serial PRIMARY KEY, name text, category text, owner int,"
            " key uuid, parent uuid)"
        )
        for row in USERS:
            conn.execute("INSERT INTO users (name, age, org) VALUES (%s, %s, %s)", row)
        for row in PRODUCTS:
            conn.execute(
                "INSERT INTO products (name, category, owner, key, parent)"
                " VALUES (%s, %s, %s, %s, %s)",
                row,
            )


def table_rows(server: Postgres) -> list[str] | None:
    """The user names left in the database (None: the table is gone)."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('users')").fetchone() == (None,):
            return None
        return [r[0] for r in conn.execute("SELECT name FROM users ORDER BY id").fetchall()]


class Failed:
    """What a run raised, compared by message."""

    def __init__(self, error: BaseException) -> None:
        self.message = str(error)


def run_sqlalchemy(
    server: Postgres, driver: str, namespace: dict[str, Any], function: str, *args: object
) -> Any:
    """Run one function of the module on a fresh database; its result or `Failed`."""
    reset(server)

    async def go() -> Any:
        engine = create_async_engine(server.sqlalchemy_url(driver), poolclass=NullPool)
        try:
            async with async_sessionmaker(engine)() as session:
                assert isinstance(session, AsyncSession)
                return await namespace[function](session, *args)
        except DBAPIError as error:
            return Failed(error)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def run_asyncpg(server: Postgres, namespace: dict[str, Any], function: str, *args: object) -> Any:
    reset(server)

    async def go() -> Any:
        conn = await asyncpg.connect(server.dsn)
        try:
            return await namespace[function](conn, *args)
        except (asyncpg.PostgresError, asyncpg.DataError) as error:
            return Failed(error)
        finally:
            await conn.close()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def sqlalchemy_modules() -> tuple[dict[str, Any], dict[str, Any]]:
    return load(SQLALCHEMY_MODULE), load(fixed_source(SQLALCHEMY_MODULE))


@pytest.fixture(scope="module")
def asyncpg_modules() -> tuple[dict[str, Any], dict[str, Any]]:
    return load(ASYNCPG_MODULE), load(fixed_source(ASYNCPG_MODULE))


def both(
    run: Callable[[dict[str, Any]], Any], modules: tuple[dict[str, Any], dict[str, Any]]
) -> tuple[Any, Any]:
    return run(modules[0]), run(modules[1])


def test_the_fixed_statements() -> None:
    fixed = fixed_source(SQLALCHEMY_MODULE)
    assert (
        'text("SELECT id FROM users WHERE name = :name ORDER BY id").bindparams(name=name)' in fixed
    )
    assert "LIMIT :limit OFFSET :offset" in fixed
    assert (
        "text(\"SELECT set_config('app.current_organization_id', :organization_id, true)\")"
        ".bindparams(organization_id=str(organization_id))" in fixed
    )
    assert "text(\"SELECT set_config('statement_timeout', :timeout_ms, false)\")" in fixed
    assert (
        "text(\"SELECT set_config('lock_timeout', :timeout, true)\")"
        ".bindparams(timeout=str(timeout))" in fixed
    )
    fixed_asyncpg = fixed_source(ASYNCPG_MODULE)
    assert 'conn.fetchrow("SELECT name FROM products WHERE id = $1", product_id)' in fixed_asyncpg
    assert 'owner = $1 AND category = $2", owner, category\n' in fixed_asyncpg
    assert (
        "conn.fetchval(\"SELECT set_config('app.current_organization_id', $1, false)\", "
        "str(organization_id))" in fixed_asyncpg
    )


# --- the reason for the set_config() form --------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
def test_set_takes_no_parameter_on_postgres(postgres: Postgres, driver: str) -> None:
    """What the old fix wrote (`SET x = :v`) fails on PostgreSQL; set_config() works."""

    async def go() -> tuple[str, str]:
        engine = create_async_engine(postgres.sqlalchemy_url(driver), poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                with pytest.raises(DBAPIError, match=r'syntax error at or near "\$1"'):
                    await conn.execute(
                        text("SET app.current_organization_id = :org_id").bindparams(org_id="7")
                    )
            async with engine.connect() as conn:
                with pytest.raises(DBAPIError, match=r'syntax error at or near "\$1"'):
                    await conn.execute(text("CREATE DATABASE :name").bindparams(name="x"))
            async with engine.connect() as conn:
                await conn.execute(
                    text(
                        "SELECT set_config('app.current_organization_id', :org_id, false)"
                    ).bindparams(org_id="7")
                )
                shown = await conn.execute(text("SHOW app.current_organization_id"))
                return driver, shown.scalar_one()
        finally:
            await engine.dispose()

    assert asyncio.run(go()) == (driver, "7")


# --- ordinary values: the same rows --------------------------------------------------

ORG = uuid.UUID("3fa85f64-5717-4562-b3fc-2c963f66afa6")

SQLALCHEMY_CASES = [
    ("ids_by_name", ("bob",), [2]),
    ("ids_by_name", ("nobody",), []),
    ("names_by_id", (3,), ["carol"]),
    ("names_page", ("alice", 1, 1), ["carol"]),
    ("names_in", ("carol", "alice"), ["alice", "carol"]),
    ("names_by_age", (40, 60), ["bob", "carol"]),
    ("add_user", ("dave", 28), [(n, a) for n, a, _ in USERS] + [("dave", 28)]),
    ("rename", (1, "alicia"), ["alicia", "bob", "carol"]),
    ("remove", ("bob",), ["alice", "carol"]),
    ("organization_users", ("a",), ["a", ["alice", "carol"]]),
    ("organization_users", (ORG,), [str(ORG), None]),
    ("session_timeout", (1500,), "1500ms"),
    ("session_timeout", ("2000",), "2s"),
    ("with_lock_timeout", ("5s",), "5s"),
    ("with_lock_timeout", (250,), "250ms"),
]


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize(("function", "args", "expected"), SQLALCHEMY_CASES)
def test_sqlalchemy_fixed_statements_return_the_same(
    postgres: Postgres,
    sqlalchemy_modules,
    driver: str,
    function: str,
    args: tuple,
    expected: object,
) -> None:
    original, fixed = both(
        lambda ns: run_sqlalchemy(postgres, driver, ns, function, *args), sqlalchemy_modules
    )
    assert original == expected
    assert fixed == expected


ASYNCPG_CASES = [
    ("product_name", (2,), "desk"),
    ("product_name", (9,), None),
    ("search", ("lamp", "home", 5), [1]),
    ("search", ("pen", "home", 5), []),
    ("count", (1, "home"), 2),
    ("by_key", (SimpleNamespace(key=KEY),), ["lamp", "desk"]),
    ("by_key", (SimpleNamespace(key=str(KEY)),), ["lamp", "desk"]),
    ("tagged", ("pen", "lamp"), ["lamp", "pen"]),
    ("organization", (ORG,), str(ORG)),
    ("organization", ("tenant-7",), "tenant-7"),
]


@pytest.mark.parametrize(("function", "args", "expected"), ASYNCPG_CASES)
def test_asyncpg_fixed_statements_return_the_same(
    postgres: Postgres, asyncpg_modules, function: str, args: tuple, expected: object
) -> None:
    original, fixed = both(lambda ns: run_asyncpg(postgres, ns, function, *args), asyncpg_modules)
    assert original == expected
    assert fixed == expected


# --- injection payloads: the original is injectable, the fixed one is not ---------------


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize(
    ("function", "args"),
    [
        ("ids_by_name", (QUOTE_OR,)),
        ("ids_by_name", (BACKSLASH,)),
        ("names_in", ("x', 'y') OR 1=1 OR name IN ('z", "nobody")),
    ],
)
def test_sqlalchemy_injection_returns_every_row_before_and_none_after(
    postgres: Postgres, sqlalchemy_modules, driver: str, function: str, args: tuple
) -> None:
    original, fixed = both(
        lambda ns: run_sqlalchemy(postgres, driver, ns, function, *args), sqlalchemy_modules
    )
    assert len(original) == len(USERS)
    assert fixed == []


@pytest.mark.parametrize("driver", DRIVERS)
def test_sqlalchemy_injected_number_selects_everything_before_and_fails_after(
    postgres: Postgres, sqlalchemy_modules, driver: str
) -> None:
    original, fixed = both(
        lambda ns: run_sqlalchemy(postgres, driver, ns, "names_by_id", "0 OR 1=1"),
        sqlalchemy_modules,
    )
    assert original == ["alice", "bob", "carol"]
    # The driver sends the text as a value for an integer column: refused.
    assert isinstance(fixed, Failed) and "0 OR 1=1" in fixed.message


@pytest.mark.parametrize("driver", DRIVERS)
def test_sqlalchemy_injected_update_renames_everyone_before_and_no_one_after(
    postgres: Postgres, sqlalchemy_modules, driver: str
) -> None:
    original = run_sqlalchemy(postgres, driver, sqlalchemy_modules[0], "rename", "0 OR 1=1", "x")
    assert original == ["x"] * 3
    fixed = run_sqlalchemy(postgres, driver, sqlalchemy_modules[1], "rename", "0 OR 1=1", "x")
    assert isinstance(fixed, Failed) and "0 OR 1=1" in fixed.message
    assert table_rows(postgres) == ["alice", "bob", "carol"]


def test_drop_table_payload(postgres: Postgres, sqlalchemy_modules) -> None:
    """`'; DROP TABLE users; --`: psycopg sends a statement without parameters by the
    simple protocol, which runs both statements (the table is gone); asyncpg
    prepares it and refuses two statements. Fixed, it is a name no user has."""
    original, fixed = sqlalchemy_modules
    dropped = run_sqlalchemy(postgres, "psycopg", original, "remove", DROP)
    assert isinstance(dropped, Failed) and 'relation "users" does not exist' in dropped.message
    assert table_rows(postgres) is None
    failed = run_sqlalchemy(postgres, "asyncpg", original, "remove", DROP)
    assert isinstance(failed, Failed) and "cannot insert multiple commands" in failed.message
    for driver in DRIVERS:
        assert run_sqlalchemy(postgres, driver, fixed, "remove", DROP) == ["alice", "bob", "carol"]
        assert table_rows(postgres) == ["alice", "bob", "carol"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_set_injection(postgres: Postgres, sqlalchemy_modules, driver: str) -> None:
    """A payload in `SET LOCAL app.current_organization_id = '...'` runs its own
    UPDATE on psycopg (asyncpg refuses two statements); fixed, it is the value."""
    payload = "a'; UPDATE users SET org = 'a'; --"
    original, fixed = sqlalchemy_modules
    before = run_sqlalchemy(postgres, driver, original, "organization_users", payload)
    if driver == "psycopg":
        assert before == ["a", ["alice", "bob", "carol"]]
    else:
        assert isinstance(before, Failed) and "cannot insert multiple commands" in before.message
    after = run_sqlalchemy(postgres, driver, fixed, "organization_users", payload)
    assert after == [payload, None]
    with psycopg.connect(postgres.dsn) as conn:
        orgs = [r[0] for r in conn.execute("SELECT org FROM users ORDER BY id").fetchall()]
    assert orgs == ["a", "b", "a"]


@pytest.mark.parametrize(
    ("payload", "injected"),
    [
        # name = 'x' OR ('1'='1' AND category = 'home'): every home product
        (QUOTE_OR, [1, 2]),
        # '\' is a whole literal (standard_conforming_strings): the rest is a comment
        (BACKSLASH, [1, 2, 3]),
    ],
)
def test_asyncpg_injection_returns_other_rows_before_and_none_after(
    postgres: Postgres, asyncpg_modules, payload: str, injected: list[int]
) -> None:
    original, fixed = both(
        lambda ns: run_asyncpg(postgres, ns, "search", payload, "home", 10), asyncpg_modules
    )
    assert original == injected
    assert fixed == []


def test_asyncpg_injection_in_a_cast_and_a_list(postgres: Postgres, asyncpg_modules) -> None:
    payload = SimpleNamespace(key=f"{KEY}'::uuid OR true OR key = '{KEY}")
    original, fixed = both(lambda ns: run_asyncpg(postgres, ns, "by_key", payload), asyncpg_modules)
    assert original == ["lamp", "desk", "pen"], getattr(original, "message", "")
    assert isinstance(fixed, Failed)  # not a uuid: refused as a value
    original, fixed = both(
        lambda ns: run_asyncpg(postgres, ns, "tagged", "x') OR 1=1 OR name IN ('z", "y"),
        asyncpg_modules,
    )
    assert original == ["lamp", "desk", "pen"]
    assert fixed == []


def test_asyncpg_quote_breaks_before_and_works_after(postgres: Postgres, asyncpg_modules) -> None:
    original, fixed = asyncpg_modules
    failed = run_asyncpg(postgres, original, "organization", "o'brien")
    assert isinstance(failed, Failed) and "syntax error" in failed.message
    assert run_asyncpg(postgres, fixed, "organization", "o'brien") == "o'brien"
    failed = run_asyncpg(postgres, original, "organization", DROP)
    assert isinstance(failed, Failed)
    assert run_asyncpg(postgres, fixed, "organization", DROP) == DROP
    assert table_rows(postgres) == ["alice", "bob", "carol"]

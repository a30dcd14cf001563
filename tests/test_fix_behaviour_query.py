"""AIO301's fix on real SQLAlchemy: the legacy `Query` chains and their fixed
2.0-style code return the same results on the same data.

The fixtures `AIO301_fix_behaviour.py` (a sync `Session`) and
`AIO301_fix_behaviour_async.py` (an `AsyncSession`) hold every chain shape the
fix accepts. The real CLI fixes a copy of each (`aiolint check --fix
--unsafe-fixes`), the output is the fixture's expected `.fixed.py`, and both
versions are executed: each function runs against its own in-memory SQLite
database (aiosqlite for the async one) seeded identically. `AsyncSession` has
no `.query()`, so the async fixture cannot run as written: its fixed version
is compared with the sync original.

The data repeats entities on purpose: a user with two addresses of the same
e-mail (a join repeats the user, and a `(User, email)` row), and an
`Incident` whose `notes` collection is loaded `lazy="joined"` by default.
"""

from __future__ import annotations

import ast
import asyncio
import shutil
import subprocess
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixture_expectations import FIXTURES
from sqlalchemy import ForeignKey, create_engine, inspect, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.rules.sqlalchemy.legacy_query_fix import STEPS, TERMINALS
from aiolint.semantic.context import LintOptions

SYNC_FIXTURE = FIXTURES / "sqlalchemy" / "AIO301_fix_behaviour.py"
ASYNC_FIXTURE = FIXTURES / "sqlalchemy" / "AIO301_fix_behaviour_async.py"


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    active: Mapped[bool]
    addresses: Mapped[list[Address]] = relationship(back_populates="user", order_by="Address.id")


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(back_populates="addresses")


class Incident(Base):
    """An incident-management model: its notes are always joined-eager loaded."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    status: Mapped[str]
    notes: Mapped[list[Note]] = relationship(lazy="joined", order_by="Note.id")


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))


def seed(session: Session | AsyncSession) -> None:
    session.add_all(
        [
            User(id=1, name="ann", active=True, addresses=[Address(id=1, email="a@x")]),
            User(
                id=2,
                name="bob",
                active=True,
                addresses=[Address(id=2, email="b@x"), Address(id=3, email="b@x")],
            ),
            User(id=3, name="cy", active=False),
            User(id=4, name="bob", active=False, addresses=[Address(id=4, email="d@x")]),
            Incident(
                id=1,
                title="db down",
                status="open",
                notes=[Note(id=1, body="restart db"), Note(id=2, body="db back")],
            ),
            Incident(id=2, title="disk full", status="closed"),
            Incident(id=3, title="slow api", status="open", notes=[Note(id=3, body="db slow")]),
        ]
    )


# Function of the fixtures -> arguments after the session.
CALLS: dict[str, tuple[Any, ...]] = {
    "all_active": (),
    "first_named": ("bob",),
    "first_missing": ("nobody",),
    "one_by_id": (2,),
    "one_missing": (99,),
    "one_or_none_named": ("cy",),
    "one_or_none_several": ("bob",),
    "scalar_user": ("ann",),
    "scalar_several": ("bob",),
    "paged": (),
    "joined": (),
    "joined_first": (),
    "joined_one": (2,),
    "joined_one_or_none": (2,),
    "joined_scalar": (2,),
    "implicit_join": (),
    "outer": (),
    "grouped": (),
    "distinct_joined": (),
    "eager": (),
    "eager_selectin": (),
    "incidents": (),
    "open_incidents": ("open",),
    "latest_incidents": (),
    "first_incident": (),
    "one_incident": (1,),
    "one_or_none_incident": (1,),
    "scalar_incident": (1,),
    "noted_incidents": ("%db%",),
    "incident_by_pk": (1,),
    "count_incidents": (),
    "pairs": (),
    "pairs_first": (),
    "user_emails": (),
    "user_email": (2,),
    "incident_notes": (),
    "incident_titles": (),
    "names": (),
    "first_name": (),
    "id_and_name": (2,),
    "scalar_name": (1,),
    "scalar_count": (),
    "by_pk": (3,),
    "by_missing_pk": (99,),
    "count_active": (),
    "count_joined": (),
    "count_by": ("bob",),
    "deactivate": ("bob",),
    "deactivate_unused": ("ann",),
    "purge": (2,),
    "purge_unused": (4,),
}

#: The functions whose fixed code returns something else (or raises) without the
#: `.unique()` the fix adds: the rows repeat an entity, or a joined-eager
#: collection makes `select()`'s result refuse to run.
NEEDS_UNIQUE = {
    "joined",
    "joined_one",
    "joined_one_or_none",
    "joined_scalar",
    "implicit_join",
    "outer",
    "eager",
    "incidents",
    "open_incidents",
    "latest_incidents",
    "one_incident",
    "one_or_none_incident",
    "scalar_incident",
    "noted_incidents",
    "user_emails",
    "user_email",
    "incident_notes",
    "incident_titles",
}


@pytest.fixture(autouse=True)
def models_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """`from app.models import Address, Incident, Note, User` gives this file's models."""
    package, module = types.ModuleType("app"), types.ModuleType("app.models")
    package.__path__ = []  # type: ignore[attr-defined]
    for model in (User, Address, Incident, Note):
        setattr(module, model.__name__, model)
    package.models = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "app", package)
    monkeypatch.setitem(sys.modules, "app.models", module)


CLI = (sys.executable, "-m", "aiolint", "check", "--fix", "--unsafe-fixes")


def fixed_by_cli(fixture: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file `aiolint check --fix --unsafe-fixes` writes for a copy of `fixture`."""
    target = tmp_path_factory.mktemp("aio301") / fixture.name
    shutil.copyfile(fixture, target)
    proc = subprocess.run(
        [*CLI, "--select", "AIO301", "--isolated", "--no-cache", target.name],
        cwd=target.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr  # every chain fixed
    text = target.read_text()
    assert text == fixture.with_name(fixture.stem + ".fixed.py").read_text()
    return text


@pytest.fixture(scope="module")
def sync_fixed(tmp_path_factory: pytest.TempPathFactory) -> str:
    return fixed_by_cli(SYNC_FIXTURE, tmp_path_factory)


@pytest.fixture(scope="module")
def async_fixed(tmp_path_factory: pytest.TempPathFactory) -> str:
    return fixed_by_cli(ASYNC_FIXTURE, tmp_path_factory)


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "legacy_app"}
    exec(compile(source, "legacy_app.py", "exec", dont_inherit=True), namespace)
    return namespace


def shape(value: object) -> object:
    """A comparable picture of a result: types (list, Row, entity) and values,
    with the attributes an entity has loaded (a collection as its ids)."""
    mapped = inspect(value, raiseerr=False) if not isinstance(value, type) else None
    if mapped is not None and hasattr(mapped, "mapper"):
        loaded: dict[str, object] = {}
        for key, item in mapped.dict.items():
            if key.startswith("_") or key == "user":
                continue
            loaded[key] = [inspect(i).identity for i in item] if isinstance(item, list) else item
        return (type(value).__name__, sorted(loaded.items()))
    if isinstance(value, Row):
        return ("Row", tuple(shape(v) for v in value))
    if isinstance(value, list | tuple):
        return (type(value).__name__, [shape(v) for v in value])
    return value


def outcome(call: Callable[[], object]) -> object:
    try:
        return ("ok", shape(call()))
    except InvalidRequestError as exc:  # NoResultFound, MultipleResultsFound, unique() missing
        return raised(exc)


def raised(exc: InvalidRequestError) -> tuple[str, str, bool]:
    """The error's type, and whether it asks for `.unique()` (the wording of
    the other errors names the method that raised it, not the outcome)."""
    return ("raises", type(exc).__name__, "unique() method must be invoked" in str(exc))


def table_state(session: Session) -> object:
    session.expire_all()
    users = session.execute(select(User.id, User.name, User.active).order_by(User.id)).all()
    addresses = session.execute(select(Address.id, Address.user_id).order_by(Address.id)).all()
    return [tuple(r) for r in users], [tuple(r) for r in addresses]


@pytest.fixture
def sync_session() -> Iterator[Callable[[], Session]]:
    engines = []

    def make() -> Session:
        engine = create_engine("sqlite://")
        engines.append(engine)
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            seed(session)
            session.commit()
        return Session(engine)

    yield make
    for engine in engines:
        engine.dispose()


def run_sync(namespace: dict[str, Any], name: str, make: Callable[[], Session]) -> object:
    with make() as session, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Query.get() is a LegacyAPIWarning
        result = outcome(lambda: namespace[name](session, *CALLS[name]))
        return result, table_state(session)


def test_fixtures_call_every_function_and_use_every_step_and_terminal() -> None:
    """The comparison covers the whole fixture, and the fixture every step and
    terminal the fix accepts (`legacy_query_fix.STEPS` / `TERMINALS`)."""
    for fixture in (SYNC_FIXTURE, ASYNC_FIXTURE):
        tree = ast.parse(fixture.read_text())
        functions = [
            n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        assert functions == list(CALLS)
        methods = {
            n.func.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        }
        missing = (STEPS | TERMINALS) - methods
        assert not missing, sorted(missing)


def test_sync_fix_rewrites_every_chain(sync_fixed: str) -> None:
    assert ".query(" not in sync_fixed
    assert "from sqlalchemy import delete, func, select, update" in sync_fixed


@pytest.mark.parametrize("name", list(CALLS))
def test_sync_fixed_code_returns_what_query_returned(
    name: str, sync_fixed: str, sync_session: Callable[[], Session]
) -> None:
    original, new = load(SYNC_FIXTURE.read_text()), load(sync_fixed)
    assert run_sync(new, name, sync_session) == run_sync(original, name, sync_session)


def test_query_results_show_the_cases_the_data_sets_up(sync_session: Callable[[], Session]) -> None:
    """The comparison is not vacuous: the legacy results are what the cases
    are about (de-duplicated joins, a full joined-eager collection, errors)."""
    namespace = load(SYNC_FIXTURE.read_text())

    def run(name: str) -> object:
        return run_sync(namespace, name, sync_session)[0]

    def ids(name: str) -> list[object]:
        found = run(name)
        assert isinstance(found, tuple) and found[0] == "ok"
        return [dict(entity[1])["id"] for entity in found[1][1]]

    assert ids("joined") == [1, 2, 4]  # 4 joined rows, user 2 once
    assert ids("implicit_join") == [1, 2, 4]
    assert ids("outer") == [1, 2, 3, 4]
    assert ids("noted_incidents") == [1, 3]
    assert [dict(i[1])["notes"] for i in run("incidents")[1][1]] == [[(1,), (2,)], [], [(3,)]]
    assert len(run("user_emails")[1][1]) == 3  # (bob, "b@x") once
    assert len(run("names")[1][1]) == 4  # columns: every row
    assert run("one_missing")[:2] == ("raises", "NoResultFound")
    assert run("one_or_none_several")[:2] == ("raises", "MultipleResultsFound")
    assert run("scalar_several")[:2] == ("raises", "MultipleResultsFound")
    assert run("count_joined") == ("ok", 4)
    assert run("deactivate") == ("ok", 2)


def test_every_unique_the_fix_adds_where_rows_repeat_is_needed(
    sync_fixed: str, sync_session: Callable[[], Session]
) -> None:
    """Without the `.unique()` the fix adds, exactly the functions whose rows
    repeat an entity or hold a joined-eager collection change (or raise)."""
    original, without = load(SYNC_FIXTURE.read_text()), load(sync_fixed.replace(".unique()", ""))
    changed = {
        name
        for name in CALLS
        if run_sync(without, name, sync_session) != run_sync(original, name, sync_session)
    }
    assert changed == NEEDS_UNIQUE
    assert run_sync(without, "incidents", sync_session)[0] == (
        "raises",
        "InvalidRequestError",
        True,
    )


async def run_async(namespace: dict[str, Any], name: str) -> object:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as session:
        seed(session)
        await session.commit()
    async with factory() as session:
        try:
            result: object = ("ok", shape(await namespace[name](session, *CALLS[name])))
        except InvalidRequestError as exc:
            result = raised(exc)
        state = await session.run_sync(table_state)
    await engine.dispose()
    return result, state


def test_async_fix_awaits_the_session(async_fixed: str) -> None:
    assert ".query(" not in async_fixed
    assert "(await session.scalars(select(Incident).order_by(Incident.id))).unique().all()" in (
        async_fixed
    )
    assert "await session.get(User, user_id)" in async_fixed
    assert "await session.scalar(" in async_fixed
    assert "(await session.execute(" in async_fixed


@pytest.mark.parametrize("name", list(CALLS))
def test_async_fixed_code_returns_what_sync_query_returned(
    name: str, async_fixed: str, sync_session: Callable[[], Session]
) -> None:
    expected = run_sync(load(SYNC_FIXTURE.read_text()), name, sync_session)
    assert asyncio.run(run_async(load(async_fixed), name)) == expected


def test_fix_of_the_last_query_text_is_written() -> None:
    source = (
        "from sqlalchemy.orm import Session\n"
        "from app.models import User\n\n\n"
        "def f(session: Session):\n"
        "    return session.query(User).all()\n"
    )
    outcome = fix_source(
        source.encode(),
        "legacy_app.py",
        resolve_selection(["AIO301"]),
        LintOptions(),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None and outcome.fixed is not None
    assert "session.scalars(select(User)).unique().all()" in outcome.fixed.decode()

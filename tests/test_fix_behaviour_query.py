"""AIO301's fix on real SQLAlchemy: the legacy `Query` chains and their fixed
2.0-style code return the same results on the same data.

A module of legacy chains is fixed with the engine (`fix_source`), both versions
are executed, and each function runs against its own in-memory SQLite database
seeded identically. `AsyncSession` has no `.query()`, so the async module
cannot run as written: its fixed version is compared with the sync original.
"""

from __future__ import annotations

import asyncio
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import ForeignKey, create_engine, inspect, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.registry import resolve_selection
from aiolint.semantic.context import LintOptions

MODELS = "aio301_behaviour_models"


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


def seed(session: Session | AsyncSession) -> None:
    session.add_all(
        [
            User(id=1, name="ann", active=True, addresses=[Address(id=1, email="a@x")]),
            User(
                id=2,
                name="bob",
                active=True,
                addresses=[Address(id=2, email="b1@x"), Address(id=3, email="b2@x")],
            ),
            User(id=3, name="cy", active=False),
            User(id=4, name="bob", active=False, addresses=[Address(id=4, email="b3@x")]),
        ]
    )


# Function name -> arguments; every function takes the session first.
CALLS: dict[str, tuple[Any, ...]] = {
    "all_active": (),
    "first_named": ("bob",),
    "first_missing": ("nobody",),
    "one_by_id": (2,),
    "one_missing": (99,),
    "one_or_none_named": ("cy",),
    "one_or_none_several": ("bob",),
    "by_pk": (3,),
    "by_missing_pk": (99,),
    "joined": (),
    "joined_first": (),
    "eager": (),
    "pairs": (),
    "pairs_first": (),
    "names": (),
    "scalar_user": ("ann",),
    "scalar_count": (),
    "count_active": (),
    "count_joined": (),
    "count_by": ("bob",),
    "deactivate": ("bob",),
    "deactivate_unused": ("ann",),
    "purge": (2,),
    "purge_unused": (4,),
}

# The docstring keeps the word "query" in the fixed text: see
# test_fix_of_the_last_query_text_is_written (an engine limitation).
SYNC_SOURCE = f'''"""Data access written with legacy query chains."""

from sqlalchemy import func
from sqlalchemy.orm import Session, joinedload

from {MODELS} import Address, User


def all_active(session: Session):
    return session.query(User).filter(User.active).order_by(User.id).all()


def first_named(session: Session, name):
    return session.query(User).filter_by(name=name).order_by(User.id.desc()).first()


def first_missing(session: Session, name):
    return session.query(User).filter(User.name == name).first()


def one_by_id(session: Session, user_id):
    return session.query(User).where(User.id == user_id).one()


def one_missing(session: Session, user_id):
    return session.query(User).filter(User.id == user_id).one()


def one_or_none_named(session: Session, name):
    return session.query(User).filter(User.name == name).one_or_none()


def one_or_none_several(session: Session, name):
    return session.query(User).filter(User.name == name).one_or_none()


def by_pk(session: Session, user_id):
    return session.query(User).get(user_id)


def by_missing_pk(session: Session, user_id):
    return session.query(User).get(user_id)


def joined(session: Session):
    return (
        session.query(User)
        .join(User.addresses)
        .filter(Address.email.like("%@x"))
        .order_by(User.id)
        .all()
    )


def joined_first(session: Session):
    return session.query(User).join(User.addresses).order_by(User.id.desc()).first()


def eager(session: Session):
    return session.query(User).options(joinedload(User.addresses)).order_by(User.id).all()


def pairs(session: Session):
    return session.query(User, Address).join(User.addresses).order_by(Address.id).all()


def pairs_first(session: Session):
    return session.query(User, Address.email).join(User.addresses).order_by(Address.id).first()


def names(session: Session):
    return session.query(User.name).join(User.addresses).order_by(User.name).all()


def scalar_user(session: Session, name):
    return session.query(User).filter_by(name=name).scalar()


def scalar_count(session: Session):
    return session.query(func.count(Address.id)).scalar()


def count_active(session: Session):
    return session.query(User).filter(User.active).count()


def count_joined(session: Session):
    return session.query(User).join(User.addresses).count()


def count_by(session: Session, name):
    return session.query(User).filter_by(name=name).count()


def deactivate(session: Session, name):
    return session.query(User).filter(User.name == name).update({{"active": False}})


def deactivate_unused(session: Session, name):
    session.query(User).filter_by(name=name).update({{User.active: False}})


def purge(session: Session, user_id):
    return session.query(Address).filter(Address.user_id == user_id).delete(
        synchronize_session=False
    )


def purge_unused(session: Session, user_id):
    session.query(Address).filter_by(user_id=user_id).delete()
'''


def async_source() -> str:
    """The same functions on an `AsyncSession`, in `async def`."""
    return (
        SYNC_SOURCE.replace("from sqlalchemy.orm import Session, joinedload", "")
        .replace("from sqlalchemy import func", _ASYNC_IMPORTS)
        .replace("\ndef ", "\nasync def ")
        .replace("session: Session", "session: AsyncSession")
    )


_ASYNC_IMPORTS = (
    "from sqlalchemy import func\n"
    "from sqlalchemy.ext.asyncio import AsyncSession\n"
    "from sqlalchemy.orm import joinedload"
)


@pytest.fixture(autouse=True)
def models_module(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType(MODELS)
    module.User, module.Address = User, Address  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, MODELS, module)


def fixed(source: str) -> str:
    outcome = fix_source(
        source.encode(),
        "legacy_app.py",
        resolve_selection(["AIO301"]),
        LintOptions(),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None
    assert not outcome.result.diagnostics, outcome.result.diagnostics  # every chain fixed
    return outcome.fixed.decode()


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "legacy_app"}
    exec(compile(source, "legacy_app.py", "exec"), namespace)
    return namespace


def shape(value: object) -> object:
    """A comparable picture of a result: types (list, Row, entity) and values."""
    if isinstance(value, User | Address):
        state = inspect(value)
        loaded = {k: v for k, v in state.dict.items() if not k.startswith("_")}
        if "addresses" in loaded:
            loaded["addresses"] = [a.id for a in loaded["addresses"]]
        loaded.pop("user", None)
        return (type(value).__name__, sorted(loaded.items()))
    if isinstance(value, Row):
        return ("Row", tuple(shape(v) for v in value))
    if isinstance(value, list):
        return [shape(v) for v in value]
    return value


def outcome(call: Callable[[], object]) -> object:
    try:
        return ("ok", shape(call()))
    except (NoResultFound, MultipleResultsFound) as exc:
        return ("raises", type(exc).__name__)


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


@pytest.fixture(scope="module")
def sync_fixed() -> str:
    return fixed(SYNC_SOURCE)


def test_sync_fix_rewrites_every_chain(sync_fixed: str) -> None:
    assert ".query(" not in sync_fixed
    assert "from sqlalchemy import" in sync_fixed
    assert ".unique()" in sync_fixed  # joins and eager loads keep Query's de-duplication


@pytest.mark.parametrize("name", list(CALLS))
def test_sync_fixed_code_returns_what_query_returned(
    name: str, sync_fixed: str, sync_session: Callable[[], Session]
) -> None:
    original, new = load(SYNC_SOURCE), load(sync_fixed)
    assert run_sync(new, name, sync_session) == run_sync(original, name, sync_session)


def test_results_cover_every_terminal() -> None:
    """The comparison is not vacuous: the original results differ between calls."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
        session.commit()
        namespace = load(SYNC_SOURCE)
        joined = shape(namespace["joined"](session))
        assert [u[1][0] for u in joined] == [("active", True)] * 2 + [("active", False)]
        assert outcome(lambda: namespace["one_missing"](session, 99)) == ("raises", "NoResultFound")
        several = outcome(lambda: namespace["one_or_none_several"](session, "bob"))
        assert several == ("raises", "MultipleResultsFound")
        assert namespace["count_joined"](session) == 4
        assert namespace["deactivate"](session, "bob") == 2
    engine.dispose()


def test_comparison_sees_a_missing_unique(
    sync_fixed: str, sync_session: Callable[[], Session]
) -> None:
    """Without the `.unique()` the fix adds, a joined select() repeats users."""
    without = load(sync_fixed.replace(".unique()", ""))
    original = load(SYNC_SOURCE)
    assert run_sync(without, "joined", sync_session) != run_sync(original, "joined", sync_session)


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
        except (NoResultFound, MultipleResultsFound) as exc:
            result = ("raises", type(exc).__name__)
        state = await session.run_sync(table_state)
    await engine.dispose()
    return result, state


@pytest.fixture(scope="module")
def async_fixed() -> str:
    return fixed(async_source())


def test_async_fix_awaits_the_session(async_fixed: str) -> None:
    assert ".query(" not in async_fixed
    assert "(await session.scalars(" in async_fixed
    assert "await session.get(User, user_id)" in async_fixed
    assert "await session.scalar(" in async_fixed
    assert "(await session.execute(" in async_fixed


@pytest.mark.parametrize("name", list(CALLS))
def test_async_fixed_code_returns_what_sync_query_returned(
    name: str, async_fixed: str, sync_session: Callable[[], Session]
) -> None:
    expected = run_sync(load(SYNC_SOURCE), name, sync_session)
    assert asyncio.run(run_async(load(async_fixed), name)) == expected


def test_fix_of_the_last_query_text_is_written() -> None:
    source = (
        "from sqlalchemy.orm import Session\n"
        f"from {MODELS} import User\n\n\n"
        "def f(session: Session):\n"
        "    return session.query(User).all()\n"
    )
    assert "session.scalars(select(User)).all()" in fixed(source)

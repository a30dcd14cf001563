"""AIO305's consequence on SQLAlchemy over aiosqlite: two tasks writing through
one AsyncSession under `asyncio.gather` fail ("Session is already flushing");
the rule's "Use instead" (a session per task, or one after another) works."""

from __future__ import annotations

import asyncio
import builtins
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from helpers import USERS_MODEL, exec_source

from aiolint.engine.lint import lint_source
from aiolint.engine.registry import resolve_selection
from aiolint.semantic.context import LintOptions

pytest.importorskip("aiosqlite")
InvalidRequestError = pytest.importorskip("sqlalchemy.exc").InvalidRequestError

MODEL = exec_source(USERS_MODEL, "models")
Base, User = MODEL["Base"], MODEL["User"]
select, func = MODEL["select"], MODEL["func"]
async_sessionmaker, create_async_engine = MODEL["async_sessionmaker"], MODEL["create_async_engine"]


async def add(session: Any, name: str) -> None:
    session.add(User(name=name))
    await session.flush()


async def _database(path: Path) -> tuple[Any, Any]:
    """An aiosqlite engine on `path` with the users table, and its session factory."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return engine, async_sessionmaker(engine, expire_on_commit=False)


SHARED = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def both(session: AsyncSession) -> None:
    await asyncio.gather(add(session, "a"), add(session, "b"))
"""


def test_the_rule_flags_the_shared_session() -> None:
    result = lint_source(SHARED.encode(), "s.py", resolve_selection(["AIO305"]), LintOptions())
    assert [d.code for d in result.diagnostics] == ["AIO305"]


def test_one_session_under_gather_fails_and_a_session_per_task_works(tmp_path: Path) -> None:
    async def run() -> tuple[BaseException | None, int]:
        engine, factory = await _database(tmp_path / "app.db")
        failure: BaseException | None = None
        async with factory() as session:
            try:
                await asyncio.gather(add(session, "a"), add(session, "b"))
            except InvalidRequestError as error:
                failure = error

        async def own(name: str) -> None:  # "Use instead": a session per task
            async with factory() as session:
                await add(session, name)
                await session.commit()

        await asyncio.gather(own("c"), own("d"))
        async with factory() as session:
            stored = await session.scalar(select(func.count()).select_from(User))
        await engine.dispose()
        return failure, stored

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SAWarning about the concurrent add
        failure, stored = asyncio.run(run())
    assert failure is not None and "already flushing" in str(failure)
    assert stored == 2  # the two tasks with their own sessions stored their rows


def test_aio101_offers_no_taskgroup_fix_where_aio305_fires() -> None:
    """One answer for both rules: the gather sharing `session` keeps AIO101
    without a fix, the one giving each task its own session gets the fix."""
    source = SHARED + (
        "\n\nasync def own(factory) -> None:\n"
        "    async def one(name: str) -> None:\n"
        "        async with factory() as session:\n"
        "            await add(session, name)\n\n"
        '    await asyncio.gather(one("a"), one("b"))\n'
    )
    result = lint_source(
        source.encode(), "s.py", resolve_selection(["AIO101", "AIO305"]), LintOptions((3, 12))
    )
    found = sorted((d.start.line, d.code, d.fix is not None) for d in result.diagnostics)
    assert found == [(7, "AIO101", False), (7, "AIO305", False), (15, "AIO101", True)]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is 3.11+")
def test_a_task_group_over_the_shared_session_fails_too(tmp_path: Path) -> None:
    """Why AIO101's TaskGroup fix is withheld there: the tasks still share it."""

    async def run() -> BaseException | None:
        engine, factory = await _database(tmp_path / "app.db")
        failure: BaseException | None = None
        async with factory() as session:
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(add(session, "a"))
                    tg.create_task(add(session, "b"))
            except Exception as group:  # the TaskGroup's ExceptionGroup
                failure = group
        await engine.dispose()
        return failure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SAWarning about the concurrent add
        failure = asyncio.run(run())
    assert isinstance(failure, builtins.ExceptionGroup)
    first = failure.exceptions[0]
    assert isinstance(first, InvalidRequestError) and "already flushing" in str(first)


LOOPED = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def add_all(session: AsyncSession, names: list[str]) -> None:
    tasks = []
    for name in names:
        tasks.append(add(session, name))
    await asyncio.gather(*tasks)
"""


def test_tasks_a_loop_collects_share_the_session_and_fail(tmp_path: Path) -> None:
    """The production shape (`tasks.append(release(session, x))` in a loop,
    then `gather(*tasks)`): flagged, and it fails on aiosqlite as the written-out
    gather does."""
    result = lint_source(LOOPED.encode(), "s.py", resolve_selection(["AIO305"]), LintOptions())
    assert [(d.start.line, d.code) for d in result.diagnostics] == [(10, "AIO305")]
    namespace = exec_source(LOOPED, "looped")
    namespace["add"] = add

    async def run() -> BaseException | None:
        engine, factory = await _database(tmp_path / "loop.db")
        failure: BaseException | None = None
        async with factory() as session:
            try:
                await namespace["add_all"](session, ["a", "b", "c"])
            except InvalidRequestError as error:
                failure = error
        await engine.dispose()
        return failure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failure = asyncio.run(run())
    assert failure is not None and "already flushing" in str(failure)

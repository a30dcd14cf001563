"""AIO106's consequence on SQLAlchemy over aiosqlite: an unbounded fan-out of
tasks that each open a session from the factory exhausts a small pool
(`pool_size=2, max_overflow=0`) and fails with `TimeoutError: QueuePool limit
... reached`; the look-alike that holds an `asyncio.Semaphore` around the
session completes. The same module is linted: only the first is reported."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from helpers import exec_source

from aiolint.engine.lint import lint_source
from aiolint.engine.registry import resolve_selection
from aiolint.semantic.context import LintOptions

pytest.importorskip("aiosqlite")
SqlaTimeout = pytest.importorskip("sqlalchemy.exc").TimeoutError

SOURCE = """\
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine(
    "sqlite+aiosqlite:///{path}", pool_size=2, max_overflow=0, pool_timeout=0.2
)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
limit = asyncio.Semaphore(2)


async def load(item: int) -> int:
    async with SessionLocal() as session:
        value = await session.scalar(text("SELECT :item"), {{"item": item}})
        await asyncio.sleep(0.1)  # the connection stays checked out meanwhile
        return value


async def load_limited(item: int) -> int:
    async with limit:
        async with SessionLocal() as session:
            value = await session.scalar(text("SELECT :item"), {{"item": item}})
            await asyncio.sleep(0.1)
            return value


async def load_all(items: list[int]) -> list[int]:
    return await asyncio.gather(*[load(item) for item in items])


async def load_all_limited(items: list[int]) -> list[int]:
    return await asyncio.gather(*[load_limited(item) for item in items])
"""

#: The lines of the two `gather` calls.
UNBOUNDED_LINE, LIMITED_LINE = 29, 33


def _module(tmp_path: Path) -> tuple[str, dict[str, Any]]:
    source = SOURCE.format(path=tmp_path / "app.db")
    return source, exec_source(source, "fan_out_app")


def test_only_the_unbounded_fan_out_is_reported(tmp_path: Path) -> None:
    source, _ = _module(tmp_path)
    lines = source.splitlines()
    assert "gather(*[load(item)" in lines[UNBOUNDED_LINE - 1]
    assert "gather(*[load_limited(item)" in lines[LIMITED_LINE - 1]
    result = lint_source(source.encode(), "app.py", resolve_selection(["AIO106"]), LintOptions())
    assert [(d.code, d.start.line) for d in result.diagnostics] == [("AIO106", UNBOUNDED_LINE)]
    assert "pool of 2 + 0 overflow connections" in result.diagnostics[0].message


def test_the_unbounded_fan_out_exhausts_the_pool_and_the_semaphore_completes(
    tmp_path: Path,
) -> None:
    _, namespace = _module(tmp_path)
    items = list(range(12))

    async def run() -> tuple[BaseException | None, list[int]]:
        failure: BaseException | None = None
        try:
            await namespace["load_all"](items)
        except SqlaTimeout as error:
            failure = error
        await asyncio.sleep(0.5)  # the tasks gather left running end (time out) too
        bounded = await namespace["load_all_limited"](items)
        await namespace["engine"].dispose()
        return failure, bounded

    failure, bounded = asyncio.run(run())
    assert failure is not None and "QueuePool limit of size 2 overflow 0 reached" in str(failure)
    assert bounded == items

"""AIO306's fix on SQLAlchemy over aiosqlite: without `await`, `commit()` never
runs and the row is lost when the session closes; once fixed it is stored."""

from __future__ import annotations

import asyncio
import gc
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
from helpers import USERS_MODEL, exec_source

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

pytest.importorskip("aiosqlite")
pytest.importorskip("sqlalchemy.ext.asyncio")

APP = USERS_MODEL + textwrap.dedent(
    """\


    async def save(session: AsyncSession, name: str) -> None:
        session.add(User(name=name))
        session.commit()


    async def stored(url: str, name: str) -> int:
        engine = create_async_engine(url)
        factory = async_sessionmaker(engine, expire_on_commit=False)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with factory() as session:
            await save(session, name)
        async with factory() as session:
            count = await session.scalar(select(func.count()).select_from(User))
        await engine.dispose()
        return count
    """
)


def _run(source: str, url: str) -> Any:
    namespace = exec_source(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "coroutine ... never awaited"
        result = asyncio.run(namespace["stored"](url, "ada"))
        gc.collect()
    return result


def test_awaiting_commit_stores_the_row(tmp_path: Path) -> None:
    outcome = fix_source(
        APP.encode(), "app.py", resolve_selection(["AIO306"]), LintOptions(), FixSettings()
    )
    assert outcome.error is None and outcome.fixed is not None
    fixed = outcome.fixed.decode()
    assert "    await session.commit()\n" in fixed
    assert _run(APP, f"sqlite+aiosqlite:///{tmp_path / 'before.db'}") == 0  # the row is lost
    assert _run(fixed, f"sqlite+aiosqlite:///{tmp_path / 'after.db'}") == 1

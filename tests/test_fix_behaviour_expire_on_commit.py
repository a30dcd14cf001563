"""AIO307's fix on SQLAlchemy over aiosqlite: with the default
`async_sessionmaker(engine)`, reading an attribute of a committed object
raises MissingGreenlet; once fixed (`expire_on_commit=False`) it returns the
value."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import USERS_MODEL, exec_source

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

pytest.importorskip("aiosqlite")
sqlalchemy_exc = pytest.importorskip("sqlalchemy.exc")

APP = USERS_MODEL + textwrap.dedent(
    """\


    def make(url):
        engine = create_async_engine(url)
        return engine, async_sessionmaker(engine)


    async def create_user(url, name):
        engine, factory = make(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        try:
            async with factory() as session:
                user = User(name=name)
                session.add(user)
                await session.commit()
                return user.name  # a read after commit()
        finally:
            await engine.dispose()
    """
)


def _run(source: str, url: str) -> Any:
    return asyncio.run(exec_source(source)["create_user"](url, "ada"))


def test_expire_on_commit_false_makes_the_read_after_commit_work(tmp_path: Path) -> None:
    outcome = fix_source(
        APP.encode(), "app.py", resolve_selection(["AIO307"]), LintOptions(), FixSettings()
    )
    assert outcome.error is None and outcome.fixed is not None
    fixed = outcome.fixed.decode()
    assert "async_sessionmaker(engine, expire_on_commit=False)" in fixed

    # SQLAlchemy raises MissingGreenlet (2.0), or a StatementError wrapping it (2.1).
    with pytest.raises(sqlalchemy_exc.SQLAlchemyError) as error:
        _run(APP, f"sqlite+aiosqlite:///{tmp_path / 'before.db'}")
    assert "MissingGreenlet" in repr(error.value) or isinstance(
        error.value, sqlalchemy_exc.MissingGreenlet
    )
    assert _run(fixed, f"sqlite+aiosqlite:///{tmp_path / 'after.db'}") == "ada"

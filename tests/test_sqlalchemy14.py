"""AIO301's fix for a project on SQLAlchemy 1.4.0-1.4.23, run on a real
SQLAlchemy 1.4.0 and 1.4.23 (installed for the test with pip into a folder of
their own; the environment has 2.x): the fixed crud module returns what the
legacy `Query` code returned, on SQLite, and on aiosqlite with 1.4.23 (1.4.0
has no aiosqlite dialect); the 2.0 spelling (`Session.scalars()`, 1.4.24+)
would have raised `AttributeError`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_config_per_file import CRUD, CRUD_14, CRUD_20, MODELS

pytestmark = pytest.mark.slow

RUN = """\
import asyncio
import sys

import sqlalchemy
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

import app.crud as fixed
import app.crud_legacy as legacy
import app.crud_20 as spelled_for_20
from app.models import Base, User

VERSION = sys.argv[1]
assert sqlalchemy.__version__ == VERSION, sqlalchemy.__version__
assert not hasattr(Session, "scalars") and not hasattr(AsyncSession, "scalars")
engine = create_engine("sqlite://")
Base.metadata.create_all(engine)
with Session(engine) as session:
    session.add_all([User(id=i, active=i % 2 == 0) for i in range(1, 6)])
    session.commit()
with Session(engine) as session:
    assert [u.id for u in legacy.active_users(session)] == [2, 4]
    assert fixed.active_users(session) == legacy.active_users(session)
    assert fixed.first_user(session) is legacy.first_user(session)
    assert fixed.user_by_id(session, 3) is legacy.user_by_id(session, 3)
    assert fixed.count_users(session) == legacy.count_users(session) == 5
    try:
        spelled_for_20.active_users(session)
    except AttributeError as exc:
        assert "scalars" in str(exc), exc
    else:
        raise AssertionError("Session.scalars() exists")


async def main() -> None:
    async_engine = create_async_engine("sqlite+aiosqlite://")
    async with async_engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with AsyncSession(async_engine) as session:
        session.add_all([User(id=i, active=i % 2 == 0) for i in range(1, 6)])
        await session.commit()
        assert [u.id for u in await fixed.active_users_async(session)] == [2, 4]
    await async_engine.dispose()


if VERSION != "1.4.0":  # 1.4.0 has no aiosqlite dialect
    asyncio.run(main())
print("ok")
"""


@pytest.fixture(params=["1.4.0", "1.4.23"])
def sqlalchemy_14(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    version = request.param
    target = tmp_path_factory.mktemp(f"sqlalchemy-{version}")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    install = subprocess.run(
        [*pip, "--target", str(target), f"sqlalchemy=={version}"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DISABLE_SQLALCHEMY_CEXT": "1"},
    )
    if install.returncode != 0:
        pytest.skip(f"cannot install SQLAlchemy {version} with pip: {install.stderr[-500:]}")
    return version, target


def test_the_14_fix_runs_on_sqlalchemy_14(sqlalchemy_14: tuple[str, Path], tmp_path: Path) -> None:
    version, installed = sqlalchemy_14
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(MODELS)
    (app / "crud_legacy.py").write_text(CRUD)
    (app / "crud.py").write_text(CRUD_14)
    (app / "crud_20.py").write_text(CRUD_20)
    (tmp_path / "run.py").write_text(RUN)
    run = subprocess.run(
        [sys.executable, "run.py", version],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), str(tmp_path)])},
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"

"""AIO305 across modules, on SQLAlchemy over aiosqlite: a route module makes a
service of another module (`svc = UserService(session)`, the service keeping
the session in `self.session`) and runs two of its methods under
`asyncio.gather`. aiolint flags it (the CLI, on the project); the program fails
("Session is already flushing"); the fixed route (one call after another)
passes the linter and stores both rows."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from helpers import USERS_MODEL

pytest.importorskip("aiosqlite")
InvalidRequestError = pytest.importorskip("sqlalchemy.exc").InvalidRequestError

SERVICES = """\
from sqlalchemy.ext.asyncio import AsyncSession

from userapp.models import User


class UserService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, name: str) -> None:
        self.session.add(User(name=name))
        await self.session.flush()
"""

SHARED = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from userapp.services import UserService


async def add_both(session: AsyncSession, a: str, b: str) -> None:
    svc = UserService(session)
    await asyncio.gather(svc.add(a), svc.add(b))
"""

FIXED = """\
from sqlalchemy.ext.asyncio import AsyncSession

from userapp.services import UserService


async def add_both(session: AsyncSession, a: str, b: str) -> None:
    svc = UserService(session)
    await svc.add(a)
    await svc.add(b)
"""


_CHECK = (sys.executable, "-m", "aiolint", "check", "--no-cache", "-q")


def _project(root: Path, routes: str) -> None:
    (root / "pyproject.toml").write_text('[project]\nname = "userapp"\n')
    package = root / "userapp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(USERS_MODEL)
    (package / "services.py").write_text(SERVICES)
    (package / "routes.py").write_text(routes)


def _findings(root: Path) -> list[str]:
    proc = subprocess.run(
        [*_CHECK, "--output-format", "concise", "--select", "AIO305", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return [
        f"{Path(line.split(':')[0]).name}:{line.split(':')[1]}:{line.split(':', 3)[3].split()[0]}"
        for line in proc.stdout.splitlines()
    ]


def _run(root: Path) -> tuple[BaseException | None, int]:
    """Import the project, run `add_both` on one session, count the rows."""
    sys.path.insert(0, str(root))
    try:
        models = importlib.import_module("userapp.models")
        routes = importlib.import_module("userapp.routes")

        async def main() -> tuple[BaseException | None, int]:
            engine = models.create_async_engine(f"sqlite+aiosqlite:///{root / 'app.db'}")
            async with engine.begin() as conn:
                await conn.run_sync(models.Base.metadata.create_all)
            factory = models.async_sessionmaker(engine, expire_on_commit=False)
            failure: BaseException | None = None
            async with factory() as session:
                try:
                    await routes.add_both(session, "a", "b")
                    await session.commit()
                except InvalidRequestError as error:
                    failure = error
            async with factory() as session:
                count: Any = models.select(models.func.count()).select_from(models.User)
                stored = await session.scalar(count)
            await engine.dispose()
            return failure, stored

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SAWarning about the concurrent add
            return asyncio.run(main())
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == "userapp" or n.startswith("userapp.")]:
            del sys.modules[name]


def test_a_service_of_another_module_sharing_the_session_is_flagged_and_fails(
    tmp_path: Path,
) -> None:
    _project(tmp_path, SHARED)
    assert _findings(tmp_path) == ["routes.py:10:AIO305"]
    failure, stored = _run(tmp_path)
    assert failure is not None and "already flushing" in str(failure)
    assert stored == 0


def test_the_fixed_route_is_silent_and_stores_both_rows(tmp_path: Path) -> None:
    _project(tmp_path, FIXED)
    assert _findings(tmp_path) == []
    failure, stored = _run(tmp_path)
    assert failure is None and stored == 2

"""FastAPI's tutorial shape (`fixtures/projects/tutorial`): the session's
`Annotated` alias lives in `deps.py`, the routes import it. The un-awaited
`session.commit()` loses the write; aiolint finds it across the modules and
its safe fix (`aiolint check --fix`, as pre-commit runs it) makes the write
land. Both versions run on aiosqlite through FastAPI's TestClient."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_expectations import PROJECTS

fastapi = pytest.importorskip("fastapi")
pytest.importorskip("aiosqlite")
from fastapi.testclient import TestClient  # noqa: E402

TUTORIAL = PROJECTS / "tutorial"


def _load(root: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """The app of the project at `root`, its tables created in a fresh database."""
    monkeypatch.chdir(root)
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        monkeypatch.delitem(sys.modules, name)
    from app.deps import engine  # type: ignore[import-not-found]
    from app.main import app  # type: ignore[import-not-found]
    from app.models import Base  # type: ignore[import-not-found]

    async def create() -> None:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    asyncio.run(create())
    return app


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "tutorial"
    shutil.copytree(TUTORIAL, root)
    yield root


def test_the_write_is_lost_until_aiolint_fixes_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = [sys.executable, "-m", "aiolint", "check", "--no-cache", "--select", "AIO306", "."]
    found = subprocess.run(check, cwd=project, capture_output=True, text=True)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "app/main.py:15:5: AIO306" in found.stdout

    with TestClient(_load(project, monkeypatch)) as client:  # type: ignore[arg-type]
        created = client.post("/heroes/", params={"name": "Deadpond"})
        assert created.status_code == 200 and created.json()["id"] is None  # never flushed
        assert client.get("/heroes/1").status_code == 404  # the write is lost

    fixed = subprocess.run([*check, "--fix"], cwd=project, capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    source = (project / "app" / "main.py").read_text()
    assert "    await session.commit()  # error: AIO306" in source

    (project / "database.db").unlink()
    with TestClient(_load(project, monkeypatch)) as client:  # type: ignore[arg-type]
        created = client.post("/heroes/", params={"name": "Deadpond"})
        assert created.json() == {"id": 1, "name": "Deadpond"}
        assert client.get("/heroes/1").json() == {"id": 1, "name": "Deadpond"}

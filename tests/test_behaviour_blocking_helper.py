"""AIO206 on a running app: an `async def` route calls a sync helper of another
module that sleeps. Five concurrent requests through the ASGI app on one event
loop: before the fix the helper's calls never overlap (the loop is blocked,
requests are served one after another); after `aiolint check --fix
--unsafe-fixes` they run side by side in worker threads."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

HELPERS = """
import threading
import time

_lock = threading.Lock()
state = {"running": 0, "most": 0}


def slow_lookup(key: str) -> str:
    with _lock:
        state["running"] += 1
        state["most"] = max(state["most"], state["running"])
    time.sleep(0.2)
    with _lock:
        state["running"] -= 1
    return key.upper()
"""
MAIN = """
from fastapi import FastAPI

from app import helpers

app = FastAPI()


@app.get("/lookup/{key}")
async def lookup(key: str) -> dict:
    return {"value": helpers.slow_lookup(key)}
"""


def _write(root: Path) -> None:
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "svc"\ndependencies = ["fastapi"]\n')
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "helpers.py").write_text(textwrap.dedent(HELPERS).lstrip())
    (root / "app" / "main.py").write_text(textwrap.dedent(MAIN).lstrip())


def _most_concurrent(root: Path) -> int:
    """Serve five concurrent requests; how many helper calls overlapped at most."""
    code = textwrap.dedent(
        """
        import asyncio, sys
        import httpx
        from app import helpers
        from app.main import app

        async def main():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                keys = ["a", "b", "c", "d", "e"]
                replies = await asyncio.gather(*(client.get(f"/lookup/{k}") for k in keys))
            assert [r.json()["value"] for r in replies] == ["A", "B", "C", "D", "E"]
            print(helpers.state["most"])

        asyncio.run(main())
        """
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return int(run.stdout.strip())


def test_blocking_helper_serialises_requests_until_fixed(tmp_path: Path) -> None:
    _write(tmp_path)
    check = [sys.executable, "-m", "aiolint", "check", "--no-cache", "--select", "AIO206", "."]
    found = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True)
    assert found.returncode == 1
    assert "app/main.py:10:22: AIO206" in found.stdout
    assert "time.sleep(...)" in found.stdout and "app/helpers.py:12" in found.stdout

    assert _most_concurrent(tmp_path) == 1  # the loop was blocked: one request at a time

    fixed = subprocess.run(
        [*check, "--fix", "--unsafe-fixes"], cwd=tmp_path, capture_output=True, text=True
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    main = (tmp_path / "app" / "main.py").read_text()
    assert '{"value": await asyncio.to_thread(helpers.slow_lookup, key)}' in main
    assert main.startswith("import asyncio\n")

    assert _most_concurrent(tmp_path) >= 2  # now served side by side

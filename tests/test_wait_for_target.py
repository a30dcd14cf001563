"""AIO104 follows each file's own target: in a monorepo checked from its root,
`backend/` declaring `requires-python = ">=3.10"` (no `asyncio.timeout()`)
gets neither the finding nor the fix, `service/` (3.11+) gets both. The real
CLI runs in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import python_versions_monorepo

CLI = str(Path(sys.executable).with_name("aiolint"))

CLIENT = """\
import asyncio


async def lookup(key: str) -> str:
    await asyncio.sleep(0)
    return key


async def cached(key: str) -> str:
    value = await asyncio.wait_for(lookup(key), timeout=2)
    return value
"""


def monorepo(root: Path) -> Path:
    return python_versions_monorepo(root, "client.py", CLIENT)


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [CLI, "check", "--no-cache", "--select", "AIO104", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    return run


def test_findings_follow_each_files_target(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    found = json.loads(cli(root, "--output-format", "json", ".").stdout)
    assert [(Path(d["filename"]).relative_to(root).parts[0], d["code"]) for d in found] == [
        ("service", "AIO104")
    ]


def test_fix_follows_each_files_target(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    cli(root, "--fix", "--unsafe-fixes", ".")
    assert (root / "backend" / "app" / "client.py").read_text() == CLIENT
    service = (root / "service" / "app" / "client.py").read_text()
    assert "async with asyncio.timeout(2):\n        value = await lookup(key)\n" in service
    assert "wait_for" not in service

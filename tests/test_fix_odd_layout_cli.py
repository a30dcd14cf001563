"""The real CLI on two layouts that broke fixes (issue 17, "One file misjudged"):
a form feed in indentation (AIO401 crashed: `invalid default_indent`, the file
lost its finding and every fix) and a line holding only a backslash before a
statement (AIO201's finding was a line early and its fix did not parse, exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _fix(tmp_path: Path, source: str) -> tuple[subprocess.CompletedProcess[str], str]:
    path = tmp_path / "app.py"
    path.write_bytes(source.encode())
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiolint",
            "check",
            "--no-cache",
            "--isolated",
            "--fix",
            "--unsafe-fixes",
            "--output-format",
            "concise",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    return run, path.read_bytes().decode()


def _check(tmp_path: Path, source: str) -> str:
    path = tmp_path / "app.py"
    path.write_bytes(source.encode())
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiolint",
            "check",
            "--no-cache",
            "--isolated",
            "--output-format",
            "concise",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    return run.stdout


FORM_FEED = (
    "from fastapi import FastAPI\n"
    "\n"
    "app = FastAPI()\n"
    "\n"
    "\n"
    '@app.on_event("startup")\n'
    "async def startup():\n"
    '\f    print("hi")\n'
)


def test_on_event_with_a_form_feed_in_indentation_is_fixed(tmp_path: Path) -> None:
    assert "app.py:6:2: AIO401" in _check(tmp_path, FORM_FEED)
    run, fixed = _fix(tmp_path, FORM_FEED)
    assert run.returncode == 0, run.stderr
    assert "internal error" not in run.stderr
    assert fixed == (
        "from contextlib import asynccontextmanager\n"
        "\n"
        "from fastapi import FastAPI\n"
        "\n"
        "\n"
        "@asynccontextmanager\n"
        "async def lifespan(app: FastAPI):\n"
        "    await startup()\n"
        "    yield\n"
        "\n"
        "\n"
        "app = FastAPI(lifespan=lifespan)\n"
        "\n"
        "\n"
        "async def startup():\n"
        '\f    print("hi")\n'
    )


BACKSLASH = (
    "import time\n\n\nasync def handler():\n    x = 1\n    \\\n    time.sleep(1)\n    return x\n"
)


def test_blocking_call_after_a_backslash_line_is_found_and_fixed(tmp_path: Path) -> None:
    assert "app.py:7:5: AIO201" in _check(tmp_path, BACKSLASH)
    run, fixed = _fix(tmp_path, BACKSLASH)
    assert run.returncode == 0, run.stderr
    assert fixed == (  # `time`, unused once fixed, is removed by the fix
        "import asyncio\n"
        "\n"
        "\n"
        "async def handler():\n"
        "    x = 1\n"
        "    \\\n"
        "    await asyncio.sleep(1)\n"
        "    return x\n"
    )

"""flake8 with the plugin survives a native crash in aiolint's parser (the real
flake8, in a subprocess): the file it died on gets an AIO000 line naming the
crash, the other files their findings. The crash is planted by
tests/lsp_crash_launcher.py (os.abort() where LibCST's parser would segfault);
in-process, it ended flake8 with no output (and hung it on two files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SLEEPY
from lsp_client import LAUNCHER
from lsp_crash_launcher import ABORT_MARKER


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_kills_the_parser_is_an_aio000_line_not_the_end_of_flake8(
    tmp_path: Path, jobs: str
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.aiolint]\n")
    (tmp_path / "a_killer.py").write_text(f"{ABORT_MARKER}\n{SLEEPY}")
    (tmp_path / "b_sleepy.py").write_text(SLEEPY)
    run = subprocess.run(
        [sys.executable, str(LAUNCHER), "--flake8", "--select", "AIO", "-j", jobs, "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines() == [
        "./a_killer.py:1:1: AIO000 aiolint internal error in worker: "
        "the worker process was killed by SIGABRT while checking this file",
        "./b_sleepy.py:5:5: AIO201 Blocking `time.sleep()` in async code stalls the event "
        "loop; use `await asyncio.sleep(...)`",
    ]

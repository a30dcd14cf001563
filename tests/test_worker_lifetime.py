"""Workers end with the run: `aiolint check -j 2` killed with SIGKILL or
SIGTERM leaves no worker process behind (issue 17, real signals)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

AIOLINT = str(Path(sys.executable).with_name("aiolint"))
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

#: A candidate-dense module: every function reaches LibCST and several rules.
MODULE = "import time\nimport requests\n\n\n" + "".join(
    f"async def handler_{i}(url):\n"
    f"    time.sleep({i})\n"
    f"    return requests.get(url, timeout={i})\n\n\n"
    for i in range(150)
)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_the_run_is_killed(tmp_path: Path, signum: int) -> None:
    for i in range(80):
        (tmp_path / f"m{i:02d}.py").write_text(MODULE)
    run = subprocess.Popen(
        [AIOLINT, "check", "--no-cache", "-j", "2", "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and run.poll() is None:
            workers = _children(run.pid)
            time.sleep(0.02)
        assert len(workers) == 2, "the run never started its two workers"
        time.sleep(0.3)  # they are in the middle of files
        os.kill(run.pid, signum)
        run.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [pid for pid in workers if _running(pid)]
        assert not left, f"workers outlived the run: {left}"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in workers:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)

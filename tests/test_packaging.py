"""The install paths the README gives work: `python -m build` makes a wheel and
an sdist, and the wheel installed in a fresh virtualenv runs `aiolint`."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from aiolint import __version__

ROOT = Path(__file__).resolve().parent.parent
SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"


def _run(*command: str | Path, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOLINT_", "PYTHON"))}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.mark.slow
def test_build_wheel_and_sdist_then_install_the_wheel(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "build", "--outdir", dist, ROOT, cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    wheels = list(dist.glob(f"aiolint-{__version__}-*.whl"))
    sdists = list(dist.glob(f"aiolint-{__version__}.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in dist.iterdir())

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    installed = _run(bin_dir / "python", "-m", "pip", "install", "-q", wheels[0], cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    version = _run(bin_dir / "aiolint", "--version", cwd=tmp_path)
    assert (version.returncode, version.stdout.strip()) == (0, f"aiolint {__version__}")

    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(SLEEPY)
    check = _run(bin_dir / "aiolint", "check", "--no-cache", "app.py", cwd=project)
    assert check.returncode == 1, check.stderr
    assert check.stdout.splitlines() == [
        "app.py:5:5: AIO201 Blocking `time.sleep()` in async code stalls the event loop; "
        "use `await asyncio.sleep(...)`"
    ]
    assert "Found 1 error in 1 file." in check.stderr

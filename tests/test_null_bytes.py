"""A NUL byte in a source file (issue 17): CPython refuses the file ("source
code string cannot contain null bytes"), so the check reports it as `AIO000`
at the first NUL, whether or not a rule could fire in the file, as the CLI
runs it (a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MESSAGE = "AIO000 SyntaxError: source code string cannot contain null bytes"
#: name -> (content, where the first NUL is)
FILES = {
    # nothing any rule looks for: no text prefilter matches
    "plain.py": (b"x = 1\n\ny = 2\x00\n", (3, 6)),
    # a blocking call in async code: AIO201's prefilter and gate match
    "sleepy.py": (b"import time\n\n\nasync def f():\n    time.sleep(1)\x00\n", (5, 18)),
    # Windows line ends, the NUL inside a string
    "crlf.py": (b'a = 1\r\nb = "\x00"\r\n', (2, 6)),
    # old Mac line ends
    "cr.py": (b"a = 1\rb = 2\r\x00\r", (3, 1)),
}


def _compile_refuses(source: bytes) -> bool:
    try:
        compile(source, "f.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return True
    return False


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.aiolint]\n")
    for name, (content, _) in FILES.items():
        assert _compile_refuses(content), name
        (tmp_path / name).write_bytes(content)
    (tmp_path / "fine.py").write_text("x = '\\x00'\n")  # an escape, not a NUL: valid
    return tmp_path


def check(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIOLINT_")}
    return subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--no-cache", *args, "."],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_a_nul_byte_is_an_aio000_at_its_position(project: Path) -> None:
    run = check(project)
    assert run.returncode == 1, run.stderr
    expected = sorted(
        f"{name}:{line}:{column}: {MESSAGE}" for name, (_, (line, column)) in FILES.items()
    )
    assert sorted(run.stdout.splitlines()) == expected
    assert "All checks passed" not in run.stderr


def test_a_nul_byte_is_not_reported_when_aio000_is_not_selected(project: Path) -> None:
    run = check(project, "--select", "AIO201")
    assert (run.returncode, run.stdout) == (0, "")

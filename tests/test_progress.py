"""The progress line: only on a terminal, only after a second, erased before the report."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SLEEPY

import aiolint.cli.progress as progress
from aiolint.cli.main import main
from aiolint.cli.progress import Progress, wanted

ERASE = "\r\x1b[K"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_before_the_delay_then_throttled_redraws() -> None:
    clock, out = Clock(), io.StringIO()
    line = Progress(3, out, enabled=True, clock=clock)
    line.advance()
    clock.now += 0.5
    line.advance()
    assert out.getvalue() == ""
    clock.now += 0.6
    line.tick()
    assert out.getvalue() == f"{ERASE}aiolint: 2/3 files"
    clock.now += 0.01
    line.advance()  # too soon to redraw
    assert out.getvalue().count("aiolint:") == 1
    clock.now += 0.2
    line.tick()
    assert out.getvalue().endswith(f"{ERASE}aiolint: 3/3 files")
    line.clear()
    assert out.getvalue().endswith(ERASE)


def test_a_short_run_writes_nothing_not_even_the_erase() -> None:
    out = io.StringIO()
    line = Progress(2, out, enabled=True, clock=Clock())
    line.advance()
    line.clear()
    assert out.getvalue() == ""


def test_disabled_writes_nothing() -> None:
    clock, out = Clock(), io.StringIO()
    line = Progress(2, out, enabled=False, clock=clock)
    clock.now += 10
    line.advance()
    line.clear()
    assert out.getvalue() == ""


def test_wanted_only_on_a_terminal_without_quiet(monkeypatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    assert wanted(Terminal(), quiet=False)
    assert not wanted(Terminal(), quiet=True)
    assert not wanted(io.StringIO(), quiet=False)
    monkeypatch.setenv("TERM", "dumb")
    assert not wanted(Terminal(), quiet=False)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(SLEEPY)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setenv("TERM", "xterm")
    return tmp_path


def test_on_a_terminal_the_line_is_erased_before_the_summary(files: Path, monkeypatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["check", "--no-cache"]) == 1
    err = terminal.getvalue()
    assert f"{ERASE}aiolint: " in err
    after = err.rpartition(ERASE)[2]
    assert after.startswith("Found 3 errors in 3 files.")


def test_quiet_or_not_a_terminal_shows_no_progress(files: Path, monkeypatch, capsys) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    main(["check", "--no-cache", "--quiet"])
    assert terminal.getvalue() == ""
    monkeypatch.undo()
    os.chdir(files)
    main(["check", "--no-cache"])
    assert "aiolint: " not in capsys.readouterr().err


def test_real_terminal_a_short_run_shows_none(files: Path) -> None:
    """A run under a second (served from the cache) on a pseudo-terminal: no
    progress line at all."""
    command = [sys.executable, "-m", "aiolint", "check", "m0.py"]
    subprocess.run(command, cwd=files, capture_output=True, check=False, timeout=120)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            command,
            cwd=files,
            stderr=follower,
            stdout=subprocess.PIPE,
            check=False,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    err = b"".join(chunks).decode()
    assert proc.returncode == 1
    assert "Found 1 error" in err and "aiolint: " not in err

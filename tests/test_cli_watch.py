"""`aiolint check --watch` run as a program: it checks, clears the screen and
checks again when a Python file or the configuration changes, ignores other
files, and Ctrl-C (a real SIGINT) ends it with exit 0."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import PROCESS_ENV_UNSET, SLEEPY
from watchfiles import Change

from aiolint.cli.watch import CLEAR, CheckedFiles, watched_folders

WAITING = "Watching for file changes."


class Output:
    """The merged stdout and stderr of a running watch, line by line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(
            target=lambda: [self.lines.put(line) for line in stream], daemon=True
        ).start()

    def until(self, text: str, timeout: float = 120) -> list[str]:
        """The lines read up to the first that holds `text` (included)."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            seen.append(line)
            if text in line:
                return seen

    def pending(self) -> list[str]:
        found: list[str] = []
        while not self.lines.empty():
            found.append(self.lines.get_nowait())
        return found


def test_watch_rechecks_on_change_and_ends_on_sigint(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.aiolint]\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    env = {k: v for k, v in os.environ.items() if k not in PROCESS_ENV_UNSET}
    process = subprocess.Popen(
        [sys.executable, "-m", "aiolint", "check", "--watch", "-j", "1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        output = Output(process)
        first = "".join(output.until(WAITING))
        assert first.startswith(CLEAR) and "] Starting linter in watch mode..." in first
        assert "All checks passed!" in first
        # the first check created the result cache (and its .gitignore): no new check
        time.sleep(2.5)
        assert "".join(output.pending()).strip() == ""
        assert (tmp_path / ".aiolint_cache" / ".gitignore").exists()

        (tmp_path / "a.py").write_text(SLEEPY)
        changed = "".join(output.until(WAITING)).lstrip("\n")
        assert changed.startswith(CLEAR) and "] File change detected..." in changed
        assert "a.py:5:5: AIO201 Blocking `time.sleep()`" in changed
        assert "Found 1 error in 1 file." in changed

        # a configuration change: checked again with the new configuration
        config.write_text("[tool.aiolint]\nignore = ['AIO201']\n")
        changed = "".join(output.until(WAITING)).lstrip("\n")
        assert "File change detected..." in changed and "All checks passed!" in changed
        assert "AIO201" not in changed

        # a file that is neither Python nor configuration changes nothing
        (tmp_path / "notes.txt").write_text("not python\n")
        time.sleep(3)
        assert "".join(output.pending()).strip() == ""

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert "Traceback" not in "".join(output.pending())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_watch_refuses_stdin_and_one_shot_options(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in PROCESS_ENV_UNSET}
    for args in (["-"], ["--add-noqa"], ["--show-files"]):
        done = subprocess.run(
            [sys.executable, "-m", "aiolint", "check", "--watch", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 2 and "--watch does not" in done.stderr, args


def test_watched_changes_and_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    wanted = CheckedFiles()

    for name in ("a.py", "b.pyi", "pyproject.toml", "aiolint.toml", "requirements-dev.txt"):
        assert wanted(Change.modified, str(tmp_path / name)), name
    for name in (
        "notes.txt",
        "a.pyc",
        ".venv/lib/x.py",
        ".git/config",
        ".aiolint_cache/.gitignore",
    ):
        assert not wanted(Change.modified, str(tmp_path / name)), name
    elsewhere_cache = CheckedFiles(ignore_paths=[str(tmp_path / "cache")])
    assert not elsewhere_cache(Change.added, str(tmp_path / "cache" / ".gitignore"))
    assert elsewhere_cache(Change.added, str(tmp_path / "src" / ".gitignore"))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("")
    elsewhere = tmp_path / "conf"
    elsewhere.mkdir()
    # a checked file's folder is watched (an editor saves by replacing the file)
    assert watched_folders(["pkg/m.py", str(tmp_path / "pkg")], [str(elsewhere / "a.toml")]) == [
        str(tmp_path / "pkg"),
        str(elsewhere),
    ]

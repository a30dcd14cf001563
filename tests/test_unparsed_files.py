"""Every checked file Python rejects gets its AIO000 (issue 16, catalog "AIO000
and E902-like"), whether or not a rule's text check matches it: the real CLI,
cold and from the cache, and a `--select` that leaves AIO000 out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

AIOLINT = str(Path(sys.executable).with_name("aiolint"))
#: Nothing in these mentions what any rule looks for.
BROKEN = "def f(:\n    return 1\n"
DEEP = "x = " + "[" * 1_500 + "]" * 1_500 + "\n"
FINE = "def f():\n    return 1\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AIOLINT, "check", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_files_python_rejects_get_aio000_without_a_rule_candidate(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(BROKEN)
    (tmp_path / "deep.py").write_text(DEEP)
    (tmp_path / "fine.py").write_text(FINE)
    cache = str(tmp_path / "cache")
    expected = [
        "broken.py:1:7: AIO000 SyntaxError: invalid syntax",
        "deep.py:1:205: AIO000 SyntaxError: too many nested parentheses",
    ]
    for _ in range(2):  # cold, then every file from the cache
        done = run(tmp_path, "--cache-dir", cache, ".")
        assert done.returncode == 1, done.stderr
        assert done.stdout.splitlines() == expected
    one = run(tmp_path, "--no-cache", "broken.py")
    assert one.stdout.splitlines() == expected[:1]
    assert "All checks passed!" not in one.stderr


def test_a_selection_without_aio000_turns_it_off(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(BROKEN)
    for args in (("--select", "AIO201"), ("--ignore", "AIO000")):
        done = run(tmp_path, "--no-cache", *args, "broken.py")
        assert done.returncode == 0, done.stdout
        assert done.stdout == "" and "All checks passed!" in done.stderr

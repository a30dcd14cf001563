"""Whole-process benchmark: aiolint beside its peers on the same tree.

Runs each tool as a user would (a fresh process per run), N times, and prints
the median wall time and its ratio to `aiolint check`. Peers that are not
installed are skipped (`pip install -e '.[bench]'` installs flake8-async).

    python scripts/bench.py [PATH] [--runs 5]

PATH defaults to the running Python's standard library.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def tools(path: str) -> dict[str, list[str]]:
    py = sys.executable
    found = {
        "aiolint check": [py, "-m", "aiolint", "check", "--isolated", "--exit-zero", "-q", path],
        "flake8 --select AIO": [
            py,
            "-m",
            "flake8",
            "--isolated",
            "--select",
            "AIO",
            "--exit-zero",
            path,
        ],
        "flake8 --select ASYNC (flake8-async)": [
            py,
            "-m",
            "flake8",
            "--isolated",
            "--select",
            "ASYNC",
            "--exit-zero",
            path,
        ],
        "ruff check --select ASYNC": [
            shutil.which("ruff") or "ruff",
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "ASYNC",
            "--exit-zero",
            "-q",
            path,
        ],
    }
    probe = subprocess.run(
        [py, "-m", "flake8", "--version"], capture_output=True, text=True, check=False
    )
    if "flake8-async" not in probe.stdout:
        del found["flake8 --select ASYNC (flake8-async)"]
    if shutil.which("ruff") is None:
        del found["ruff check --select ASYNC"]
    return found


def time_once(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", default=str(Path(os.__file__).parent))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = sum(1 for _ in Path(args.path).rglob("*.py"))
    print(
        f"corpus: {args.path} ({files} .py files), {args.runs} runs each, {os.cpu_count()} CPUs\n"
    )
    medians: dict[str, float] = {}
    for name, argv in tools(args.path).items():
        time_once(argv)  # warm the OS cache
        runs = [time_once(argv) for _ in range(args.runs)]
        medians[name] = statistics.median(runs)
        print(f"  {name}: " + ", ".join(f"{r:.2f}s" for r in runs), file=sys.stderr)
    base = medians["aiolint check"]
    print("| tool | median | ratio to aiolint check |\n| --- | --- | --- |")
    for name, median in medians.items():
        print(f"| {name} | {median:.2f}s | {median / base:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

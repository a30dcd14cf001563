"""The real CLI on generated big files: memory stays bounded and the cost
grows with the file's size, not with the size of its largest line
(`engine/toplevel.py`, `engine/chunks.py`). Each run is a subprocess whose own
peak RSS is read with `os.wait4`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

#: The speed issue's budget for one process.
MAX_RSS_MB = 300


#: Runs argv[2:] and writes "<exit code> <peak RSS KB>" of that process to
#: argv[1]. A process's peak RSS counts the memory of the process it was
#: forked from (Linux folds the pre-exec address space into it), so the
#: checked process is forked from this small one, not from pytest's (over
#: 300 MB after the whole suite, which every measurement then reported).
_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def _check(path: Path) -> tuple[int, list[dict[str, Any]], float]:
    """(exit code, JSON findings, peak RSS in MB) of `aiolint check` on `path`."""
    argv = [sys.executable, "-m", "aiolint", "check", "--isolated", "--no-cache"]
    measured = path.parent / "measured.txt"
    with (
        (path.parent / "out.json").open("w+b") as out,
        (path.parent / "err.txt").open("w+b") as err,
    ):
        subprocess.run(
            [
                sys.executable,
                "-c",
                _MEASURE,
                str(measured),
                *argv,
                "--output-format",
                "json",
                str(path),
            ],
            stdout=out,
            stderr=err,
            cwd=path.parent,
            check=True,
        )
        code_text, rss_kb = measured.read_text().split()
        code = int(code_text)
        out.seek(0)
        err.seek(0)
        assert code in (0, 1), err.read().decode()
        return code, json.loads(out.read()), int(rss_kb) / 1024


def _gather(arguments: int) -> str:
    """The issue's shape: one line `await asyncio.gather(f(0), f(1), ...)`."""
    calls = ", ".join(f"f({i})" for i in range(arguments))
    return (
        "import asyncio\n\n\nasync def f(i: int) -> int:\n    return i\n\n\n"
        f"async def main() -> None:\n    await asyncio.gather({calls})\n"
    )


ROUTE = """

async def handler_{i}(session, user_id: int) -> int:
    time.sleep(0.1)
    rows = [helper_{i}(n) for n in range(user_id)]
    return len(rows)


def helper_{i}(n: int) -> int:
    return n * {i}
"""


def _module(blocks: int) -> tuple[str, list[int]]:
    """A module of `blocks` async handlers each blocking on `time.sleep`, and
    the lines of those calls."""
    parts = ["import time\n"]
    lines: list[int] = []
    count = 1
    for i in range(blocks):
        block = ROUTE.format(i=i)
        lines.append(count + block.splitlines().index("    time.sleep(0.1)") + 1)
        parts.append(block)
        count += block.count("\n")
    return "".join(parts), lines


def _rows(findings: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return sorted((f["code"], f["location"]["row"]) for f in findings)


def test_a_one_line_gather_of_a_megabyte_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """100,000 arguments (500,000 tokens, 1 MB on one line): LibCST would take
    2 GB and minutes; the file gets one AIO000 naming the statement's line."""
    path = tmp_path / "gather.py"
    path.write_text(_gather(100_000))
    code, findings, rss = _check(path)
    assert code == 1
    ((row, message),) = [(f["location"]["row"], f["message"]) for f in findings]
    assert row == 8
    assert message.startswith("Statement too large for aiolint: 500,0")
    assert "(at most 50,000 in one top-level statement" in message
    assert rss < MAX_RSS_MB, rss


@pytest.mark.slow
def test_the_issues_five_megabyte_gather(tmp_path: Path) -> None:
    path = tmp_path / "gather.py"
    path.write_text(_gather(450_000))
    assert path.stat().st_size > 4_500_000
    code, findings, rss = _check(path)
    assert code == 1
    assert [f["code"] for f in findings] == ["AIO000"]
    assert rss < MAX_RSS_MB, rss


def test_a_large_module_reports_every_finding_in_bounded_memory(tmp_path: Path) -> None:
    """A 12,000-line module, linted in chunks: every blocking call is found
    at its line, below the budget."""
    text, lines = _module(1_210)
    assert text.count("\n") > 12_000
    path = tmp_path / "big.py"
    path.write_text(text)
    code, findings, rss = _check(path)
    assert code == 1
    assert _rows(findings) == [("AIO201", line) for line in lines]
    assert rss < MAX_RSS_MB, rss


def test_a_module_of_big_constants_is_chunked_in_bounded_memory(tmp_path: Path) -> None:
    """30,000 module-level constants (generated tables) before the handlers:
    every chunk's summary held every constant, so the file was linted whole
    (a 60,000-line one took 2.5 GB). A plain assignment of one name is now
    summarised only where a chunk names it; the factories the last chunk
    names still make its module-level sessions AIO302 (one through a
    chained assignment, which every summary keeps)."""
    parts = [
        "import time\n",
        "from sqlalchemy import create_engine\n",
        "from sqlalchemy.orm import sessionmaker\n\n",
        'engine = create_engine("sqlite://")\n',
        "SessionLocal = sessionmaker(bind=engine)\n",
        "Other = Maker = sessionmaker(bind=engine)\n\n",
    ]
    parts += [f'C{i} = {{"k": {i}, "v": [1, 2, 3]}}\n' for i in range(30_000)]
    lines: list[int] = []
    count = sum(part.count("\n") for part in parts) + 1
    for i in range(40):
        block = (
            f"\n\nasync def handler_{i}(n: int) -> int:\n"
            f"    time.sleep(C{i * 700}['k'])\n"
            f"    return n\n"
        )
        lines.append(count + 3)
        parts.append(block)
        count += block.count("\n")
    parts.append("\n\ndb = SessionLocal()\ndb2 = Other()\n")
    path = tmp_path / "tables.py"
    path.write_text("".join(parts))
    code, findings, rss = _check(path)
    assert code == 1
    assert _rows(findings) == [
        *[("AIO201", line) for line in lines],
        ("AIO302", count + 2),
        ("AIO302", count + 3),
    ]
    assert rss < MAX_RSS_MB, rss


def test_dense_lines_are_chunked_by_tokens(tmp_path: Path) -> None:
    """3,000 one-line defs of 150 tokens each (450,000 tokens in fewer lines
    than a chunk): chunks are bounded by tokens too."""
    calls = ", ".join(f"f({i})" for i in range(30))
    dense = "".join(f"def dense_{i}(): return g({calls})\n" for i in range(3_000))
    text = f"import time\n\n{dense}\nasync def main() -> None:\n    time.sleep(1)\n"
    path = tmp_path / "dense.py"
    path.write_text(text)
    code, findings, rss = _check(path)
    assert code == 1
    assert _rows(findings) == [("AIO201", 3_005)]
    assert rss < MAX_RSS_MB, rss


def test_the_first_syntax_error_of_a_large_file_is_reported_at_its_line(
    tmp_path: Path,
) -> None:
    """Each chunk's text is checked in file order: the first error is the
    file's, at the file's line, and nothing else is reported."""
    text, sleeps = _module(1_210)
    lines = text.splitlines(keepends=True)
    first = next(line for line in sleeps if line > 7_000)
    second = next(line for line in sleeps if line > 11_000)
    lines[first - 1] = "    x = = 1\n"
    lines[second - 1] = "    y = = 2\n"
    path = tmp_path / "broken.py"
    path.write_text("".join(lines))
    code, findings, _ = _check(path)
    assert code == 1
    rows = [(f["code"], f["location"]["row"], f["message"]) for f in findings]
    assert rows == [compile_error("".join(lines))]
    assert rows[0][1] == first


def test_a_large_file_that_does_not_tokenize_gets_pythons_error(tmp_path: Path) -> None:
    """An unclosed bracket swallows the rest of the file: no statements to
    chunk; CPython's error for the whole file stands."""
    text, sleeps = _module(1_210)
    lines = text.splitlines(keepends=True)
    lines[sleeps[600] - 1] = "    time.sleep((0.1)\n"
    path = tmp_path / "unclosed.py"
    path.write_text("".join(lines))
    code, findings, _ = _check(path)
    assert code == 1
    rows = [(f["code"], f["location"]["row"], f["message"]) for f in findings]
    assert rows == [compile_error("".join(lines))]


def compile_error(text: str) -> tuple[str, int, str]:
    try:
        compile(text, "broken.py", "exec", dont_inherit=True)
    except SyntaxError as error:
        return "AIO000", error.lineno or 0, f"SyntaxError: {error.msg}"
    raise AssertionError("the text compiles")


@pytest.mark.slow
def test_a_hundred_thousand_line_module_stays_within_the_budget(tmp_path: Path) -> None:
    text, lines = _module(10_010)
    assert text.count("\n") > 100_000
    path = tmp_path / "huge.py"
    path.write_text(text)
    code, findings, rss = _check(path)
    assert code == 1
    assert _rows(findings) == [("AIO201", line) for line in lines]
    assert rss < MAX_RSS_MB, rss

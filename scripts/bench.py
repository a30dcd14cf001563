"""Whole-process benchmark: aiolint beside ruff, flake8-async and Fixit on the same tree.

Every tool runs as a user would run it, a fresh process per run: one warm-up run
(it fills the OS page cache, the bytecode caches and, for the cached rows, the
tool's own cache in a temporary --cache-dir), then N timed runs. For each tool
the bench reports

* the median CPU seconds of the whole process tree: user + sys of the process
  and of every descendant (worker pools included), from the rusage of the
  reaped processes; the bench makes itself a child subreaper (Linux) so that
  orphaned grandchildren are reaped, and counted, too;
* the median wall seconds, from spawn to the exit of the tool's process;
* the peak RSS: the largest ``ru_maxrss`` of one process of the tree (the
  kernel reports the maximum over a process and its waited-for descendants,
  not the sum of processes alive at the same time), the maximum over the
  timed runs;
* the ratios of aiolint's CPU and wall to each tool's.

The peers (flake8 with flake8-async, Fixit, ruff) run from their own
virtualenv, where aiolint is not installed, so flake8 does not load aiolint's
plugin (``--peers-venv``, default /work/benchvenv; created when missing).
aiolint runs from the project's dev venv (``--aiolint-python``).

    python scripts/bench.py [PATH ...] [--runs N] [--peers-venv DIR]
                            [--json FILE] [--markdown]
    python scripts/bench.py --lines-scaling [--sizes 1000,10000,100000]
                            [--synthetic-findings | --synthetic-gather]

``--lines-scaling`` generates one synthetic async module per size and reports
aiolint's CPU and peak RSS for each, with the per-line cost above the startup
cost, to show how time and memory grow with the size of a file.

Exit codes 0 and 1 of a tool are accepted (findings); anything else stops the
bench with the tail of the tool's stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import itertools
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PEERS_VENV = Path("/work/benchvenv")
PEER_PACKAGES = ("flake8", "flake8-async", "fixit", "ruff")
#: The reference row: every ratio is aiolint's figure divided by the tool's.
REFERENCE = "aiolint check"
REFERENCE_CACHED = "aiolint check (cached)"
#: Directories no tool lints by default; skipped when counting the corpus.
SKIPPED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules", ".tox"}
#: Fixit's default rule set, and a root config so no project config is picked up.
FIXIT_CONFIG = '[tool.fixit]\nroot = true\nenable = ["fixit.rules"]\n'
ACCEPTED_EXIT_CODES = (0, 1)


# -- running and measuring ---------------------------------------------------------------


@dataclass
class Sample:
    """One run of one tool."""

    cpu: float  # user + sys seconds of the whole process tree
    user: float
    sys: float
    wall: float
    maxrss_kb: int  # the largest ru_maxrss among the reaped processes
    returncode: int
    orphans: int = 0  # descendants reaped after the tool's process exited


@dataclass
class Tool:
    name: str
    argv: list[str]
    #: The aiolint row this tool is compared with (None: no ratio, e.g. startup cost).
    compare_to: str | None = REFERENCE
    note: str = ""
    #: Checks the stderr of the warm-up run; returns a note (or raises SystemExit).
    check_warmup: Callable[[str], str] | None = field(default=None, repr=False)
    #: Variables added to the environment of this tool's runs.
    env: dict[str, str] | None = None
    #: Called before each run (warm-ups included): `--project-rows` edits a file.
    before_run: Callable[[], None] | None = field(default=None, repr=False)


@dataclass
class Result:
    tool: Tool
    samples: list[Sample]

    @property
    def cpu(self) -> float:
        return median(s.cpu for s in self.samples)

    @property
    def wall(self) -> float:
        return median(s.wall for s in self.samples)

    @property
    def peak_rss_mb(self) -> float:
        return max(s.maxrss_kb for s in self.samples) / 1024


class ToolFailed(SystemExit):
    pass


class ToolTimedOut(ToolFailed):
    pass


def median(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is too small to divide by."""
    if denominator <= 1e-9:
        return None
    return numerator / denominator


#: Set by become_subreaper(): orphaned descendants are re-parented to this process.
SUBREAPER = False


def become_subreaper() -> bool:
    """Make orphaned descendants of our children ours, so we reap and count them (Linux)."""
    global SUBREAPER
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        SUBREAPER = libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        SUBREAPER = False
    return SUBREAPER


def tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_once(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    orphan_grace: float = 10.0,
) -> tuple[Sample, str]:
    """Run argv once; stdout is discarded, stderr returned.

    Raises ToolFailed on an exit code other than 0 and 1, ToolTimedOut (after
    killing the tool's process group) when it runs longer than `timeout` seconds.
    """
    with tempfile.TemporaryFile() as err:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=cwd,
            env=env,
            start_new_session=True,  # its own process group, to kill it whole on timeout
        )
        fired = threading.Event()
        timer = None
        if timeout is not None:
            timer = threading.Timer(timeout, _kill_group, (proc.pid, fired))
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if timer is not None:
            timer.cancel()
            timer.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: tell Popen
        maxrss = usage.ru_maxrss
        orphans = 0
        deadline = time.monotonic() + orphan_grace
        while SUBREAPER:  # orphans re-parented to us
            try:
                pid, _, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                if time.monotonic() > deadline:
                    print(f"warning: {argv[0]} left processes running", file=sys.stderr)
                    break
                time.sleep(0.01)
                continue
            orphans += 1
            maxrss = max(maxrss, usage.ru_maxrss)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    sample = Sample(user + system, user, system, wall, maxrss, proc.returncode, orphans)
    if fired.is_set():
        raise ToolTimedOut(f"{' '.join(argv)}\ntimed out after {timeout:.0f}s")
    if proc.returncode not in ACCEPTED_EXIT_CODES:
        raise ToolFailed(
            f"{' '.join(argv)}\nexited with {proc.returncode}; stderr tail:\n{tail(stderr)}"
        )
    return sample, stderr


def _kill_group(pid: int, fired: threading.Event) -> None:
    fired.set()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def measure(
    tool: Tool,
    runs: int,
    *,
    cwd: str,
    env: dict[str, str],
    warmups: int = 1,
    timeout: float | None = None,
) -> tuple[Result, str]:
    note = tool.note
    if tool.env:
        env = {**env, **tool.env}
    for _ in range(warmups):
        if tool.before_run is not None:
            tool.before_run()
        _, stderr = run_once(tool.argv, cwd=cwd, env=env, timeout=timeout)
        if tool.check_warmup is not None:
            extra = tool.check_warmup(stderr)
            note = f"{note}; {extra}" if note and extra else note or extra
    samples = []
    for _ in range(runs):
        if tool.before_run is not None:
            tool.before_run()
        sample, _ = run_once(tool.argv, cwd=cwd, env=env, timeout=timeout)
        samples.append(sample)
        print(
            f"    {tool.name}: cpu {sample.cpu:.2f}s wall {sample.wall:.2f}s "
            f"rss {sample.maxrss_kb / 1024:.0f}MB",
            file=sys.stderr,
        )
    return Result(tool, samples), note


# -- the tools ----------------------------------------------------------------------------


@dataclass
class Setup:
    """What the tool list is built from (all probing done before, so this stays pure)."""

    paths: list[str]
    aiolint: list[str]  # how to start aiolint: [python, "-m", "aiolint"]
    aiolint_has_cache: bool
    cache_root: str  # a temporary directory; each cached tool gets a subfolder
    fixit_config: str  # path of the generated Fixit config
    ruff: str | None = None
    peer_flake8: str | None = None  # flake8 of the peers venv (with flake8-async)
    fixit: str | None = None
    plugin_flake8: list[str] | None = None  # the dev venv's flake8, with aiolint's plugin


def aiolint_check_argv(setup: Setup, *, cached: bool) -> list[str]:
    argv = [*setup.aiolint, "check", "--isolated"]
    if cached:
        argv += ["--cache-dir", os.path.join(setup.cache_root, "aiolint")]
    elif setup.aiolint_has_cache:
        argv.append("--no-cache")
    return [*argv, "--exit-zero", "-q", *setup.paths]


def ruff_argv(setup: Setup, *, cached: bool) -> list[str]:
    assert setup.ruff is not None
    cache = ["--cache-dir", os.path.join(setup.cache_root, "ruff")] if cached else ["--no-cache"]
    return [
        setup.ruff,
        "check",
        "--isolated",
        *cache,
        "--select",
        "ASYNC,S608",
        "--exit-zero",
        "-q",
        *setup.paths,
    ]


def build_tools(setup: Setup) -> tuple[list[Tool], list[str]]:
    """The rows of the bench, and notes on the rows left out."""
    skipped: list[str] = []
    tools = [
        Tool(
            REFERENCE,
            aiolint_check_argv(setup, cached=False),
            note="--no-cache" if setup.aiolint_has_cache else "no cache in this aiolint",
        )
    ]
    if setup.aiolint_has_cache:
        tools.append(
            Tool(
                REFERENCE_CACHED,
                aiolint_check_argv(setup, cached=True),
                compare_to=REFERENCE_CACHED,
                note="warm cache",
            )
        )
    else:
        skipped.append(f"{REFERENCE_CACHED}: `aiolint check --help` has no --no-cache/--cache-dir")
    tools.append(Tool("aiolint --version", [*setup.aiolint, "--version"], compare_to=None))
    if setup.ruff:
        tools.append(
            Tool(
                "ruff check --select ASYNC,S608",
                ruff_argv(setup, cached=False),
                note="--no-cache",
            )
        )
        tools.append(
            Tool(
                "ruff check --select ASYNC,S608 (cached)",
                ruff_argv(setup, cached=True),
                compare_to=REFERENCE_CACHED if setup.aiolint_has_cache else REFERENCE,
                note="warm cache",
            )
        )
    else:
        skipped.append("ruff: not found")
    if setup.peer_flake8:
        tools.append(
            Tool(
                "flake8 --select ASYNC (flake8-async)",
                [setup.peer_flake8, "--isolated", "--select", "ASYNC", "--exit-zero", *setup.paths],
            )
        )
    else:
        skipped.append("flake8-async: flake8 or flake8-async missing from the peers venv")
    if setup.fixit:
        tools.append(
            Tool(
                "fixit lint (default rules)",
                [setup.fixit, "--config-file", setup.fixit_config, "lint", *setup.paths],
                note="LibCST-based; not async rules",
                check_warmup=check_fixit_splash,
            )
        )
    else:
        skipped.append("fixit: missing from the peers venv")
    if setup.plugin_flake8:
        tools.append(
            Tool(
                "flake8 --select AIO (aiolint plugin)",
                plugin_argv(setup.plugin_flake8, setup.paths),
            )
        )
    else:
        skipped.append("flake8 --select AIO: flake8 or aiolint's plugin missing from the dev venv")
    return tools, skipped


#: Builds the project model of the folder `sys.argv[1]` as a check of it does,
#: records kept in `sys.argv[2]` ("": none).
MODEL_SCRIPT = """\
import sys
from aiolint.project.build import build_project, project_root, set_record_cache
from aiolint.workspace.config import Config
root = project_root(Config(), sys.argv[1])
set_record_cache(sys.argv[2] or None)
assert build_project(Config(), root) is not None
"""
NO_SUMMARIES = {"AIOLINT_NO_SUMMARIES": "1"}


def project_tools(setup: Setup, copy: str, edited: Path) -> list[Tool]:
    """`--project-rows`: what the project model and its function summaries
    cost on an application (`setup.paths[0]`): a cold check with summaries
    off (`AIOLINT_NO_SUMMARIES=1`), a cached check after one file changed (on
    a copy of the tree, `copy`: `edited` gets a new line before each run), and
    the model build alone, cold (with and without summaries) and cached."""
    counter = [0]

    def edit() -> None:
        counter[0] += 1
        with edited.open("a", encoding="utf-8") as handle:
            handle.write(f"# bench edit {counter[0]}\n")

    changed_cache = os.path.join(setup.cache_root, "aiolint-changed")
    model_cache = os.path.join(setup.cache_root, "aiolint-model")
    model = [setup.aiolint[0], "-c", MODEL_SCRIPT, setup.paths[0]]
    return [
        Tool(
            "aiolint check (summaries off)",
            aiolint_check_argv(setup, cached=False),
            note="--no-cache, AIOLINT_NO_SUMMARIES=1",
            env=NO_SUMMARIES,
        ),
        Tool(
            "aiolint check (one file changed)",
            [*setup.aiolint, "check", "--isolated", "--cache-dir", changed_cache, "-q", copy],
            compare_to=REFERENCE_CACHED,
            note=f"warm cache, a line added to {edited.name} before each run",
            before_run=edit,
        ),
        Tool("project model (cold)", [*model, ""], compare_to=None),
        Tool(
            "project model (summaries off)",
            [*model, ""],
            compare_to=None,
            note="AIOLINT_NO_SUMMARIES=1",
            env=NO_SUMMARIES,
        ),
        Tool("project model (cached)", [*model, model_cache], compare_to=None, note="records kept"),
    ]


def plugin_argv(flake8: list[str], paths: list[str]) -> list[str]:
    return [*flake8, "--isolated", "--select", "AIO", "--exit-zero", *paths]


def has_cache_flags(check_help: str) -> bool:
    return "--no-cache" in check_help and "--cache-dir" in check_help


FIXIT_SPLASH = re.compile(r"(\d+) files? (?:checked|clean)")


def fixit_files_linted(stderr: str) -> int | None:
    """The file count of Fixit's closing line ('N files checked, ...' or 'N files clean')."""
    found = FIXIT_SPLASH.findall(stderr)
    return int(found[-1]) if found else None


def check_fixit_splash(stderr: str) -> str:
    count = fixit_files_linted(stderr)
    if not count:
        raise ToolFailed(f"fixit linted no files; stderr tail:\n{tail(stderr)}")
    return f"linted {count} files"


# -- the corpus ---------------------------------------------------------------------------


@dataclass
class Corpus:
    files: int
    lines: int


def python_files(paths: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
            found += [Path(root, n) for n in sorted(names) if n.endswith((".py", ".pyi"))]
    return found


def count_corpus(paths: Iterable[str]) -> Corpus:
    files = python_files(paths)
    lines = 0
    for path in files:
        data = path.read_bytes()
        lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return Corpus(len(files), lines)


# -- the report ---------------------------------------------------------------------------


def fmt_ratio(value: float | None, *, reference: bool = False) -> str:
    if reference:
        return "(ref)"
    return "—" if value is None else f"{value:.2f}x"


def fmt_seconds(value: float) -> str:
    """Two decimals; three below 0.1 s, where two would round ruff to nothing."""
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"


def row_ratios(result: Result, by_name: dict[str, Result]) -> tuple[float | None, float | None]:
    """aiolint's CPU and wall (of the row compared with) over this tool's."""
    ref = by_name.get(result.tool.compare_to or "")
    if ref is None:
        return None, None
    return ratio(ref.cpu, result.cpu), ratio(ref.wall, result.wall)


def markdown_table(results: list[Result], corpus: Corpus, runs: int, cpus: int | None) -> str:
    by_name = {r.tool.name: r for r in results}
    lines = [
        f"Corpus: {corpus.files} files, {corpus.lines:,} lines; median of {runs} runs "
        f"after a warm-up; {cpus} CPUs.",
        "",
        "| tool | CPU s (median) | wall s (median) | peak RSS MB "
        "| aiolint CPU / tool CPU | aiolint wall / tool wall | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        cpu_ratio, wall_ratio = row_ratios(result, by_name)
        ref = result.tool.name == result.tool.compare_to
        note = result.tool.note
        if result.tool.compare_to not in (None, REFERENCE, result.tool.name):
            versus = f"vs `{result.tool.compare_to}`"
            note = f"{note}; {versus}" if note else versus
        lines.append(
            f"| `{result.tool.name}` | {fmt_seconds(result.cpu)} | {fmt_seconds(result.wall)} "
            f"| {result.peak_rss_mb:.0f} | {fmt_ratio(cpu_ratio, reference=ref)} "
            f"| {fmt_ratio(wall_ratio, reference=ref)} | {note} |"
        )
    lines += [
        "",
        "CPU: user+sys of the whole process tree (workers included). Peak RSS: the largest "
        "single process of the tree, max over the runs. Ratios below 1 mean aiolint is "
        "cheaper; cached rows are compared with aiolint's cached row when there is one.",
    ]
    return "\n".join(lines)


def text_table(results: list[Result], corpus: Corpus, runs: int) -> str:
    by_name = {r.tool.name: r for r in results}
    width = max(len(r.tool.name) for r in results)
    lines = [
        f"corpus: {corpus.files} files, {corpus.lines} lines; {runs} runs",
        f"{'tool':<{width}}  {'cpu s':>7}  {'wall s':>7}  {'rss MB':>6}  "
        f"{'cpu ratio':>9}  {'wall ratio':>10}",
    ]
    for result in results:
        cpu_ratio, wall_ratio = row_ratios(result, by_name)
        ref = result.tool.name == result.tool.compare_to
        lines.append(
            f"{result.tool.name:<{width}}  {fmt_seconds(result.cpu):>7}  "
            f"{fmt_seconds(result.wall):>7}  {result.peak_rss_mb:>6.0f}  "
            f"{fmt_ratio(cpu_ratio, reference=ref):>9}  {fmt_ratio(wall_ratio, reference=ref):>10}"
        )
    return "\n".join(lines)


def json_report(results: list[Result], corpus: Corpus, extra: dict[str, object]) -> dict:
    by_name = {r.tool.name: r for r in results}
    tools = []
    for result in results:
        cpu_ratio, wall_ratio = row_ratios(result, by_name)
        tools.append(
            {
                "name": result.tool.name,
                "argv": result.tool.argv,
                "compare_to": result.tool.compare_to,
                "note": result.tool.note,
                "cpu_median": result.cpu,
                "wall_median": result.wall,
                "peak_rss_mb": result.peak_rss_mb,
                "aiolint_cpu_ratio": cpu_ratio,
                "aiolint_wall_ratio": wall_ratio,
                "samples": [asdict(s) for s in result.samples],
            }
        )
    return {"corpus": asdict(corpus), **extra, "tools": tools}


# -- synthetic files for --lines-scaling --------------------------------------------------

SYNTH_HEADER = '''\
"""Synthetic async service module ({lines} lines) for aiolint's scaling bench."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Order, User

logger = logging.getLogger(__name__)
router = APIRouter()

'''

SYNTH_BLOCK = """

class UserRepository{i}:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        try:
            result = await self.session.execute(select(User).where(User.id == user_id))
        except SQLAlchemyError:
            logger.exception("lookup of user %s failed", user_id)
            raise
        return result.scalar_one_or_none()

    async def orders(self, user_id: int, limit: int = {i} % 50 + 1) -> list[Order]:
        query = select(Order).where(Order.user_id == user_id).limit(limit)
        rows = await self.session.scalars(query)
        return list(rows)


async def refresh_profile_{i}(client: httpx.AsyncClient, user_id: int) -> dict:
    for attempt in range(3):
        try:
            response = await client.get(f"/users/{{user_id}}", timeout=5.0)
            response.raise_for_status()
            return response.json()
        except httpx.HTTPError as exc:
            logger.warning("attempt %d failed: %s", attempt, exc)
            await asyncio.sleep(0.1 * 2**attempt)
    raise HTTPException(status_code=502, detail="profile service unavailable")


@router.get("/users/{{user_id}}/summary/{i}")
async def user_summary_{i}(user_id: int, session: AsyncSession = Depends(get_session)) -> dict:
    repo = UserRepository{i}(session)
    user = await repo.get(user_id)
    if user is None:
        raise HTTPException(status_code=404)
    orders = await repo.orders(user_id)
    total = sum(order.amount for order in orders)
    return {{"user": user.name, "orders": len(orders), "total": total}}


async def count_rows_{i}(session: AsyncSession, table_id: int) -> int:
    query = text("SELECT count(*) FROM t WHERE id = :id")
    result = await session.execute(query, {{"id": table_id}})
    try:
        await asyncio.wait_for(session.commit(), timeout=1)
    except asyncio.CancelledError:
        logger.info("count cancelled")
        raise
    return result.scalar_one()
"""

#: Appended to every block with --synthetic-findings: four findings, two with fixes.
SYNTH_FINDINGS = """

async def slow_report_{i}(session: AsyncSession, table: str) -> int:
    time.sleep(0.01)
    first, second = await asyncio.gather(session.scalar(text("SELECT 1")), asyncio.sleep(0))
    result = await session.execute(text(f"SELECT count(*) FROM {{table}}"))
    try:
        await asyncio.wait_for(session.commit(), timeout=1)
    except asyncio.CancelledError:
        logger.info("report cancelled")
    return result.scalar_one() + first
"""


def synth_source(lines: int, *, findings: bool = False) -> str:
    """A module of realistic async code of about `lines` lines (a whole block more at most).

    Clean code by default, so the figures are the engine's (parse, scopes, rules);
    with `findings`, every block also has four findings (blocking sleep, gather,
    f-string SQL, a swallowed CancelledError), which adds the cost of reporting
    and of resolving fixes.
    """
    parts = [SYNTH_HEADER.format(lines=lines)]
    count = parts[0].count("\n")
    i = 0
    template = SYNTH_BLOCK + SYNTH_FINDINGS if findings else SYNTH_BLOCK
    while count < lines:
        block = template.format(i=i)
        parts.append(block)
        count += block.count("\n")
        i += 1
    return "".join(parts)


def gather_source(arguments: int) -> str:
    """A module whose one statement awaits `asyncio.gather(f(0), f(1), ...)`
    with `arguments` arguments on one line (a generated call of megabytes)."""
    calls = ", ".join(f"f({i})" for i in range(arguments))
    return (
        "import asyncio\n\n\nasync def f(i: int) -> int:\n    return i\n\n\n"
        f"async def main() -> None:\n    await asyncio.gather({calls})\n"
    )


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for item in text.split(","):
        item = item.strip().lower()
        scale = 1
        if item.endswith("k"):
            item, scale = item[:-1], 1000
        sizes.append(int(float(item) * scale))
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError("sizes must be positive line counts")
    return sizes


@dataclass
class ScalingRow:
    lines: int
    cpu: float | None  # None: timed out
    wall: float | None
    peak_rss_mb: float | None


def scaling_table(rows: list[ScalingRow], startup: ScalingRow, timeout: float | None) -> str:
    """Per-line cost above startup; flat µs/line and MB per 10k lines mean linear growth."""
    assert startup.cpu is not None and startup.wall is not None and startup.peak_rss_mb
    lines = [
        "| lines | CPU s (median) | wall s (median) | peak RSS MB "
        "| CPU above startup, µs/line | RSS above startup, MB per 10k lines |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| 0 (`aiolint --version`) | {startup.cpu:.2f} | {startup.wall:.2f} "
        f"| {startup.peak_rss_mb:.0f} | — | — |",
    ]
    per_line_costs = []
    for row in rows:
        if row.cpu is None or row.wall is None or row.peak_rss_mb is None:
            lines.append(f"| {row.lines:,} | > {timeout:.0f} (timed out) | | | | |")
            continue
        per_line = (row.cpu - startup.cpu) / row.lines * 1e6
        per_line_costs.append(per_line)
        rss_per_10k = (row.peak_rss_mb - startup.peak_rss_mb) / row.lines * 10_000
        lines.append(
            f"| {row.lines:,} | {row.cpu:.2f} | {row.wall:.2f} | {row.peak_rss_mb:.0f} "
            f"| {per_line:.0f} | {rss_per_10k:.1f} |"
        )
    steps = [f"{b / a:.2f}x" for a, b in itertools.pairwise(per_line_costs) if a > 0]
    if steps:
        lines += [
            "",
            "CPU per line, each size over the one before: "
            f"{', '.join(steps)} (1.00x = linear; above: superlinear).",
        ]
    return "\n".join(lines)


# -- probing the environment --------------------------------------------------------------


def probe(argv: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, env=env)


def ensure_peers_venv(venv: Path, create: bool) -> None:
    if (venv / "bin" / "python").exists():
        return
    if not create:
        print(f"note: no peers venv at {venv}; peers skipped", file=sys.stderr)
        return
    print(f"creating the peers venv {venv} ({', '.join(PEER_PACKAGES)})", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", *PEER_PACKAGES], check=True)


def peer_bin(venv: Path, name: str) -> str | None:
    path = venv / "bin" / name
    return str(path) if path.exists() else None


def clean_env() -> dict[str, str]:
    """The tools' environment: ours, without what would leak one venv into another.

    PYTHONDONTWRITEBYTECODE goes too: an installed tool has its bytecode (pip
    compiles on install), and the warm-up run writes it for an editable one;
    without that, every run of a Python tool would recompile its own sources.
    """
    env = dict(os.environ)
    for name in (
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    return env


def default_aiolint_python() -> str:
    dev = REPO / ".venv" / "bin" / "python"
    return str(dev) if dev.exists() else sys.executable


def probe_setup(args: argparse.Namespace, paths: list[str], tmp: str, env: dict) -> Setup:
    aiolint = [args.aiolint_python, "-m", "aiolint"]
    help_run = probe([*aiolint, "check", "--help"], env)
    if help_run.returncode != 0:
        raise ToolFailed(f"aiolint check --help failed:\n{tail(help_run.stderr)}")
    fixit_config = os.path.join(tmp, "fixit.toml")
    Path(fixit_config).write_text(FIXIT_CONFIG)
    venv = Path(args.peers_venv)
    ensure_peers_venv(venv, create=not args.no_create_peers_venv)
    peer_python = peer_bin(venv, "python")
    if peer_python:
        leak = probe([peer_python, "-c", "import aiolint"], env)
        if leak.returncode == 0:
            raise SystemExit(
                f"aiolint is importable in the peers venv {venv}: flake8 there would load "
                "its plugin; use a venv without aiolint"
            )
    peer_flake8 = peer_bin(venv, "flake8")
    if peer_flake8 and "flake8-async" not in probe([peer_flake8, "--version"], env).stdout:
        peer_flake8 = None
    plugin_flake8: list[str] | None = [args.aiolint_python, "-m", "flake8"]
    if "aiolint" not in probe([*plugin_flake8, "--version"], env).stdout:
        plugin_flake8 = None
    return Setup(
        paths=paths,
        aiolint=aiolint,
        aiolint_has_cache=has_cache_flags(help_run.stdout),
        cache_root=tmp,
        fixit_config=fixit_config,
        ruff=peer_bin(venv, "ruff") or shutil.which("ruff"),
        peer_flake8=peer_flake8,
        fixit=peer_bin(venv, "fixit"),
        plugin_flake8=None if args.no_plugin else plugin_flake8,
    )


def versions(setup: Setup, env: dict[str, str]) -> dict[str, str]:
    found = {"python (aiolint)": probe([setup.aiolint[0], "--version"], env).stdout.strip()}
    found["aiolint"] = probe([*setup.aiolint, "--version"], env).stdout.strip()
    for name, argv in (
        ("ruff", [setup.ruff, "--version"]),
        ("flake8", [setup.peer_flake8, "--version"]),
        ("fixit", [setup.fixit, "--version"]),
    ):
        if argv[0]:
            found[name] = " ".join(probe(argv, env).stdout.split())  # type: ignore[arg-type]
    return found


# -- main -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="default: /work/corpus")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument("--warmups", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--peers-venv", default=str(DEFAULT_PEERS_VENV))
    parser.add_argument(
        "--no-create-peers-venv", action="store_true", help="skip the peers if the venv is missing"
    )
    parser.add_argument("--aiolint-python", default=default_aiolint_python())
    parser.add_argument("--no-plugin", action="store_true", help="leave out flake8 --select AIO")
    parser.add_argument("--only", help="comma-separated substrings: run only matching tools")
    parser.add_argument("--json", metavar="FILE", help="write every sample to FILE")
    parser.add_argument("--markdown", action="store_true", help="print a README-ready table")
    parser.add_argument(
        "--lines-scaling", action="store_true", help="aiolint on synthetic files of growing size"
    )
    parser.add_argument(
        "--project-rows",
        action="store_true",
        help="also the project model's cost on the first PATH (an application): a cold check "
        "without function summaries, a cached check after one file changed, the model alone",
    )
    parser.add_argument(
        "--edit",
        metavar="FILE",
        help="with --project-rows: the file (relative to the first PATH) changed before each "
        "run (default: its largest Python file)",
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=[1000, 10_000, 100_000],
        help="comma-separated line counts, e.g. 1k,10k,100k (with --lines-scaling)",
    )
    parser.add_argument(
        "--synthetic-findings",
        action="store_true",
        help="with --lines-scaling: four findings per block (reporting and fix resolution)",
    )
    parser.add_argument(
        "--synthetic-gather",
        action="store_true",
        help="with --lines-scaling: sizes are the arguments of one one-line gather(...)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        help="kill a run after this many seconds (default: none; 900 with --lines-scaling)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmups < 0:
        parser.error("--runs must be >= 1 and --warmups >= 0")
    if args.timeout is None and args.lines_scaling:
        args.timeout = 900.0
    return args


def environment(runs: int, warmups: int, subreaper: bool) -> dict[str, object]:
    return {
        "runs": runs,
        "warmups": warmups,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "loadavg_start": os.getloadavg(),
        "subreaper": subreaper,
    }


def run_bench(args: argparse.Namespace, env: dict[str, str], subreaper: bool) -> int:
    paths = [str(Path(p).resolve()) for p in (args.paths or ["/work/corpus"])]
    for path in paths:
        if not Path(path).exists():
            raise SystemExit(f"no such path: {path}")
    corpus = count_corpus(paths)
    with tempfile.TemporaryDirectory(prefix="aiolint-bench-") as tmp:
        setup = probe_setup(args, paths, tmp, env)
        tools, skipped = build_tools(setup)
        if args.project_rows:
            copy = os.path.join(tmp, "tree", Path(paths[0]).name)
            shutil.copytree(paths[0], copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            chosen = args.edit or max(
                (str(f.relative_to(paths[0])) for f in python_files([paths[0]])),
                key=lambda f: os.path.getsize(os.path.join(paths[0], f)),
            )
            tools[2:2] = project_tools(setup, copy, Path(copy) / chosen)
        if args.only:
            wanted = [w.strip() for w in args.only.split(",")]
            tools = [t for t in tools if any(w in t.name for w in wanted)]
        info = environment(args.runs, args.warmups, subreaper)
        info["versions"] = versions(setup, env)
        info["skipped"] = skipped
        print(
            f"corpus: {', '.join(paths)}: {corpus.files} files, {corpus.lines} lines; "
            f"{args.runs} runs after {args.warmups} warm-up; {os.cpu_count()} CPUs; "
            f"load {info['loadavg_start']}",
            file=sys.stderr,
        )
        for note in skipped:
            print(f"  skipped {note}", file=sys.stderr)
        results = []
        for tool in tools:
            print(f"  {tool.name}: {' '.join(tool.argv)}", file=sys.stderr)
            result, note = measure(
                tool, args.runs, cwd=tmp, env=env, warmups=args.warmups, timeout=args.timeout
            )
            tool.note = note
            results.append(result)
    info["loadavg_end"] = os.getloadavg()
    if args.markdown:
        print(markdown_table(results, corpus, args.runs, os.cpu_count()))
        if skipped:
            print("\nNot measured: " + "; ".join(skipped) + ".")
    else:
        print(text_table(results, corpus, args.runs))
        for note in skipped:
            print(f"skipped {note}")
    print(f"\nload average: start {info['loadavg_start']}, end {info['loadavg_end']}")
    if args.json:
        report = json_report(results, corpus, info)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


def run_scaling(args: argparse.Namespace, env: dict[str, str], subreaper: bool) -> int:
    aiolint = [args.aiolint_python, "-m", "aiolint"]
    rows: list[ScalingRow] = []
    raw: list[dict[str, object]] = []
    measure_args = {"env": env, "warmups": args.warmups, "timeout": args.timeout}
    with tempfile.TemporaryDirectory(prefix="aiolint-scaling-") as tmp:
        has_cache = has_cache_flags(probe([*aiolint, "check", "--help"], env).stdout)
        startup_tool = Tool("aiolint --version", [*aiolint, "--version"], compare_to=None)
        startup, _ = measure(startup_tool, args.runs, cwd=tmp, **measure_args)
        startup_row = ScalingRow(0, startup.cpu, startup.wall, startup.peak_rss_mb)
        raw.append({"lines": 0, "samples": [asdict(s) for s in startup.samples]})
        timed_out = False
        for size in args.sizes:
            if args.synthetic_gather:
                source, actual = gather_source(size), size
            else:
                source = synth_source(size, findings=args.synthetic_findings)
                actual = source.count("\n")
            if timed_out:  # a larger file would time out too
                rows.append(ScalingRow(actual, None, None, None))
                continue
            path = Path(tmp, f"synthetic_{size}.py")
            path.write_text(source)
            argv = [*aiolint, "check", "--isolated", *(["--no-cache"] if has_cache else [])]
            tool = Tool(f"aiolint check ({actual} lines)", [*argv, "--exit-zero", "-q", str(path)])
            print(f"  {tool.name}: {' '.join(tool.argv)}", file=sys.stderr)
            try:
                result, _ = measure(tool, args.runs, cwd=tmp, **measure_args)
            except ToolTimedOut as exc:
                print(f"  {exc}", file=sys.stderr)
                timed_out = True
                rows.append(ScalingRow(actual, None, None, None))
                raw.append({"lines": actual, "timed_out": args.timeout})
                continue
            rows.append(ScalingRow(actual, result.cpu, result.wall, result.peak_rss_mb))
            raw.append({"lines": actual, "samples": [asdict(s) for s in result.samples]})
    kind = "with 4 findings per 50-line block" if args.synthetic_findings else "clean code"
    if args.synthetic_gather:
        kind = "one line `await asyncio.gather(f(0), ...)`; the lines column counts its arguments"
    print(
        f"aiolint on one synthetic file per size ({kind}); median of {args.runs} runs "
        f"after {args.warmups} warm-up; {os.cpu_count()} CPUs\n"
    )
    print(scaling_table(rows, startup_row, args.timeout))
    print(f"\nload average at the end: {os.getloadavg()}")
    if args.json:
        report = {**environment(args.runs, args.warmups, subreaper), "sizes": raw}
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    subreaper = become_subreaper()
    env = clean_env()
    if args.lines_scaling:
        return run_scaling(args, env, subreaper)
    return run_bench(args, env, subreaper)


if __name__ == "__main__":
    sys.exit(main())

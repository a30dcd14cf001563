"""Worker processes: a dying worker costs only its file, Ctrl-C stops them all,
and the output is the same for any number of jobs."""

from __future__ import annotations

import faulthandler
import marshal
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest
from helpers import SLEEPY, run_cli

import aiolint.cli.runner as runner
import aiolint.cli.worker as worker
from aiolint.cli.pool import Pool, describe_death
from aiolint.engine.model import FixAvailability
from aiolint.engine.rule import Rule
from aiolint.workspace.cache import INDEX_PREFIX, unseal
from aiolint.workspace.config import Config
from aiolint.workspace.selection import SelectionLayer


def double(item: tuple[str, Path]) -> str:
    """The test work function: dies on request, else echoes."""
    name, marks = item
    with (marks / name).open("a") as handle:  # one line per attempt
        handle.write("x\n")
    if name.startswith("exit"):
        os._exit(3)
    if name.startswith("segv"):
        faulthandler.disable()  # no dump on the test's output
        os.kill(os.getpid(), signal.SIGSEGV)
    if name.startswith("once") and len((marks / name).read_text().splitlines()) == 1:
        os._exit(4)  # dies the first time only
    if name.startswith("raise"):
        raise RuntimeError("no")
    return name * 2


def failure(item: tuple[str, Path], reason: str) -> str:
    return f"FAILED {item[0]}: {reason}"


def run_pool(names: list[str], tmp_path: Path, workers: int = 2) -> dict[int, str]:
    results: dict[int, str] = {}

    def on_result(index: int, result: str) -> None:
        assert index not in results, "a result delivered twice"
        results[index] = result

    items = [(name, tmp_path) for name in names]
    Pool(double, failure, workers=workers).run(items, range(len(items)), on_result)
    assert not multiprocessing.active_children()
    return results


def attempts(tmp_path: Path, name: str) -> int:
    return len((tmp_path / name).read_text().splitlines())


def test_every_item_once(tmp_path: Path) -> None:
    names = [f"f{i}" for i in range(25)]
    assert run_pool(names, tmp_path) == {i: n * 2 for i, n in enumerate(names)}


def test_a_dying_worker_costs_only_its_item(tmp_path: Path) -> None:
    names = [f"a{i}" for i in range(10)] + ["segv"] + [f"b{i}" for i in range(10)] + ["exit"]
    results = run_pool(names, tmp_path)
    assert results[10] == "FAILED segv: the worker process was killed by SIGSEGV"
    assert results[21] == "FAILED exit: the worker process exited unexpectedly (status 3)"
    assert all(results[i] == names[i] * 2 for i in range(len(names)) if i not in (10, 21))
    # retried once in a new worker, then reported; every other item ran once
    assert attempts(tmp_path, "segv") == attempts(tmp_path, "exit") == 2
    assert all(attempts(tmp_path, n) == 1 for n in names if n not in ("segv", "exit"))


def test_an_item_whose_worker_dies_once_is_retried(tmp_path: Path) -> None:
    results = run_pool(["a", "once", "b"], tmp_path)
    assert results == {0: "aa", 1: "onceonce", 2: "bb"}


def test_every_worker_dying_still_finishes(tmp_path: Path) -> None:
    names = [f"segv{i}" for i in range(4)] + ["ok"]
    results = run_pool(names, tmp_path, workers=3)
    assert results[4] == "okok"
    assert all(results[i].startswith("FAILED segv") for i in range(4))


def test_an_exception_in_the_work_is_a_failure(tmp_path: Path) -> None:
    assert run_pool(["raise", "a"], tmp_path) == {0: "FAILED raise: RuntimeError: no", 1: "aa"}


def test_an_interrupt_kills_every_worker_at_once(tmp_path: Path) -> None:
    def on_result(index: int, result: str) -> None:
        raise KeyboardInterrupt

    items = [(f"f{i}", tmp_path) for i in range(50)]
    with pytest.raises(KeyboardInterrupt):
        Pool(double, failure, workers=2).run(items, range(50), on_result)
    assert not multiprocessing.active_children()


def test_describe_death() -> None:
    assert describe_death(-signal.SIGKILL) == "the worker process was killed by SIGKILL"
    assert describe_death(1) == "the worker process exited unexpectedly (status 1)"


class _Segfault(Rule):
    """Kills its process on a file named crash.py (test double, not registered).

    ## What it does
    -
    ## Why is this bad?
    -
    ## Example
    -
    ## Use instead
    -
    ## Fix safety
    -
    """

    abstract = True
    code = "AIO997"
    name = "segfault"
    fix_availability = FixAvailability.NONE

    def visit_Module(self, node: cst.Module) -> None:
        if self.ctx.path.endswith("crash.py"):
            faulthandler.disable()  # no dump on the test's output
            os.kill(os.getpid(), signal.SIGSEGV)


@pytest.fixture
def crashing_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files enough for workers, one of which kills the worker checking it
    (the rule is added in this process; forked workers inherit it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "BYTES_PER_WORKER", 1)
    real = worker.rules_for
    monkeypatch.setattr(worker, "rules_for", lambda codes: [*real(codes), _Segfault])
    for i in range(12):
        (tmp_path / f"m{i:02d}.py").write_text(SLEEPY)
    (tmp_path / "crash.py").write_text(SLEEPY)
    return tmp_path


def test_a_file_that_kills_its_worker_is_reported_not_the_run(crashing_tree: Path, capsys) -> None:
    run = run_cli(capsys, "check", "-j", "2")
    assert run.code == 2
    assert [line.split(":")[0] for line in run.lines] == [f"m{i:02d}.py" for i in range(12)]
    assert (
        "aiolint: internal error in worker while checking crash.py: "
        "the worker process was killed by SIGSEGV while checking this file"
    ) in run.err
    assert not multiprocessing.active_children()
    # the other files' results are cached (an entry each, and in the index), the crash is not
    stored = list(Path(os.environ["AIOLINT_CACHE_DIR"]).glob("*/*.marshal"))
    results = [p for p in stored if not p.name.startswith(("project-", INDEX_PREFIX))]
    assert len([p for p in results if p.name != "declared.marshal"]) == 12
    (index,) = [p for p in stored if p.name.startswith(INDEX_PREFIX)]
    assert len(marshal.loads(unseal(index.read_bytes()) or b"")[1]) == 12


def test_output_is_the_same_for_any_number_of_jobs(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "BYTES_PER_WORKER", 1)
    for i in range(20):
        body = SLEEPY * (i % 4 + 1)  # different sizes: the largest go first
        (tmp_path / f"m{i:02d}.py").write_text(body)
    (tmp_path / "bad.py").write_text("async def f(:\n")
    runs = [
        run_cli(capsys, "check", "--no-cache", "--output-format", "json", "-j", jobs)
        for jobs in ("1", "2", "3")
    ]
    assert runs[0].out and runs[0] == runs[1] == runs[2]


def test_fixing_runs_in_workers_too(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "BYTES_PER_WORKER", 1)
    for i in range(6):
        (tmp_path / f"m{i}.py").write_text(SLEEPY)
    run = run_cli(capsys, "check", "--fix", "-j", "2")
    assert run.code == 0, run.err
    assert all("await asyncio.sleep(1)" in p.read_text() for p in tmp_path.glob("m*.py"))


@pytest.mark.parametrize(
    ("sizes", "jobs", "expected"),
    [
        ([10] * 100, 8, 0),  # little work: no workers
        ([runner.PARALLEL_MIN_BYTES], 8, 0),  # one file cannot be shared
        ([runner.PARALLEL_MIN_BYTES // 2] * 2, 1, 0),  # -j 1
        ([runner.PARALLEL_MIN_BYTES // 2] * 2, 8, 2),
        ([runner.BYTES_PER_WORKER] * 40, 4, 4),
    ],
)
def test_plan_workers(sizes: list[int], jobs: int, expected: int) -> None:
    assert runner.plan_workers(sizes, jobs) == expected


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("whole_group", [True, False], ids=["terminal", "kill-parent"])
def test_ctrl_c_stops_every_worker_exit_130(tmp_path: Path, whole_group: bool) -> None:
    body = "".join(
        f"async def f{i}(x):\n    time.sleep(1)\n    return [y for y in x if y]\n"
        for i in range(400)
    )
    for i in range(40):
        (tmp_path / f"m{i:02d}.py").write_text("import time\n\n" + body)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiolint", "check", "--no-cache", "-j", "2", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        workers = _children(proc.pid)
    assert len(workers) == 2, "the workers never started"
    time.sleep(0.3)
    if whole_group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]


def test_lint_files_api_defaults_to_one_process(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(SLEEPY)
    result = runner.lint_files([Path(".")], Config(root=tmp_path), SelectionLayer())
    assert [d.code for d in result.diagnostics] == ["AIO201"]

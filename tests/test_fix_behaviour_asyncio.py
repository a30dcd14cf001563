"""AIO102's and AIO201's fixes on real asyncio.

Each test fixes source text with the fix engine (`fix_source`, unsafe fixes on),
execs the original and the fixed code, and runs both:
- AIO102: cancelling a task whose handler swallows `CancelledError` lets the
  task finish normally; after the fix (a `raise` at the end of the handler) the
  task ends cancelled. After `task.cancel()` the fixed handler (`if
  asyncio.current_task().cancelling(): raise`) still absorbs the awaited task's
  cancellation but lets a cancellation of the current task through.
- AIO201: `time.sleep` blocks the loop, so no other task runs during the
  sleep; the fixed `await asyncio.sleep` lets one run.
"""

from __future__ import annotations

import asyncio
import builtins
import sys
import textwrap
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

needs_311 = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="except* and Task.cancelling() are 3.11+"
)


def fixed(source: str, code: str, target: tuple[int, int] = (3, 12)) -> str:
    """`source` after `aiolint check --fix --unsafe-fixes --select code`."""
    outcome = fix_source(
        source.encode(),
        "behaviour.py",
        resolve_selection([code]),
        LintOptions(target),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None, "no fix was applied"
    assert not [d for d in outcome.result.diagnostics if d.code == code]
    return outcome.fixed.decode()


def load(source: str, name: str) -> Callable[..., Awaitable[Any]]:
    """The function `name` of the module `source`."""
    namespace: dict[str, Any] = {"__name__": "behaviour"}
    exec(compile(source, "behaviour.py", "exec"), namespace)
    return namespace[name]


def original_and_fixed(
    source: str, code: str, name: str, target: tuple[int, int] = (3, 12)
) -> tuple[Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]]:
    source = textwrap.dedent(source)
    return load(source, name), load(fixed(source, code, target), name)


# --- AIO102: a handler that swallows the cancellation ----------------------------------

#: name -> (handler, what it logs on cancellation, and once fixed). `log.info`
#: is a log call: the handler still runs; a handler catching more than
#: cancellation is skipped once `except asyncio.CancelledError: raise` precedes it.
HANDLERS: dict[str, tuple[str, list[str], list[str]]] = {
    "plain": (
        """
        except asyncio.CancelledError:
            log.info("interrupted")
        """,
        ["interrupted"],
        ["interrupted"],
    ),
    "lone_pass": (
        """
        except asyncio.CancelledError:
            pass
        """,
        [],
        [],
    ),
    "one_line": (
        """
        except asyncio.CancelledError: log.info("interrupted")
        """,
        ["interrupted"],
        ["interrupted"],
    ),
    "bare_return": (
        """
        except asyncio.CancelledError:
            log.info("interrupted")
            return "stopped"
        """,
        ["interrupted"],
        ["interrupted"],
    ),
    "tuple_bound_name": (
        """
        except (ConnectionError, asyncio.CancelledError) as exc:
            log.info(type(exc).__name__)
        """,
        ["CancelledError"],
        [],
    ),
    "base_exception": (
        """
        except BaseException:
            log.info("interrupted")
        """,
        ["interrupted"],
        [],
    ),
    "bare_except": (
        """
        except:
            log.info("interrupted")
        """,
        ["interrupted"],
        [],
    ),
}


class Log(list):
    """A list that is also a logger (`log.info(message)` appends it)."""

    def info(self, message: str) -> None:
        self.append(message)


WORKER = """
import asyncio
import builtins


async def worker(started, log):
    try:
        started.set()
        await asyncio.sleep(10)
{handler}
    log.append("after the handler")
    return "finished"
"""


async def cancel_while_running(worker: Callable[..., Awaitable[Any]]) -> tuple[asyncio.Task, list]:
    """Start `worker`, cancel it while it waits, and let it end."""
    started, log = asyncio.Event(), Log()
    task = asyncio.create_task(worker(started, log))
    await started.wait()
    task.cancel()
    await asyncio.wait([task])
    return task, log


def worker_source(handler: str) -> str:
    return WORKER.format(handler=textwrap.indent(textwrap.dedent(handler).strip(), "    "))


@pytest.mark.parametrize(
    ("handler", "logged", "logged_fixed"), HANDLERS.values(), ids=HANDLERS.keys()
)
def test_aio102_fixed_handler_lets_the_cancellation_through(
    handler: str, logged: list, logged_fixed: list
) -> None:
    original, fixed_worker = original_and_fixed(worker_source(handler), "AIO102", "worker")

    task, log = asyncio.run(cancel_while_running(original))
    assert not task.cancelled()
    assert task.result() in ("finished", "stopped")
    assert log[: len(logged)] == logged

    task, log = asyncio.run(cancel_while_running(fixed_worker))
    assert task.cancelled()
    assert log == logged_fixed  # the code after the handler never runs


@pytest.mark.parametrize("handler", ["base_exception", "bare_except", "tuple_bound_name"])
def test_aio102_broad_handler_still_handles_other_errors(handler: str) -> None:
    """`except asyncio.CancelledError: raise` first: an error other than
    cancellation is handled by the broad handler exactly as before the fix."""
    source = worker_source(HANDLERS[handler][0]).replace(
        "await asyncio.sleep(10)", "await asyncio.sleep(0)\n        raise ConnectionError('down')"
    )
    original, fixed_worker = original_and_fixed(source, "AIO102", "worker")
    for worker in (original, fixed_worker):
        log = Log()
        assert asyncio.run(worker(asyncio.Event(), log)) == "finished"
        assert log[-1] == "after the handler"
        assert log[:-1] == (
            ["ConnectionError"] if handler == "tuple_bound_name" else ["interrupted"]
        )


def test_aio102_handler_doing_more_than_logging_gets_no_fix() -> None:
    source = worker_source(
        """
        except asyncio.CancelledError:
            log.info("interrupted")
            log.append("cleanup")
        """
    )
    outcome = fix_source(
        source.encode(), "w.py", resolve_selection(["AIO102"]), LintOptions(), FixSettings(True)
    )
    assert outcome.fixed is None
    (finding,) = outcome.result.diagnostics
    assert finding.code == "AIO102" and finding.fix is None


@needs_311
def test_aio102_fixed_except_star_stops_the_task() -> None:
    # Documented in the rule: a bare `raise` in `except*` re-raises the matched
    # group, so the task stops with a BaseExceptionGroup holding the
    # CancelledError rather than ending cancelled.
    handler = """
        except* asyncio.CancelledError:
            log.info("interrupted")
    """
    original, fixed_worker = original_and_fixed(worker_source(handler), "AIO102", "worker")

    task, log = asyncio.run(cancel_while_running(original))
    assert task.result() == "finished"

    task, log = asyncio.run(cancel_while_running(fixed_worker))
    error = task.exception()
    assert isinstance(error, builtins.BaseExceptionGroup)
    assert [type(e) for e in error.exceptions] == [asyncio.CancelledError]
    assert log == ["interrupted"]


# --- AIO102 after task.cancel(): the cancelling() guard --------------------------------

SELF_CANCEL = """
import asyncio
import builtins


async def child(cleaning):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        cleaning.set()
        await asyncio.sleep(0.05)  # slow cleanup: the parent waits for it
        raise


async def stop_child(cleaning):
    task = asyncio.create_task(child(cleaning))
    await asyncio.sleep(0)  # let the child start
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return "child stopped"
"""


async def run_stop_child(stop_child: Callable[..., Awaitable[Any]], cancel: bool) -> asyncio.Task:
    """Run `stop_child`; with `cancel`, cancel it while it awaits its cancelled child."""
    cleaning = asyncio.Event()
    task = asyncio.create_task(stop_child(cleaning))
    if cancel:
        await cleaning.wait()
        task.cancel()
    await asyncio.wait([task])
    return task


@needs_311
def test_aio102_cancelling_guard_absorbs_the_childs_cancellation() -> None:
    original, fixed_stop = original_and_fixed(SELF_CANCEL, "AIO102", "stop_child")
    assert "current_task().cancelling()" in fixed(textwrap.dedent(SELF_CANCEL), "AIO102")
    for stop_child in (original, fixed_stop):
        task = asyncio.run(run_stop_child(stop_child, cancel=False))
        assert task.result() == "child stopped"


@needs_311
def test_aio102_cancelling_guard_propagates_an_outer_cancel() -> None:
    original, fixed_stop = original_and_fixed(SELF_CANCEL, "AIO102", "stop_child")

    task = asyncio.run(run_stop_child(original, cancel=True))
    assert not task.cancelled()  # the outer cancel was swallowed
    assert task.result() == "child stopped"

    task = asyncio.run(run_stop_child(fixed_stop, cancel=True))
    assert task.cancelled()


# --- AIO201: time.sleep blocks the loop -------------------------------------------------

SLEEPER = """
import time


async def sleeper(events):
    events.append("sleep start")
    time.sleep(0.05)
    events.append("sleep end")
"""


async def sleep_beside_another_task(sleeper: Callable[..., Awaitable[Any]]) -> list[str]:
    events: list[str] = []

    async def other() -> None:
        events.append("other task ran")

    sleeping = asyncio.create_task(sleeper(events))
    running = asyncio.create_task(other())
    await asyncio.gather(sleeping, running)
    return events


def test_aio201_fixed_sleep_lets_another_task_run() -> None:
    original, fixed_sleeper = original_and_fixed(SLEEPER, "AIO201", "sleeper")
    assert asyncio.run(sleep_beside_another_task(original)) == [
        "sleep start",
        "sleep end",
        "other task ran",
    ]
    assert asyncio.run(sleep_beside_another_task(fixed_sleeper)) == [
        "sleep start",
        "other task ran",
        "sleep end",
    ]

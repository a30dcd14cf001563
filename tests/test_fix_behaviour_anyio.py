"""AIO201's and AIO203's fixes in anyio code, run on anyio: the fixed code uses
`anyio.sleep` and `anyio.to_thread.run_sync`, returns what the original
returned, and lets another task of the same task group run meanwhile (the
original blocks it out)."""

from __future__ import annotations

import textwrap
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

SOURCE = textwrap.dedent(
    """\
    import subprocess
    import sys
    import time

    import anyio


    async def nap() -> str:
        time.sleep(0.3)
        return "rested"


    async def child() -> str:
        out = subprocess.check_output([sys.executable, "-c", CHILD])
        return out.decode().strip()


    async def child_with_keywords() -> int:
        return subprocess.run([sys.executable, "-c", CHILD], check=True).returncode


    CHILD = "import time; time.sleep(0.3); print('out')"
    """
)


def _fixed(code: str) -> str:
    outcome = fix_source(
        SOURCE.encode(), "anyio_app.py", resolve_selection([code]), LintOptions(), FixSettings(True)
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None
    return outcome.fixed.decode()


def _load(source: str, name: str) -> Callable[[], Awaitable[Any]]:
    namespace: dict[str, Any] = {"__name__": "anyio_app"}
    exec(compile(source, "anyio_app.py", "exec"), namespace)
    return namespace[name]


def _run_with_ticker(func: Callable[[], Awaitable[Any]]) -> tuple[Any, int]:
    """`func()`'s result under anyio, and how often a 10 ms ticker ran meanwhile."""
    ticks = 0
    result: list[Any] = []

    async def ticker(scope: anyio.CancelScope) -> None:
        nonlocal ticks
        with scope:
            while True:
                ticks += 1
                await anyio.sleep(0.01)

    async def main() -> None:
        scope = anyio.CancelScope()
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker, scope)
            await anyio.sleep(0)
            result.append(await func())
            scope.cancel()

    anyio.run(main)
    return result[0], ticks


def test_time_sleep_becomes_anyio_sleep_and_yields() -> None:
    fixed = _fixed("AIO201")
    assert "await anyio.sleep(0.3)" in fixed
    assert "asyncio" not in fixed
    before, ticks_before = _run_with_ticker(_load(SOURCE, "nap"))
    after, ticks_after = _run_with_ticker(_load(fixed, "nap"))
    assert before == after == "rested"
    assert ticks_before <= 2 < 10 < ticks_after


def test_subprocess_runs_in_anyio_worker_thread_and_yields() -> None:
    fixed = _fixed("AIO203")
    assert "out = await anyio.to_thread.run_sync(subprocess.check_output, [sys" in fixed
    before, ticks_before = _run_with_ticker(_load(SOURCE, "child"))
    after, ticks_after = _run_with_ticker(_load(fixed, "child"))
    assert before == after == "out"
    assert ticks_before <= 2 < 10 < ticks_after


def test_a_call_with_keyword_arguments_gets_no_anyio_thread_fix() -> None:
    rules = resolve_selection(["AIO203"])
    outcome = fix_source(SOURCE.encode(), "anyio_app.py", rules, LintOptions(), FixSettings(True))
    (finding,) = [d for d in outcome.result.diagnostics if d.code == "AIO203"]
    assert finding.fix is None
    assert "anyio.run_process" in finding.message

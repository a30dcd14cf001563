"""AIO104's fix on real asyncio: `await asyncio.wait_for(aw, t)` and the fixed
`async with asyncio.timeout(t): await aw` return the same values, raise the
same `TimeoutError` on timeout with the awaited work cancelled (a coroutine, a
Task handed in), pass the awaitable's own exception through, and differ only as
the rule documents: on 3.11 a context variable the coroutine sets now reaches
the caller (`wait_for` ran it in a task of its own).

The last test fixes a module with the real CLI (`aiolint check --fix
--unsafe-fixes` in a subprocess) and runs both versions."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is 3.11+")

COMMON = """
import asyncio
import contextvars

log = []
request_id = contextvars.ContextVar("request_id", default="unset")


async def fetch(name, delay):
    log.append(("start", name))
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        log.append(("cancelled", name))
        raise
    log.append(("done", name))
    return name.upper()


async def failing():
    await asyncio.sleep(0)
    raise LookupError("no such key")


async def tagging():
    request_id.set("req-42")
    return request_id.get()
"""

SHAPES = {
    "expression": """
async def main(limit):
    await asyncio.wait_for(fetch("a", 0.02), limit)
    return None
""",
    "assignment": """
async def main(limit):
    got = await asyncio.wait_for(fetch("a", 0.02), timeout=limit)
    return got
""",
    "returned": """
async def main(limit):
    return await asyncio.wait_for(fut=fetch("a", 0.02), timeout=limit)
""",
    "a_task": """
async def main(limit):
    job = asyncio.create_task(fetch("a", 0.02))
    try:
        return await asyncio.wait_for(job, limit)
    finally:
        log.append(("job cancelled", job.cancelled()))
""",
    "in_a_loop": """
async def main(limit):
    got = []
    for name, delay in [("a", 0.01), ("b", 0.02)]:
        try:
            value = await asyncio.wait_for(fetch(name, delay), limit * delay / 0.02)
        except TimeoutError:
            got.append(("timed out", name))
            continue
        got.append(value)
    return got
""",
}


def fixed(source: str) -> str:
    outcome = fix_source(
        source.encode(),
        "shape.py",
        resolve_selection(["AIO104"]),
        LintOptions(target_version=(3, 11)),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None, "the fix was not applied"
    assert not outcome.result.diagnostics, "a wait_for was left unfixed"
    text = outcome.fixed.decode()
    assert "asyncio.timeout(" in text and "wait_for" not in text
    return text


def run(source: str, *args: object) -> tuple[str, Any, list[tuple[str, object]]]:
    """("ok", result, log) or ("raised", the exception's type and args, log)."""
    namespace: dict[str, Any] = {"__name__": "shape"}
    exec(compile(source, "shape.py", "exec"), namespace)
    try:
        result = asyncio.run(namespace["main"](*args))
    except Exception as exc:
        return "raised", (type(exc), exc.args), namespace["log"]
    return "ok", result, namespace["log"]


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("limit", [1.0, 0.005], ids=["in_time", "timed_out"])
def test_fixed_code_behaves_as_wait_for(shape: str, limit: float) -> None:
    original = COMMON + textwrap.dedent(SHAPES[shape])
    before = run(original, limit)
    after = run(fixed(original), limit)
    assert after == before


def test_timeout_raises_timeout_error_and_cancels_the_work_in_both() -> None:
    original = COMMON + textwrap.dedent(SHAPES["assignment"])
    for source in (original, fixed(original)):
        outcome, error, log = run(source, 0.005)
        assert outcome == "raised" and error[0] is TimeoutError
        assert log == [("start", "a"), ("cancelled", "a")]


def test_a_task_handed_in_is_cancelled_on_timeout_in_both() -> None:
    original = COMMON + textwrap.dedent(SHAPES["a_task"])
    for source in (original, fixed(original)):
        outcome, error, log = run(source, 0.005)
        assert outcome == "raised" and error[0] is TimeoutError
        assert ("job cancelled", True) in log


def test_the_awaitables_own_exception_passes_through() -> None:
    original = COMMON + textwrap.dedent(
        """
        async def main(limit):
            return await asyncio.wait_for(failing(), limit)
        """
    )
    before, after = run(original, 1.0), run(fixed(original), 1.0)
    assert before == after
    assert before[:2] == ("raised", (LookupError, ("no such key",)))


def test_the_documented_difference_context_variables_reach_the_caller() -> None:
    original = COMMON + textwrap.dedent(
        """
        async def main(limit):
            inside = await asyncio.wait_for(tagging(), limit)
            return inside, request_id.get()
        """
    )
    before, after = run(original, 1.0), run(fixed(original), 1.0)
    assert after[:2] == ("ok", ("req-42", "req-42"))
    if sys.version_info < (3, 12):
        # 3.11's wait_for ran the coroutine in a new task with a copy of the context.
        assert before[:2] == ("ok", ("req-42", "unset"))
    else:
        # 3.12 rebuilt wait_for on asyncio.timeout(): no new task, no difference.
        assert before == after


def test_cli_fixes_a_module_and_both_versions_agree(tmp_path: Path) -> None:
    module = tmp_path / "quotes.py"
    module.write_text(
        textwrap.dedent(
            '''\
            """Prices with a deadline per lookup."""

            import asyncio
            from asyncio import wait_for

            PRICES = {"ACME": 12.5, "INIT": 3.0}


            async def quote(symbol, delay):
                await asyncio.sleep(delay)
                return PRICES[symbol]


            async def price(symbol, delay, limit):
                # One lookup, bounded.
                value = await wait_for(quote(symbol, delay), timeout=limit)
                return value


            async def main():
                got = [await price("ACME", 0, 1)]
                for symbol, delay in [("INIT", 0.5), ("NOPE", 0)]:
                    try:
                        got.append(await price(symbol, delay, 0.05))
                    except (TimeoutError, KeyError) as exc:
                        got.append(type(exc).__name__)
                return got
            '''
        )
    )
    original = module.read_text()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiolint",
            "check",
            "--select",
            "AIO104",
            "--target-version",
            "py311",
            "--fix",
            "--unsafe-fixes",
            "--no-cache",
            str(module),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = module.read_text()
    assert "async with asyncio.timeout(limit):\n        value = await quote(symbol, delay)" in text
    assert "wait_for" not in text

    def outcome(source: str) -> object:
        namespace: dict[str, Any] = {"__name__": "quotes"}
        exec(compile(source, "quotes.py", "exec"), namespace)
        return asyncio.run(namespace["main"]())

    assert outcome(original) == outcome(text) == [12.5, "TimeoutError", "KeyError"]


def test_the_documented_difference_a_zero_timeout() -> None:
    """A coroutine that finishes without suspending, under a timeout of 0: 3.11's
    wait_for cancels it before it starts, `timeout(0)` lets it run (as 3.12's
    wait_for does)."""
    original = COMMON + textwrap.dedent(
        """
        async def main(limit):
            return await asyncio.wait_for(tagging(), limit)
        """
    )
    before, after = run(original, 0), run(fixed(original), 0)
    assert after[:2] == ("ok", "req-42")
    if sys.version_info < (3, 12):
        assert before[:2] == ("raised", (TimeoutError, ()))
    else:
        assert before == after

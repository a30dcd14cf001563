"""AIO101's fix on real asyncio: the original `gather` code and the fixed
`TaskGroup` code return the same values in the same order (a list where gather
returned one), and the documented difference: on a failure the TaskGroup
cancels the sibling and raises an ExceptionGroup."""

from __future__ import annotations

import asyncio
import builtins
import sys
import textwrap
from typing import Any

import pytest

from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.registry import resolve_selection
from aiolint.semantic.context import LintOptions

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is 3.11+")

COROUTINES = """
import asyncio

log = []


async def fetch(name, delay):
    log.append(("start", name))
    await asyncio.sleep(delay)
    log.append(("done", name))
    return name.upper()
"""

SHAPES = {
    "expression": """
async def main():
    await asyncio.gather(fetch("a", 0.03), fetch("b", 0.01))
    return None
""",
    "expression_comprehension": """
async def main():
    await asyncio.gather(*[fetch(n, d) for n, d in [("a", 0.03), ("b", 0.01)] if n])
    return None
""",
    "one_name": """
async def main():
    both = await asyncio.gather(fetch("a", 0.03), fetch("b", 0.01), fetch("c", 0.02))
    return both
""",
    "unpacked": """
async def main():
    x, y = await asyncio.gather(fetch("a", 0.03), fetch("b", 0.01))
    return x, y
""",
    "parenthesized_target": """
async def main():
    (x, y) = await asyncio.gather(fetch("a", 0.03), fetch("b", 0.01))
    return x, y
""",
    "list_target": """
async def main():
    [x, y] = await asyncio.gather(fetch("a", 0.03), fetch("b", 0.01))
    return x, y
""",
    "returned": """
async def main():
    return await asyncio.gather(fetch("a", 0.03), fetch("b", 0.01))
""",
    "list_comprehension": """
async def main():
    return await asyncio.gather(*[fetch(n, d) for n, d in [("a", 0.03), ("b", 0.01), ("c", 0.02)]])
""",
    "generator_expression": """
async def main():
    names = {"a": 0.03, "b": 0.01, "skip": 0.0, "c": 0.02}
    got = await asyncio.gather(*(fetch(n, d) for n, d in names.items() if n != "skip"))
    return got
""",
    "in_a_loop": """
async def main():
    rounds = []
    for i in range(2):
        first, second = await asyncio.gather(fetch(f"a{i}", 0.02), fetch(f"b{i}", 0.01))
        rounds.append((first, second))
    return rounds
""",
    "name_collisions": """
task_fetch_1 = "global"


async def main():
    tg = "local"
    tasks = [tg]
    got = await asyncio.gather(fetch("a", 0.02), fetch("b", 0.01))
    return got, tg, tasks, task_fetch_1
""",
}

ALIASED = """
import asyncio as aio

log = []


async def fetch(name, delay):
    log.append(("start", name))
    await aio.sleep(delay)
    log.append(("done", name))
    return name.upper()


async def main():
    return await aio.gather(fetch("a", 0.03), fetch("b", 0.01))
"""

FAILING = """
import asyncio

cancelled = []


async def boom():
    await asyncio.sleep(0.01)
    raise ValueError("boom")


async def slow():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        cancelled.append("slow")
        raise
    return "slow"


async def main():
    return await asyncio.gather(boom(), slow())
"""


def fixed(source: str) -> str:
    outcome = fix_source(
        source.encode(),
        "shape.py",
        resolve_selection(["AIO101"]),
        LintOptions(target_version=(3, 12)),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None, "the fix was not applied"
    assert not outcome.result.diagnostics, "a gather was left unfixed"
    text = outcome.fixed.decode()
    assert "TaskGroup() as tg" in text and "gather(" not in text
    return text


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "shape"}
    exec(compile(source, "shape.py", "exec"), namespace)
    return namespace


def run(source: str) -> tuple[Any, list[tuple[str, str]]]:
    namespace = load(source)
    result = asyncio.run(namespace["main"]())
    return result, namespace["log"]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_fixed_code_returns_what_gather_returned(shape: str) -> None:
    original = COROUTINES + textwrap.dedent(SHAPES[shape])
    before, before_log = run(original)
    after, after_log = run(fixed(original))
    assert after == before
    assert type(after) is type(before)
    # Both start every awaitable before any finishes, in argument order.
    assert after_log == before_log


def test_results_keep_argument_order_not_completion_order() -> None:
    original = COROUTINES + textwrap.dedent(SHAPES["returned"])
    result, log = run(fixed(original))
    assert result == ["A", "B"]
    assert isinstance(result, list)
    assert [entry for entry in log if entry[0] == "done"] == [("done", "b"), ("done", "a")]


def test_alias_import_is_reused() -> None:
    text = fixed(ALIASED)
    assert "aio.TaskGroup()" in text and "import asyncio\n" not in text
    assert run(text)[0] == run(ALIASED)[0] == ["A", "B"]


async def _outcome(namespace: dict[str, Any]) -> tuple[BaseException, list[str]]:
    """The exception `main` raised, and which siblings were cancelled by then."""
    try:
        await namespace["main"]()
    except Exception as exc:
        return exc, list(namespace["cancelled"])
    raise AssertionError("main() did not raise")


def test_failure_difference_is_the_documented_one() -> None:
    original = load(FAILING)
    error, cancelled = asyncio.run(_outcome(original))
    # gather: the first exception itself, and the sibling is left running.
    assert type(error) is ValueError and str(error) == "boom"
    assert cancelled == []

    rewritten = load(fixed(FAILING))
    error, cancelled = asyncio.run(_outcome(rewritten))
    # TaskGroup: an ExceptionGroup holding it, and the sibling was cancelled first.
    assert isinstance(error, builtins.ExceptionGroup)
    assert [type(e) for e in error.exceptions] == [ValueError]
    assert str(error.exceptions[0]) == "boom"
    assert cancelled == ["slow"]

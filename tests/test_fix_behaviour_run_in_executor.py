"""AIO105's fix on real asyncio: `await loop.run_in_executor(None, f, *args)` and
the fixed `await asyncio.to_thread(f, *args)` run `f` in a thread of the loop's
default executor, not on the loop's thread, return the same value, raise the
same exception, and differ only as the rule documents: the thread now sees the
caller's context variables."""

from __future__ import annotations

import asyncio
import textwrap
import threading
from typing import Any

import pytest

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

COMMON = """
import asyncio
import contextvars
import functools
import threading

request_id = contextvars.ContextVar("request_id", default="unset")
seen = []


def resize(path, size, *, fmt="png"):
    seen.append((threading.current_thread().name, request_id.get()))
    if size < 0:
        raise ValueError(f"bad size {size}")
    return f"{path}@{size}.{fmt}"
"""

SHAPES = {
    "named_loop": """
async def main(path, size):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, resize, path, size)
""",
    "called_right_there": """
async def main(path, size):
    return (await asyncio.get_event_loop().run_in_executor(None, resize, path, size)).upper()
""",
    "partial_for_keywords": """
async def main(path, size):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(resize, path, size, fmt="jpg"))
""",
    "star_args": """
async def main(path, size):
    loop = asyncio.get_running_loop()
    args = (path, size)
    return await loop.run_in_executor(None, resize, *args)
""",
}


def fixed(source: str) -> str:
    outcome = fix_source(
        source.encode(),
        "shape.py",
        resolve_selection(["AIO105"]),
        LintOptions(),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None, "the fix was not applied"
    assert not outcome.result.diagnostics, "a run_in_executor was left unfixed"
    text = outcome.fixed.decode()
    assert "asyncio.to_thread(" in text and "run_in_executor" not in text
    return text


def run(source: str, *args: object, request: str | None = None) -> tuple[Any, list[Any]]:
    """(("ok", result) or ("raised", (type, args)), the (thread name, request id) `f` saw)."""
    namespace: dict[str, Any] = {"__name__": "shape"}
    exec(compile(source, "shape.py", "exec"), namespace)

    async def call() -> Any:
        if request is not None:
            namespace["request_id"].set(request)
        return await namespace["main"](*args)

    try:
        outcome: Any = ("ok", asyncio.run(call()))
    except Exception as exc:
        outcome = ("raised", (type(exc), exc.args))
    return outcome, namespace["seen"]


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("size", [128, -1], ids=["returns", "raises"])
def test_fixed_code_returns_and_raises_what_run_in_executor_did(shape: str, size: int) -> None:
    original = COMMON + textwrap.dedent(SHAPES[shape])
    before, before_seen = run(original, "cat", size)
    after, after_seen = run(fixed(original), "cat", size)
    assert after == before
    # Both ran `f` once, in a worker thread of the default executor.
    main_thread = threading.current_thread().name
    for seen in (before_seen, after_seen):
        assert len(seen) == 1
        assert seen[0][0] != main_thread and seen[0][0].startswith("asyncio_")


def test_the_documented_difference_the_thread_sees_the_callers_context() -> None:
    original = COMMON + textwrap.dedent(SHAPES["named_loop"])
    _, before_seen = run(original, "cat", 1, request="req-42")
    _, after_seen = run(fixed(original), "cat", 1, request="req-42")
    assert [request for _, request in before_seen] == ["unset"]
    assert [request for _, request in after_seen] == ["req-42"]

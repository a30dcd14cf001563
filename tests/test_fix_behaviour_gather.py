"""AIO101's fix on real asyncio: the original `gather` code and the fixed
`TaskGroup` code return the same values in the same order (a list where gather
returned one), raise the same exception object (the first failure itself, not
an ExceptionGroup: callers catching the specific error still catch it), and
differ only as documented: on a failure the TaskGroup cancels the siblings.

`AIO101_fix_errors.py` (a payment adapter translating provider errors, a retry
decorator catching a timeout) is fixed by the real CLI; both versions run."""

from __future__ import annotations

import asyncio
import builtins
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fixture_expectations import FIXTURES

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
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
    # TaskGroup: the same exception itself, and the sibling was cancelled first.
    assert type(error) is ValueError and str(error) == "boom"
    assert isinstance(error.__context__, builtins.BaseExceptionGroup)
    assert cancelled == ["slow"]


# --- the exception contract, on the payment adapter and the retry decorator --------

ERRORS_FIXTURE = FIXTURES / "asyncio" / "AIO101_fix_errors.py"
CLI = (sys.executable, "-m", "aiolint", "check", "--fix", "--unsafe-fixes", "--no-cache")


@pytest.fixture(scope="module")
def errors_fixed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file `aiolint check --fix --unsafe-fixes` writes for a copy of the fixture."""
    target = tmp_path_factory.mktemp("aio101") / ERRORS_FIXTURE.name
    shutil.copyfile(ERRORS_FIXTURE, target)
    proc = subprocess.run(
        [*CLI, "--isolated", "--select", "AIO101", "--target-version", "py312", target.name],
        cwd=target.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr  # every gather fixed
    text = target.read_text()
    assert text == ERRORS_FIXTURE.with_name("AIO101_fix_errors.fixed.py").read_text()
    assert "gather(" not in text and text.count("except BaseExceptionGroup as group:") == 4
    return text


Failures = Callable[[dict[str, Any]], dict[str, list[BaseException]]]


def no_failures(ns: dict[str, Any]) -> dict[str, list[BaseException]]:
    return {}


@dataclass(frozen=True)
class Run:
    """What one call did, seen from its caller when it returned or raised."""

    outcome: tuple[object, ...]
    events: list[str]
    cancelled: list[str]
    error: BaseException | None

    @property
    def retries(self) -> list[str]:
        return [e for e in self.events if e.startswith("retry")]


def describe(error: BaseException, raised: list[BaseException]) -> tuple[object, ...]:
    """The error's type and text, which of the gateway's exceptions it is (by
    identity), and which its `__cause__` is."""

    def index(found: BaseException | None) -> int | None:
        return next((i for i, e in enumerate(raised) if e is found), None)

    return ("raises", type(error).__name__, str(error), index(error), index(error.__cause__))


def call(
    ns: dict[str, Any],
    function: str,
    args: tuple[Any, ...],
    failures: Failures = no_failures,
    cancel_after: float | None = None,
) -> Run:
    async def main() -> Run:
        ns["events"].clear()
        gateway = ns["Gateway"](failures(ns))
        task = asyncio.ensure_future(ns[function](gateway, *args))
        if cancel_after is not None:
            await asyncio.sleep(cancel_after)
            task.cancel()
        try:
            value = await task
        except BaseException as error:  # CancelledError too
            outcome = describe(error, gateway.raised)
            return Run(outcome, list(ns["events"]), list(gateway.cancelled), error)
        return Run(("ok", value), list(ns["events"]), list(gateway.cancelled), None)

    return asyncio.run(main())


def both(
    fixed_source: str, function: str, args: tuple[Any, ...], failures: Failures = no_failures
) -> tuple[Run, Run]:
    """The same call on the original module and on the fixed one."""
    original = call(load(ERRORS_FIXTURE.read_text()), function, args, failures)
    return original, call(load(fixed_source), function, args, failures)


def timeouts(call_name: str, count: int) -> Failures:
    return lambda ns: {call_name: [ns["GatewayTimeout"](f"timeout {i}") for i in range(count)]}


@pytest.mark.parametrize(
    ("function", "args"),
    [
        ("charge", (7, 100)),
        ("customer_with_score", (2,)),
        ("warm_customers", ([1, 2, 3],)),
        ("customers", ([3, 1, 2],)),
    ],
)
def test_success_paths_return_the_same(errors_fixed: str, function: str, args: tuple) -> None:
    original, fixed_run = both(errors_fixed, function, args)
    assert original.outcome[0] == "ok"
    assert fixed_run.outcome == original.outcome
    assert fixed_run.events == original.events
    assert fixed_run.cancelled == original.cancelled == []


def test_the_adapter_still_translates_the_provider_error(errors_fixed: str) -> None:
    """`except AuthenticationError` around the call catches it: the caller gets
    `PaymentDeclined` caused by the provider's error, as with gather."""

    def bad_key(ns: dict[str, Any]) -> dict[str, list[BaseException]]:
        return {"authorize": [ns["AuthenticationError"]("invalid API key")]}

    original, fixed_run = both(errors_fixed, "charge", (7, 100), bad_key)
    expected = ("raises", "PaymentDeclined", "the payment provider refused the API key", None, 0)
    assert original.outcome == expected
    assert fixed_run.outcome == expected
    assert fixed_run.events == original.events == ["start authorize", "start fraud_score"]
    # The documented difference: the TaskGroup cancelled the sibling first.
    assert original.cancelled == []
    assert fixed_run.cancelled == ["fraud_score"]


def test_an_error_the_adapter_does_not_translate_reaches_the_caller_as_itself(
    errors_fixed: str,
) -> None:
    def slow_score(ns: dict[str, Any]) -> dict[str, list[BaseException]]:
        return {"fraud_score": [ns["GatewayTimeout"]("score timed out")]}

    original, fixed_run = both(errors_fixed, "charge", (7, 100), slow_score)
    assert (
        original.outcome
        == fixed_run.outcome
        == ("raises", "GatewayTimeout", "score timed out", 0, None)
    )
    assert fixed_run.events == original.events


@pytest.mark.parametrize("function", ["customer_with_score", "warm_customers", "customers"])
def test_the_retry_decorator_still_retries(errors_fixed: str, function: str) -> None:
    """Two timeouts, then success: retried twice, same result."""
    args = (1,) if function == "customer_with_score" else ([1, 2],)
    original, fixed_run = both(errors_fixed, function, args, timeouts("customer 1", 2))
    assert original.outcome[0] == "ok"
    assert fixed_run.outcome == original.outcome
    assert fixed_run.retries == original.retries == ["retry 1", "retry 2"]


def test_the_retry_decorator_gives_up_with_the_last_timeout_itself(errors_fixed: str) -> None:
    original, fixed_run = both(errors_fixed, "customer_with_score", (1,), timeouts("customer 1", 9))
    assert original.outcome == ("raises", "GatewayTimeout", "timeout 3", 3, None)
    assert fixed_run.outcome == original.outcome
    assert fixed_run.retries == original.retries == ["retry 1", "retry 2", "retry 3"]


def test_two_failures_raise_the_first_and_keep_the_other_in_the_context(
    errors_fixed: str,
) -> None:
    """Two tasks fail in the same step of the loop: gather raised the first;
    the fixed code raises the same one, the TaskGroup's group of both as its
    `__context__` (so a traceback still shows the second)."""
    fixed_ns = load(errors_fixed)
    fixed_ns["customers"] = fixed_ns["customers"].__wrapped__  # the call itself, no retry
    original_ns = load(ERRORS_FIXTURE.read_text())
    original_ns["customers"] = original_ns["customers"].__wrapped__
    original = call(original_ns, "customers", ([0, 0],), timeouts("customer 0", 2))
    fixed_run = call(fixed_ns, "customers", ([0, 0],), timeouts("customer 0", 2))
    assert original.outcome == ("raises", "GatewayTimeout", "timeout 0", 0, None)
    assert fixed_run.outcome == original.outcome
    group = fixed_run.error.__context__ if fixed_run.error else None
    assert isinstance(group, builtins.BaseExceptionGroup)
    assert [str(e) for e in group.exceptions] == ["timeout 0", "timeout 1"]


def test_a_task_raising_its_own_exception_group_raises_that_group(errors_fixed: str) -> None:
    def batch_error(ns: dict[str, Any]) -> dict[str, list[BaseException]]:
        return {"authorize": [builtins.ExceptionGroup("provider batch", [ValueError("card")])]}

    original, fixed_run = both(errors_fixed, "charge", (7, 100), batch_error)
    assert original.outcome == (
        "raises",
        "ExceptionGroup",
        "provider batch (1 sub-exception)",
        0,
        None,
    )
    assert fixed_run.outcome == original.outcome


def test_cancelling_the_caller_raises_cancelled_error_and_cancels_the_tasks(
    errors_fixed: str,
) -> None:
    runs = [
        call(load(source), "charge", (7, 100), cancel_after=0.005)
        for source in (ERRORS_FIXTURE.read_text(), errors_fixed)
    ]
    for run in runs:
        assert run.outcome == ("raises", "CancelledError", "", None, None)
        assert sorted(run.cancelled) == ["authorize", "fraud_score"]
        assert run.events == ["start authorize", "start fraud_score"]


def test_without_the_unwrapping_the_callers_would_not_catch_it(errors_fixed: str) -> None:
    """The comparison is not vacuous: the TaskGroup alone raises a group that
    `except AuthenticationError` does not catch."""
    bare = errors_fixed.replace("raise group.exceptions[0]", "raise")

    def bad_key(ns: dict[str, Any]) -> dict[str, list[BaseException]]:
        return {"authorize": [ns["AuthenticationError"]("invalid API key")]}

    run = call(load(bare), "charge", (7, 100), bad_key)
    assert run.outcome[:2] == ("raises", "ExceptionGroup")
    retried = call(load(bare), "customer_with_score", (1,), timeouts("customer 1", 2))
    assert retried.outcome[:2] == ("raises", "ExceptionGroup") and retried.retries == []


def test_no_fix_where_base_exception_group_is_not_the_builtin() -> None:
    source = (
        "import asyncio\n\nfrom app.errors import BaseExceptionGroup\n\n\n"
        "async def job():\n    return 1\n\n\n"
        "async def main():\n    return await asyncio.gather(job(), job())\n"
    )
    outcome = fix_source(
        source.encode(),
        "shape.py",
        resolve_selection(["AIO101"]),
        LintOptions(target_version=(3, 12)),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None and outcome.fixed is None
    assert [d.code for d in outcome.result.diagnostics] == ["AIO101"]

"""Whether awaitables that run concurrently share one `AsyncSession`.

One answer for every rule that asks: AIO305 reports the sharing, and AIO101
offers no TaskGroup fix for a `gather` that shares a session (a TaskGroup over
one session is as wrong; the right change is sequential awaits). The answer for
a `gather(...)` / `wait([...])` call is computed once per file and call
(`ctx.memo`), whichever rule asks first.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from aiolint.semantic.bindings import single_binding_value
from aiolint.semantic.context import FileContext
from aiolint.semantic.names import call_name, dotted, may_call
from aiolint.semantic.sqlalchemy import SqlaKind, classify

GATHER = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
WAIT = frozenset({"asyncio.wait", "asyncio.tasks.wait"})
CREATE_TASK = frozenset({"asyncio.create_task", "asyncio.tasks.create_task"})

_MEMO = "shared_session.calls"


@dataclass(frozen=True, slots=True)
class SharedSession:
    """The session (its dotted name) the most awaitables use, and how many."""

    session: str
    users: int


def concurrent_awaitables(ctx: FileContext, call: cst.Call) -> list[cst.BaseExpression] | None:
    """The awaitables `asyncio.gather(a, b)` / `asyncio.wait([a, b])` runs
    together, or None when `call` is neither (or their list is not written out)."""
    if not may_call(ctx, call, GATHER | WAIT):
        return None
    name = call_name(ctx, call)
    if name in GATHER:
        return [a.value for a in call.args if a.keyword is None and not a.star]
    if name not in WAIT or not call.args:
        return None
    listed = call.args[0].value
    if not isinstance(listed, cst.List | cst.Tuple | cst.Set):
        return None
    return [e.value for e in listed.elements if isinstance(e, cst.Element)]


def call_shares_session(ctx: FileContext, call: cst.Call) -> SharedSession | None:
    """The `AsyncSession` two or more awaitables of this `gather`/`wait` call
    use, or None (memoized per file)."""
    memo: dict[cst.Call, SharedSession | None] = ctx.memo.setdefault(_MEMO, {})
    if call not in memo:
        awaitables = concurrent_awaitables(ctx, call)
        memo[call] = None if awaitables is None else shared_session(ctx, awaitables)
    return memo[call]


def shared_session(ctx: FileContext, awaitables: list[cst.BaseExpression]) -> SharedSession | None:
    """The `AsyncSession` used by two or more of `awaitables` (the first by
    name when several are), or None."""
    users: dict[str, int] = {}
    for awaitable in awaitables:
        for session in _sessions_used(ctx, _task_body(ctx, awaitable)):
            users[session] = users.get(session, 0) + 1
    shared = sorted(name for name, count in users.items() if count > 1)
    return SharedSession(shared[0], users[shared[0]]) if shared else None


def _task_body(ctx: FileContext, expr: cst.BaseExpression) -> cst.BaseExpression:
    """For a name bound to `asyncio.create_task(<coroutine>)`, the coroutine."""
    if not isinstance(expr, cst.Name):
        return expr
    value = single_binding_value(ctx, expr)
    if (
        isinstance(value, cst.Call)
        and value.args
        and may_call(ctx, value, CREATE_TASK)
        and call_name(ctx, value) in CREATE_TASK
    ):
        return value.args[0].value
    return expr


def _sessions_used(ctx: FileContext, awaitable: cst.BaseExpression) -> set[str]:
    """The AsyncSessions an awaitable (a call) works on: its receiver, its arguments."""
    if isinstance(awaitable, cst.Await):
        awaitable = awaitable.expression
    if not isinstance(awaitable, cst.Call):
        return set()
    candidates: list[cst.BaseExpression] = [a.value for a in awaitable.args if not a.star]
    if isinstance(awaitable.func, cst.Attribute):
        candidates.append(awaitable.func.value)
    found: set[str] = set()
    for candidate in candidates:
        key = dotted(candidate)
        if key and classify(ctx, candidate) is SqlaKind.ASYNC_SESSION:
            found.add(key)
    return found

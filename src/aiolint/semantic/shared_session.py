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
from aiolint.semantic.functions import enclosing_function, enclosing_scope
from aiolint.semantic.names import call_name, dotted, may_call
from aiolint.semantic.project_calls import state_sessions
from aiolint.semantic.sqlalchemy import SqlaKind, classify
from aiolint.semantic.visit_order import own_code

GATHER = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
WAIT = frozenset({"asyncio.wait", "asyncio.tasks.wait"})
CREATE_TASK = frozenset({"asyncio.create_task", "asyncio.tasks.create_task"})

_MEMO = "shared_session.calls"
_COMPREHENSIONS = (cst.ListComp, cst.GeneratorExp, cst.SetComp)
_LOOPS = (cst.For, cst.While, *_COMPREHENSIONS, cst.DictComp)


@dataclass(frozen=True, slots=True)
class SharedSession:
    """The session (its dotted name) the most awaitables use, and how many
    (`in_loop`: one of them is made by a loop, so as many as it has items)."""

    session: str
    users: int
    in_loop: bool = False


@dataclass(frozen=True, slots=True)
class Awaitable:
    """One awaitable that runs concurrently with the others; `many`: a loop
    makes one per item."""

    expression: cst.BaseExpression
    many: bool = False


def concurrent_awaitables(ctx: FileContext, call: cst.Call) -> list[Awaitable] | None:
    """The awaitables `asyncio.gather(a, b, *more)` / `asyncio.wait([a, b])` /
    `asyncio.wait(tasks)` runs together, or None when `call` is neither."""
    if not may_call(ctx, call, GATHER | WAIT):
        return None
    name = call_name(ctx, call)
    if name in GATHER:
        found: list[Awaitable] = []
        for arg in call.args:
            if arg.keyword is not None or arg.star == "**":
                continue
            if arg.star:
                found.extend(_collection(ctx, call, arg.value))
            else:
                found.append(Awaitable(arg.value))
        return found
    if name not in WAIT or not call.args:
        return None
    listed = call.args[0].value
    if not isinstance(listed, cst.List | cst.Tuple | cst.Set):
        return _collection(ctx, call, listed)
    return [Awaitable(e.value) for e in listed.elements if isinstance(e, cst.Element)]


def in_loop(ctx: FileContext, node: cst.CSTNode, within: cst.CSTNode) -> bool:
    """Whether `node` runs once per item of a loop or comprehension inside `within`."""
    current = ctx.parent(node)
    while current is not None and current is not within:
        if isinstance(current, _LOOPS):
            return True
        if isinstance(current, cst.FunctionDef | cst.Lambda | cst.ClassDef):
            return False
        current = ctx.parent(current)
    return False


def _collection(ctx: FileContext, call: cst.Call, expr: cst.BaseExpression) -> list[Awaitable]:
    """The awaitables a starred or listed collection holds: a comprehension's
    element (one per item), or what the function appends to a local list."""
    if isinstance(expr, _COMPREHENSIONS):
        return [Awaitable(expr.elt, many=True)]
    if not isinstance(expr, cst.Name):
        return []
    value = single_binding_value(ctx, expr)
    if isinstance(value, _COMPREHENSIONS):
        return [Awaitable(value.elt, many=True)]
    found: list[Awaitable] = []
    if isinstance(value, cst.List | cst.Tuple):
        found.extend(Awaitable(e.value) for e in value.elements if isinstance(e, cst.Element))
    function = enclosing_function(ctx, call)
    if function is None:
        return found
    for node in own_code(function.body):
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "append"
            and isinstance(node.func.value, cst.Name)
            and node.func.value.value == expr.value
            and len(node.args) == 1
        ):
            found.append(Awaitable(node.args[0].value, many=in_loop(ctx, node, function)))
    return found


def call_shares_session(ctx: FileContext, call: cst.Call) -> SharedSession | None:
    """The `AsyncSession` two or more awaitables of this `gather`/`wait` call
    use, or None (memoized per file)."""
    memo: dict[cst.Call, SharedSession | None] = ctx.memo.setdefault(_MEMO, {})
    if call not in memo:
        awaitables = concurrent_awaitables(ctx, call)
        memo[call] = None if awaitables is None else shared_session(ctx, awaitables)
    return memo[call]


def shared_session(ctx: FileContext, awaitables: list[Awaitable]) -> SharedSession | None:
    """The `AsyncSession` used by two or more of `awaitables` (the first by
    name when several are), or None."""
    users: dict[str, int] = {}
    looped: set[str] = set()
    for awaitable in awaitables:
        for session in _sessions_used(ctx, _task_body(ctx, awaitable.expression)):
            users[session] = users.get(session, 0) + (2 if awaitable.many else 1)
            if awaitable.many:
                looped.add(session)
    shared = sorted(name for name, count in users.items() if count > 1)
    if not shared:
        return None
    return SharedSession(shared[0], users[shared[0]], shared[0] in looped)


def _task_body(ctx: FileContext, expr: cst.BaseExpression) -> cst.BaseExpression:
    """The coroutine of a task: `asyncio.create_task(<coroutine>)`, written in
    place or bound to a name."""
    value: cst.CSTNode | None = expr
    if isinstance(expr, cst.Name):
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
    found: set[str] = set()
    if isinstance(awaitable.func, cst.Attribute):
        candidates.append(awaitable.func.value)
        candidates.extend(_state_used(ctx, awaitable))
        for used in state_sessions(ctx, awaitable):
            if isinstance(used, str):
                found.add(used)  # `svc.session` of a parameter, known to be one
            else:
                candidates.append(used)
    for candidate in candidates:
        key = dotted(candidate)
        if key and classify(ctx, candidate) is SqlaKind.ASYNC_SESSION:
            found.add(key)
    return found


def _state_used(ctx: FileContext, call: cst.Call) -> list[cst.BaseExpression]:
    """For `self.load(...)` in a method, the `self.<attr>` receivers and
    arguments the method `load` of the same class works with."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return []
    caller = enclosing_function(ctx, call)
    owner = enclosing_scope(ctx, caller) if caller is not None else None
    if caller is None or not isinstance(owner, cst.ClassDef):
        return []
    params = caller.params.params
    receiver = func.value.value
    if not params or params[0].name.value != receiver:
        return []
    method = next(
        (
            s
            for s in owner.body.body
            if isinstance(s, cst.FunctionDef) and s.name.value == func.attr.value
        ),
        None,
    )
    if method is None or not method.params.params:
        return []
    own = method.params.params[0].name.value
    found: list[cst.BaseExpression] = []
    for node in own_code(method.body):
        if not isinstance(node, cst.Call):
            continue
        used = [a.value for a in node.args if not a.star]
        if isinstance(node.func, cst.Attribute):
            used.append(node.func.value)
        for expr in used:
            if (
                isinstance(expr, cst.Attribute)
                and isinstance(expr.value, cst.Name)
                and expr.value.value == own
            ):
                found.append(expr)
    return found

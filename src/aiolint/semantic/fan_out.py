"""Fan-outs: one task per item of a collection of unknown size (AIO106).

A fan-out is a call that runs, concurrently, one awaitable made per item of a
loop: `asyncio.gather(*[f(x) for x in xs])`, `asyncio.gather(*tasks)` /
`asyncio.wait(tasks)` after a loop that appends (the awaitables as
`aiolint.semantic.shared_session.concurrent_awaitables` finds them, tasks of
`asyncio.create_task(...)` included), `tg.create_task(f(x))` in a loop of
an `asyncio.TaskGroup` block, or `tg.start_soon(f, x)` in a loop of an anyio
task group (`anyio.create_task_group()`) or a trio nursery. A loop over
`range(<literal>)` or a literal collection of fewer than `SMALL` items is
bounded: no fan-out; so is a runner that is itself in a loop of its function
(`for chunk in chunks: await asyncio.gather(*[f(x) for x in chunk])`:
batches, whose size the loop's collection does not tell).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from aiolint.semantic.context import FileContext
from aiolint.semantic.names import call_name, may_call, qualified_name
from aiolint.semantic.shared_session import (
    CREATE_TASK,
    GATHER,
    concurrent_awaitables,
)

TASK_GROUP = frozenset({"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup"})
#: anyio task groups and trio nurseries: `start_soon(func, *args)`.
SOON_GROUP = frozenset({"anyio.create_task_group", "trio.open_nursery"})
ENSURE_FUTURE = frozenset({"asyncio.ensure_future", "asyncio.tasks.ensure_future"})
#: A loop over fewer items than this (known from literals) is bounded.
SMALL = 50
_COMPREHENSIONS = (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


@dataclass(frozen=True, slots=True)
class FanOut:
    """The function each task runs (`f` of `f(x)`, or of `start_soon(f, x)`),
    the call it is written in, what runs the tasks (`asyncio.gather()`), and
    the items (as shown: "`user_ids`")."""

    func: cst.BaseExpression
    at: cst.Call
    runner: str
    items: str


def fan_outs(ctx: FileContext, call: cst.Call) -> list[FanOut]:
    """The unbounded fan-outs `call` runs (see the module doc)."""
    found: list[FanOut] = []
    awaitables = concurrent_awaitables(ctx, call)
    if awaitables is not None:
        if _in_loop(ctx, call):
            return found
        runner = "`asyncio.gather()`" if call_name(ctx, call) in GATHER else "`asyncio.wait()`"
        for awaitable in awaitables:
            if not awaitable.many:
                continue
            task = _task_call(ctx, awaitable.expression)
            items = _unbounded_items(ctx, awaitable.expression, within=call)
            if task is not None and items is not None:
                found.append(FanOut(task.func, task, runner, items))
        return found
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value in ("create_task", "start_soon")
        and isinstance(func.value, cst.Name)
        and call.args
        and call.args[0].keyword is None
        and not call.args[0].star
    ):
        soon = func.attr.value == "start_soon"
        name = func.value.value
        group = _task_group(ctx, call, name, SOON_GROUP if soon else TASK_GROUP)
        if group is None or _in_loop(ctx, group):
            return found
        items = _unbounded_items(ctx, call, within=group)
        if items is None:
            return found
        if soon:
            runner = f"the task group `{name}`"
            found.append(FanOut(call.args[0].value, call, runner, items))
        else:
            task = _task_call(ctx, call.args[0].value)
            if task is not None:
                found.append(FanOut(task.func, task, f"the TaskGroup `{name}`", items))
    return found


def _in_loop(ctx: FileContext, node: cst.CSTNode) -> bool:
    """`node` runs once per iteration of a loop of its own function."""
    current = ctx.parent(node)
    while current is not None and not isinstance(current, _SCOPES):
        if isinstance(current, (cst.For, cst.While, *_COMPREHENSIONS)):
            return True
        current = ctx.parent(current)
    return False


def _task_call(ctx: FileContext, expr: cst.BaseExpression) -> cst.Call | None:
    """The call a task runs: `f(x)`, `await f(x)`, `asyncio.create_task(f(x))`."""
    if isinstance(expr, cst.Await):
        expr = expr.expression
    if not isinstance(expr, cst.Call):
        return None
    wrappers = CREATE_TASK | ENSURE_FUTURE
    if expr.args and may_call(ctx, expr, wrappers) and call_name(ctx, expr) in wrappers:
        inner = expr.args[0].value
        return inner if isinstance(inner, cst.Call) else None
    return expr


def _task_group(
    ctx: FileContext, call: cst.Call, name: str, makers: frozenset[str]
) -> cst.With | None:
    """The `async with <one of makers>() as <name>:` block `call` is in."""
    current = ctx.parent(call)
    while current is not None and not isinstance(current, _SCOPES):
        if isinstance(current, cst.With) and current.asynchronous is not None:
            for item in current.items:
                target = item.asname.name if item.asname is not None else None
                made = item.item
                if (
                    isinstance(target, cst.Name)
                    and target.value == name
                    and isinstance(made, cst.Call)
                    and may_call(ctx, made, makers)
                    and call_name(ctx, made) in makers
                ):
                    return current
        current = ctx.parent(current)
    return None


def _unbounded_items(
    ctx: FileContext, node: cst.CSTNode, within: cst.CSTNode | None = None
) -> str | None:
    """The items of the loops `node` runs in (up to its function, or
    `within`), as shown, when one of them may be many; None when every loop
    is bounded by literals (or there is none)."""
    unbounded: list[str] = []
    current = ctx.parent(node)
    while current is not None and current is not within and not isinstance(current, _SCOPES):
        if isinstance(current, cst.While):
            unbounded.append("a `while` loop")
        elif isinstance(current, cst.For):
            if not _small(ctx, current.iter):
                unbounded.append(_shown(current.iter))
        elif isinstance(current, _COMPREHENSIONS):
            for_in: cst.CompFor | None = current.for_in
            while for_in is not None:
                if not _small(ctx, for_in.iter):
                    unbounded.append(_shown(for_in.iter))
                for_in = for_in.inner_for_in
        current = ctx.parent(current)
    return unbounded[-1] if unbounded else None


def _shown(node: cst.BaseExpression) -> str:
    text = cst.Module([]).code_for_node(node)
    return f"`{text}`" if len(text) <= 60 else "a collection"


def _small(ctx: FileContext, iterable: cst.BaseExpression) -> bool:
    """Fewer than `SMALL` items, known from literals."""
    if isinstance(iterable, cst.List | cst.Tuple | cst.Set):
        return len(iterable.elements) < SMALL and all(
            isinstance(e, cst.Element) for e in iterable.elements
        )
    if not isinstance(iterable, cst.Call) or qualified_name(ctx, iterable.func) != "builtins.range":
        return False
    bounds = [_integer(a.value) for a in iterable.args if a.keyword is None and not a.star]
    if len(bounds) != len(iterable.args) or None in bounds:
        return False
    if len(bounds) == 1:
        return bounds[0] < SMALL  # type: ignore[operator]
    if len(bounds) in (2, 3):
        step = bounds[2] if len(bounds) == 3 else 1
        start, stop = bounds[0], bounds[1]
        return bool(step) and len(range(start, stop, step)) < SMALL  # type: ignore[arg-type]
    return False


def _integer(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        return -int(node.expression.value.replace("_", ""), 0)
    return None

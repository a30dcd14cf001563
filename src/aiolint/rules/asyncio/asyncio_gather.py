"""AIO101: `asyncio.gather(...)` where `asyncio.TaskGroup` is available."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import FixAvailability
from aiolint.engine.rule import Rule
from aiolint.rules.asyncio.gather_taskgroup import gather_fix
from aiolint.semantic.names import call_name, may_call

GATHER = frozenset({"asyncio.gather", "asyncio.tasks.gather"})


class AsyncioGather(Rule):
    """`asyncio.gather()` used where `asyncio.TaskGroup` (Python 3.11+) is available.

    ## What it does
    Finds calls to `asyncio.gather` (under any import alias, also as
    `asyncio.tasks.gather`), in async and sync code alike, when the target
    Python is 3.11 or newer. A `gather` of another library or of this module
    is not flagged.

    ## Why is this bad?
    When one awaitable passed to `gather` fails, `gather` raises its exception
    at once but leaves the other tasks running: nobody awaits them any more,
    their errors are lost and they keep holding connections. An
    `asyncio.TaskGroup` cancels the remaining tasks when one fails and waits for
    them before it raises, so no task outlives the block that started it.

    With `return_exceptions=True`, `gather` collects failures as results
    instead; `TaskGroup` has no equivalent, so each task must catch the
    exceptions it wants to report itself.

    ## Example
    ```python
    import asyncio


    async def load_dashboard(api, user_id):
        profile, orders = await asyncio.gather(api.profile(user_id), api.orders(user_id))
        return profile, orders
    ```

    ## Use instead
    ```python
    import asyncio


    async def load_dashboard(api, user_id):
        async with asyncio.TaskGroup() as tg:
            task_profile = tg.create_task(api.profile(user_id))
            task_orders = tg.create_task(api.orders(user_id))
        profile, orders = task_profile.result(), task_orders.result()
        return profile, orders
    ```

    ## Fix safety
    The fix is unsafe. It rewrites a `gather` that is directly awaited as a
    whole statement (`await gather(...)`, `x = await gather(...)`,
    `x, y = await gather(...)`, `return await gather(...)`) alone on its line
    in an `async def`, into an `async with asyncio.TaskGroup() as tg:` block
    with one `task_<callee> = tg.create_task(...)` per argument (or
    `tasks = [tg.create_task(f(i)) for i in xs]` for
    `gather(*[f(i) for i in xs])` and `gather(*(f(i) for i in xs))`), followed
    by the statement reading the results: `x, y = task_a.result(), task_b.result()`,
    and a list (what `gather` returned) for `x = ...` and `return ...`. An
    expression statement reads no results, so its tasks get no names
    (`tg.create_task(a())`) and a one-`for` comprehension becomes a `for` loop
    when its loop variables are used nowhere else in the function. New
    names never reuse a name of the function or of its enclosing and global
    scopes (`tg_1`, `task_fetch_2`, ...). Comments stay on the lines they
    describe; `asyncio.TaskGroup` is spelled with the file's `asyncio` import.

    The block keeps `gather`'s exception contract: a TaskGroup raises an
    `ExceptionGroup`, which an `except AuthenticationError:` around the call
    or in any caller (an adapter translating errors, a retry decorator) no
    longer catches, so the fix wraps it:
    ```python
    try:
        async with asyncio.TaskGroup() as tg:
            task_profile = tg.create_task(api.profile(user_id))
            task_orders = tg.create_task(api.orders(user_id))
    except BaseExceptionGroup as group:
        raise group.exceptions[0]
    profile, orders = task_profile.result(), task_orders.result()
    ```
    and the fixed code raises what `gather` raised: the first failure itself,
    with its `__cause__` and traceback (a task that raises an
    `ExceptionGroup` of its own raises that group, as with `gather`). The
    handler's name is new in the function (`group_1`...); no fix is offered
    where `BaseExceptionGroup` is not the builtin.

    It is unsafe because a `TaskGroup` behaves differently on failure: the
    first failing task cancels its siblings (their cleanup runs then), where
    `gather` raised the first exception at once and let the others run on,
    unawaited. What also stays different: when several tasks fail (in the
    same step of the event loop, or a sibling raising while it is cancelled),
    the first is raised and the others stay only in the TaskGroup's group,
    which becomes its `__context__` (tracebacks show it; the `__context__` it
    had is replaced); a task cancelled on its own, not through the caller,
    made `gather` raise `CancelledError`, where the TaskGroup lets the others
    finish and only reading that task's result raises it; `tg.create_task`
    accepts only coroutines, where `gather` also took futures and tasks.

    No fix is offered with `return_exceptions=` or any other keyword
    argument; with a `*args` that is not a comprehension; when an argument is
    not a call, or calls something known to return a future or task
    (`asyncio.ensure_future`, `create_task`, `run_in_executor`, another
    `gather`...); when an argument or the comprehension contains `await`,
    `yield` or `async for` (that would let the first tasks start while later
    ones are still being created); when a `x, y = ...` target has a starred
    name or a different number of names; and when the `gather` is nested in
    another expression, shares its line with another statement, or is not in
    an `async def`; and when two or more of the awaitables use one
    `AsyncSession` (what AIO305 reports, also under its `noqa`): a TaskGroup
    over one session is as wrong, the fix there is to await the queries one
    after another.

    ## References
    - [asyncio.TaskGroup](https://docs.python.org/3/library/asyncio-task.html#task-groups)
    - [asyncio.gather](https://docs.python.org/3/library/asyncio-task.html#asyncio.gather)
    """

    code = "AIO101"
    name = "asyncio-gather"
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("asyncio",)
    min_target = (3, 11)

    @classmethod
    def may_match(cls, text: str) -> bool:
        return super().may_match(text) and "gather" in text

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.calls_to(GATHER)

    def visit_Call(self, node: cst.Call) -> None:
        if not may_call(self.ctx, node, GATHER) or call_name(self.ctx, node) not in GATHER:
            return
        fix = None
        if _returns_exceptions(node):
            message = (
                "`asyncio.gather(..., return_exceptions=True)` is not structured "
                "concurrency and `asyncio.TaskGroup` has no `return_exceptions=True`; "
                "use `asyncio.TaskGroup` and catch the exceptions to report inside each task"
            )
        else:
            message = (
                "`asyncio.gather()` leaves the other tasks running when one fails; "
                "use `async with asyncio.TaskGroup() as tg:` and `tg.create_task(...)`"
            )
            fix = gather_fix(self.ctx, node)
        self.report(node, message, fix=fix)


def _returns_exceptions(call: cst.Call) -> bool:
    """`return_exceptions=` passed with anything but a literal `False`."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "return_exceptions":
            value = arg.value
            return not (isinstance(value, cst.Name) and value.value == "False")
    return False

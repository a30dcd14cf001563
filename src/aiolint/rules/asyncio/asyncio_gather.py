"""AIO101: `asyncio.gather(...)` where `asyncio.TaskGroup` is available."""

import libcst as cst

from aiolint.model import FixAvailability
from aiolint.rule import Rule
from aiolint.semantic.names import call_name

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
            profile_task = tg.create_task(api.profile(user_id))
            orders_task = tg.create_task(api.orders(user_id))
        return profile_task.result(), orders_task.result()
    ```

    ## Fix safety
    No automatic fix yet; a fix (unsafe: a `TaskGroup` cancels the other tasks
    when one fails and accepts only coroutines, rewriting a directly awaited
    `gather` into an `async with asyncio.TaskGroup()` block) is planned.

    ## References
    - [asyncio.TaskGroup](https://docs.python.org/3/library/asyncio-task.html#task-groups)
    - [asyncio.gather](https://docs.python.org/3/library/asyncio-task.html#asyncio.gather)
    """

    code = "AIO101"
    name = "asyncio-gather"
    fix_availability = FixAvailability.NONE
    prefilter = ("asyncio",)
    min_target = (3, 11)

    def visit_Call(self, node: cst.Call) -> None:
        if call_name(self.ctx, node) not in GATHER:
            return
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
        self.report(node, message)


def _returns_exceptions(call: cst.Call) -> bool:
    """`return_exceptions=` passed with anything but a literal `False`."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "return_exceptions":
            value = arg.value
            return not (isinstance(value, cst.Name) and value.value == "False")
    return False

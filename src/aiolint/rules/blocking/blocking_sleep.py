"""AIO201: `time.sleep` inside async code."""

import libcst as cst

from aiolint.model import FixAvailability
from aiolint.rule import Rule
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.names import call_name


class BlockingSleep(Rule):
    """`time.sleep()` called inside an `async def`.

    ## What it does
    Finds calls to `time.sleep` (under any import alias) made in the body of an
    `async def`, outside nested `def`, `lambda` and class bodies.

    ## Why is this bad?
    `time.sleep` blocks the thread that runs the event loop: for the whole
    delay no other task runs, no request is served and no timeout fires.
    `asyncio.sleep` suspends only the current task.

    ## Example
    ```python
    import time


    async def poll_status(client):
        while not await client.ready():
            time.sleep(0.5)
    ```

    ## Use instead
    ```python
    import asyncio


    async def poll_status(client):
        while not await client.ready():
            await asyncio.sleep(0.5)
    ```

    ## Fix safety
    A safe fix replaces the call with `await asyncio.sleep(...)` (issue #3 of
    the fix engine); passing `time.sleep` itself to `asyncio.to_thread` is not
    a call and is not flagged.

    ## References
    - [asyncio.sleep](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    """

    code = "AIO201"
    name = "blocking-sleep"
    fix_availability = FixAvailability.NONE
    prefilter = ("time",)
    async_only = True

    def visit_Call(self, node: cst.Call) -> None:
        if call_name(self.ctx, node) == "time.sleep" and in_async_code(self.ctx, node):
            self.report(
                node,
                "Blocking `time.sleep()` in async code stalls the event loop; "
                "use `await asyncio.sleep(...)`",
            )

"""AIO201: `time.sleep` inside async code."""

import libcst as cst

from aiolint.engine import known_names
from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Applicability, Edit, Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.fixes.imports import reference
from aiolint.fixes.nodes import await_expression, in_generator_expression
from aiolint.semantic.async_library import Library, async_library, sleep_call
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.names import call_name, may_call

SLEEP = known_names.SLEEP_FUNCTIONS


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
    The fix is safe: it replaces the call with `await asyncio.sleep(...)`
    (both return `None` after the delay), reusing the file's `asyncio` import
    or adding `import asyncio`. It is written for the file's async library:
    `await anyio.sleep(...)` in a file that imports anyio, `await
    trio.sleep(...)` in one that imports trio and not asyncio; a file that
    imports both trio and asyncio (and not anyio) gets no fix, as no sleep is
    right for both. It is not offered inside a generator
    expression (an `await` there would turn it into an async generator) or
    when the call unpacks `*args`/`**kwargs`. Passing `time.sleep` itself to
    `asyncio.to_thread` is not a call and is not flagged.

    ## References
    - [asyncio.sleep](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    """

    code = "AIO201"
    name = "blocking-sleep"
    peer_codes = ("ASYNC251",)
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("time",)
    async_only = True

    @classmethod
    def may_match(cls, text: str) -> bool:
        return super().may_match(text) and "sleep" in text

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.calls_to(SLEEP, in_async=True)

    def visit_Call(self, node: cst.Call) -> None:
        if (
            may_call(self.ctx, node, SLEEP)
            and call_name(self.ctx, node) in SLEEP
            and in_async_code(self.ctx, node)
        ):
            library = async_library(self.ctx)
            self.report(
                node,
                "Blocking `time.sleep()` in async code stalls the event loop; "
                f"use `{sleep_call(library)}`",
                fix=self._fix(node, library),
            )

    def _fix(self, node: cst.Call, library: Library | None) -> Fix | None:
        if library is None:
            return None  # trio and asyncio both imported: no sleep is right for both
        if len(node.args) != 1 or node.args[0].star or node.args[0].keyword is not None:
            return None
        if in_generator_expression(self.ctx, node):
            return None
        sleep = reference(self.ctx, library, "sleep", node)
        if sleep is None:
            return None
        call = node.with_changes(func=sleep.expression())
        return Fix(
            f"Replace with `{sleep_call(library)}`",
            Applicability.SAFE,
            (Edit(node, await_expression(self.ctx, node, call)),),
            sleep.imports,
        )

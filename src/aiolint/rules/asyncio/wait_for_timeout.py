"""AIO104: `asyncio.wait_for(aw, t)` where `async with asyncio.timeout(t):` composes (3.11+)."""

from __future__ import annotations

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import FixAvailability
from aiolint.engine.rule import Rule
from aiolint.rules.asyncio.wait_for_fix import timeout_fix, wait_for_arguments
from aiolint.semantic.async_library import async_library
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.names import call_name, may_call

WAIT_FOR = frozenset({"asyncio.wait_for", "asyncio.tasks.wait_for"})


class WaitForTimeout(Rule):
    """`asyncio.wait_for(aw, timeout)` where `async with asyncio.timeout(timeout):` composes.

    ## What it does
    Finds calls of `asyncio.wait_for` (under any import alias) in the body of
    an `async def`, in files whose target Python is 3.11 or newer (where
    `asyncio.timeout()` exists) and whose async library is asyncio: a file
    that imports anyio or trio is left alone (see the README's "The async
    library"). A `wait_for(aw, None)` is reported too: it sets no timeout at
    all, and `await aw` says the same.

    ## Why is this bad?
    `wait_for` puts a deadline on one awaitable. `asyncio.timeout()` puts it
    on a block: several awaits share one deadline, timeouts nest (an inner
    one cannot outlive the outer one), and on Python 3.11 `wait_for` runs a
    coroutine in a task of its own, so the coroutine's `current_task()` and
    the context variables it sets are not the caller's. Python 3.12
    reimplemented `wait_for` on top of `asyncio.timeout()`.

    ## Example
    ```python
    import asyncio


    async def fetch_price(client, symbol: str) -> float:
        quote = await asyncio.wait_for(client.quote(symbol), timeout=2.0)
        return quote.price
    ```

    ## Use instead
    ```python
    import asyncio


    async def fetch_price(client, symbol: str) -> float:
        async with asyncio.timeout(2.0):
            quote = await client.quote(symbol)
        return quote.price
    ```

    ## Fix safety
    The fix is unsafe. It rewrites `await asyncio.wait_for(aw, t)` standing
    alone as an expression statement, as the value of an assignment
    (`x = await ...`) or of a `return`, in an async function, into
    `async with asyncio.timeout(t):` around the same statement awaiting `aw`
    itself. On 3.11+ both raise `TimeoutError` when the deadline passes, both
    return what `aw` returns, and a Task or Future given to `wait_for` is
    cancelled on timeout in both (cancelling the caller cancels the future it
    awaits). What changes:
    - on Python 3.11, `wait_for` ran a coroutine in a new task: context
      variables it set (`ContextVar.set`) did not reach the caller, and now
      they do; `asyncio.current_task()` inside it is now the caller's task;
    - a timeout of zero or less: 3.11's `wait_for` cancelled the coroutine
      before it started, `timeout()` lets it run until its first suspension
      (3.12's `wait_for` behaves like `timeout()` here);
    - the timeout expression is now evaluated before the awaitable; the fix is
      not offered when the timeout calls anything (`wait_for(c(), get_timeout())`).

    No fix for `wait_for(aw, None)` (no timeout: write `await aw`), for a
    `wait_for` nested in another expression, sharing its line with another
    statement or not awaited right there, for `*args`/`**kwargs`, or when a
    comment inside the call would be lost. `asyncio.timeout` is spelled with
    the file's `asyncio` import (`import asyncio as aio` gives
    `aio.timeout`), or `import asyncio` is added.

    ## References
    - [asyncio.timeout](https://docs.python.org/3/library/asyncio-task.html#asyncio.timeout)
    - [asyncio.wait_for](https://docs.python.org/3/library/asyncio-task.html#asyncio.wait_for)
    """

    code = "AIO104"
    name = "wait-for-timeout"
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("wait_for",)
    async_only = True
    min_target = (3, 11)

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.calls_to(WAIT_FOR, in_async=True)

    def visit_Call(self, node: cst.Call) -> None:
        if not may_call(self.ctx, node, WAIT_FOR) or call_name(self.ctx, node) not in WAIT_FOR:
            return
        if not in_async_code(self.ctx, node) or async_library(self.ctx) != "asyncio":
            return
        arguments = wait_for_arguments(node)
        if arguments is not None and _is_none(arguments[1]):
            self.report(
                node,
                "`asyncio.wait_for(aw, None)` sets no timeout; `await aw` does the same",
            )
            return
        self.report(
            node,
            "`asyncio.wait_for()` puts a deadline on one awaitable (and on 3.11 runs a "
            "coroutine in a task of its own); use `async with asyncio.timeout(...):` "
            "around the awaits it should bound",
            fix=timeout_fix(self.ctx, node),
        )


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"

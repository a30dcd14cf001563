"""AIO105: `loop.run_in_executor(None, f, *args)` where `asyncio.to_thread(f, *args)` says it."""

from __future__ import annotations

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Applicability, Edit, Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.fixes.imports import reference
from aiolint.fixes.nodes import comment_counts
from aiolint.semantic.bindings import origin
from aiolint.semantic.functions import in_async_code

#: The running loop, as `semantic.bindings.origin` describes it (a new loop is not it).
RUNNING_LOOPS = frozenset(
    f"{module}.{function}()"
    for module in ("asyncio", "asyncio.events")
    for function in ("get_running_loop", "get_event_loop")
)
LOOP_FUNCTIONS = frozenset(loop.removesuffix("()") for loop in RUNNING_LOOPS)


class RunInExecutorToThread(Rule):
    """`loop.run_in_executor(None, f, *args)` where `asyncio.to_thread(f, *args)` says the same.

    ## What it does
    Finds, in the body of an `async def`, `run_in_executor(None, f, ...)`
    called on the running event loop: `asyncio.get_running_loop()` or
    `asyncio.get_event_loop()` called right there or bound to a name
    (`loop = asyncio.get_running_loop()`), with `None`, the loop's default
    executor, as the executor. A call with an executor of its own
    (`run_in_executor(pool, f)`) chooses where `f` runs and is not reported,
    nor is a loop that cannot be shown to be the running one (`self.loop`,
    a parameter, `asyncio.new_event_loop()`).

    ## Why is this bad?
    `asyncio.to_thread(f, *args, **kwargs)` runs `f` on the same default
    executor and reads as what it does. It passes keyword arguments on (with
    `run_in_executor` they need a `functools.partial`), needs no loop object,
    and copies the caller's context variables into the thread, so a request
    id, a tenant or an OpenTelemetry span set by a middleware is still there
    in `f`; with `run_in_executor`, `f` sees none of them.

    ## Example
    ```python
    import asyncio

    from PIL import Image


    async def make_thumbnail(path: str) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, resize, path, 128)


    def resize(path: str, size: int) -> None:
        with Image.open(path) as image:
            image.thumbnail((size, size))
            image.save(f"{path}.thumb.png")
    ```

    ## Use instead
    ```python
    import asyncio

    from PIL import Image


    async def make_thumbnail(path: str) -> None:
        await asyncio.to_thread(resize, path, 128)


    def resize(path: str, size: int) -> None:
        with Image.open(path) as image:
            image.thumbnail((size, size))
            image.save(f"{path}.thumb.png")
    ```

    ## Fix safety
    The fix is unsafe: `f` now runs in a copy of the caller's context, so it
    sees the caller's context variables where it saw their defaults (the
    reason for the change, but a change all the same). It rewrites
    `await loop.run_in_executor(None, f, *args)` into
    `await asyncio.to_thread(f, *args)`; the same thread pool runs `f` and
    the result or exception is the same. It is offered only where the call
    is awaited right there: `run_in_executor` returns a future whose work has
    already started, `to_thread` a coroutine that starts when awaited, so a
    future kept for later (`futures.append(loop.run_in_executor(None, f))`)
    gets no fix. A `loop` name that the fix leaves unused stays.

    ## References
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [loop.run_in_executor](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.loop.run_in_executor)
    """

    code = "AIO105"
    name = "run-in-executor-to-thread"
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("run_in_executor",)
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.method_calls(("run_in_executor",), in_async=True) and facts.calls_to(
            LOOP_FUNCTIONS
        )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "run_in_executor":
            return
        if not node.args or not _is_none(node.args[0]) or not in_async_code(self.ctx, node):
            return
        if origin(self.ctx, func.value) not in RUNNING_LOOPS:
            return
        self.report(
            node,
            "`loop.run_in_executor(None, f, ...)` runs `f` on the default executor without "
            "the caller's context variables; use `await asyncio.to_thread(f, ...)`, which "
            "copies them and passes keyword arguments",
            fix=self._fix(node),
        )

    def _fix(self, node: cst.Call) -> Fix | None:
        awaited = self.ctx.parent(node)
        if not isinstance(awaited, cst.Await) or awaited.expression is not node:
            return None
        if len(node.args) < 2 or any(arg.keyword is not None for arg in node.args):
            return None
        if node.args[1].star:
            return None  # `run_in_executor(None, *call)`: the function is not written out
        to_thread = reference(self.ctx, "asyncio", "to_thread", node)
        if to_thread is None:
            return None
        call = node.with_changes(func=to_thread.expression(), args=node.args[1:])
        if comment_counts([node]) != comment_counts([call]):
            return None  # a comment after `None,` would have no place
        return Fix(
            "Replace with `asyncio.to_thread(...)`",
            Applicability.UNSAFE,
            (Edit(node, call),),
            to_thread.imports,
        )


def _is_none(arg: cst.Arg) -> bool:
    """`None` as the executor: the first positional argument, or `executor=None`."""
    if arg.star or (arg.keyword is not None and arg.keyword.value != "executor"):
        return False
    return isinstance(arg.value, cst.Name) and arg.value.value == "None"

"""AIO103: a task created and dropped (`asyncio.create_task(...)` as a statement)."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.rule import Rule
from aiolint.semantic.bindings import origin
from aiolint.semantic.names import call_name, may_call

TASK_FUNCTIONS = frozenset(
    {
        "asyncio.create_task",
        "asyncio.tasks.create_task",
        "asyncio.ensure_future",
        "asyncio.tasks.ensure_future",
    }
)
#: What an event loop is made by: `loop.create_task(...)` on one of these.
LOOPS = frozenset(
    f"{module}.{function}()"
    for module in ("asyncio", "asyncio.events")
    for function in ("get_running_loop", "get_event_loop", "new_event_loop")
)


class DanglingTask(Rule):
    """A task created and dropped: nothing keeps a reference to it.

    ## What it does
    Finds `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and
    `loop.create_task(...)` on an event loop (from `asyncio.get_running_loop()`,
    `get_event_loop()` or `new_event_loop()`, called right there or through a
    local name bound to one) used as an expression statement, so that the task
    it returns is dropped. A task that is assigned, returned, awaited, passed
    on or added to a collection is not flagged, and neither are
    `tg.create_task(...)` on an `asyncio.TaskGroup` (the group owns its tasks),
    FastAPI's `BackgroundTasks.add_task(...)`, or a `create_task` method of any
    other class.

    ## Why is this bad?
    The event loop keeps only a weak reference to a task. A task nobody
    references can be garbage-collected before it finishes, silently, and if
    it fails, its exception is never retrieved: it shows up at best as "Task
    exception was never retrieved" in the log, long after the fact. Nothing
    can cancel or wait for it at shutdown either.

    ## Example
    ```python
    import asyncio


    async def handle(event, notify):
        asyncio.create_task(notify(event))
    ```

    ## Use instead
    ```python
    import asyncio

    background_tasks = set()


    async def handle(event, notify):
        task = asyncio.create_task(notify(event))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)
    ```

    Or start the task in an `asyncio.TaskGroup`, or, in a FastAPI route, with
    `BackgroundTasks.add_task(...)`.

    ## Fix safety
    There is no fix: where the reference should live (a module-level set, an
    object's attribute, a TaskGroup around the caller) is a design choice.
    ruff's `RUF006` reports the same problem; a `# noqa: RUF006` on the line
    suppresses this rule too.

    ## References
    - [asyncio.create_task](https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task)
    - [ruff RUF006](https://docs.astral.sh/ruff/rules/asyncio-dangling-task/)
    """

    code = "AIO103"
    name = "dangling-task"
    peer_codes = ("RUF006",)
    prefilter = ("create_task", "ensure_future")

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        if facts.calls_to(TASK_FUNCTIONS):
            return True
        return "create_task" in facts.attributes and facts.imports_any(("asyncio",))

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call):
            return
        shown = self._task_call(call)
        if shown is None:
            return
        self.report(
            call,
            f"The task `{shown}()` returns is dropped: the event loop keeps only a weak "
            "reference, so it can be garbage-collected before it finishes and its "
            "exception is never seen; keep a reference (a module-level set with "
            "`task.add_done_callback(tasks.discard)`), or use an `asyncio.TaskGroup` "
            "or FastAPI's `BackgroundTasks`",
        )

    def _task_call(self, call: cst.Call) -> str | None:
        """How the message names the task-creating call, or None when it is not one."""
        if may_call(self.ctx, call, TASK_FUNCTIONS):
            name = call_name(self.ctx, call)
            if name in TASK_FUNCTIONS:
                return f"asyncio.{name.rsplit('.', 1)[-1]}"
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "create_task"
            and origin(self.ctx, func.value) in LOOPS
        ):
            return "loop.create_task"
        return None

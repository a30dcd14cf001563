"""AIO305: one AsyncSession used by awaitables that run concurrently."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.rule import Rule
from aiolint.semantic.names import call_name, may_call
from aiolint.semantic.shared_session import (
    GATHER,
    WAIT,
    Awaitable,
    SharedSession,
    call_shares_session,
    concurrent_awaitables,
    in_loop,
    shared_session,
)
from aiolint.semantic.sqlalchemy import SQLA_ROOTS
from aiolint.semantic.visit_order import own_code

TASK_GROUP = frozenset({"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup"})


class SessionSharedAcrossTasks(Rule):
    """One `AsyncSession` used by two awaitables that run concurrently.

    ## What it does
    Finds an `AsyncSession` used by two or more of the awaitables of one
    `asyncio.gather(...)` or `asyncio.wait([...])`, or of the `tg.create_task(...)`
    calls of one `asyncio.TaskGroup` block (also when `gather` gets tasks made
    by `asyncio.create_task(...)` and bound to names). An awaitable uses the
    session when it calls a method on it (`session.execute(...)`) or is a
    call that receives it (`load_user(session, 1)`), by the same name or
    attribute (`self.session`), or calls a method of the same class that
    works on it (`self.by_id(1)` where `by_id` uses `self.session`), or a
    method of an object of a project class that keeps it (`svc =
    OrderService(session)`, then `svc.close(a)` where `close`, in this module
    or another, uses `self.session` or passes it on). A loop
    makes many concurrent awaitables from one: `gather(*[f(session, x) for x
    in xs])`, `tasks.append(f(session, x))` in a loop then `gather(*tasks)` or
    `wait(tasks)`, and `tg.create_task(f(session, x))` in a loop of a
    TaskGroup block. The session must be known to be an
    `AsyncSession` (annotated, made by an `async_sessionmaker`, injected with
    `Depends`). Each task opening its own session from the factory, two
    different sessions, awaits one after another and one task using the
    session are all fine.

    ## Why is this bad?
    An `AsyncSession`, like the connection under it, is not safe for
    concurrent use: the queries of the tasks interleave on one connection and
    one unit of work. How it fails depends on the driver: asyncpg refuses a
    second query while one is in progress (`InterfaceError: cannot perform
    operation: another operation is in progress`); with aiosqlite plain reads
    happen to be serialized, but two tasks that write through one session fail
    with `InvalidRequestError: Session is already flushing` and leave the
    transaction unusable.

    ## Example
    ```python
    import asyncio

    from sqlalchemy.ext.asyncio import AsyncSession


    async def dashboard(session: AsyncSession):
        users, orders = await asyncio.gather(
            session.scalars(users_query), session.scalars(orders_query)
        )
        return users, orders
    ```

    ## Use instead
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession


    async def dashboard(session: AsyncSession):
        users = await session.scalars(users_query)
        orders = await session.scalars(orders_query)
        return users, orders
    ```

    Or give each task its own session from the factory (`async with
    SessionLocal() as session:` inside each task).

    ## Fix safety
    There is no fix: running the queries one after another or giving each
    task a session of its own are different designs. AIO101 offers no
    TaskGroup fix for a `gather` this rule reports (the tasks would still
    share the session).

    ## References
    - [SQLAlchemy: using AsyncSession with concurrent tasks](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#using-asyncsession-with-concurrent-tasks)
    """

    code = "AIO305"
    name = "session-shared-across-tasks"
    prefilter = ("gather", "TaskGroup", "wait")
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.imports_any(SQLA_ROOTS) and facts.calls_to(GATHER | WAIT | TASK_GROUP)

    def visit_Call(self, node: cst.Call) -> None:
        if concurrent_awaitables(self.ctx, node) is None:
            return
        runner = "asyncio.gather()" if call_name(self.ctx, node) in GATHER else "asyncio.wait()"
        self._report(node, call_shares_session(self.ctx, node), runner)

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is None:
            return
        for item in node.items:
            call, target = item.item, item.asname
            if not isinstance(call, cst.Call) or target is None:
                continue
            if not isinstance(target.name, cst.Name):
                continue
            if (
                not may_call(self.ctx, call, TASK_GROUP)
                or call_name(self.ctx, call) not in TASK_GROUP
            ):
                continue
            group = target.name.value
            tasks = [
                Awaitable(n.args[0].value, many=in_loop(self.ctx, n, node))
                for n in own_code(node.body)
                if isinstance(n, cst.Call)
                and isinstance(n.func, cst.Attribute)
                and n.func.attr.value == "create_task"
                and isinstance(n.func.value, cst.Name)
                and n.func.value.value == group
                and n.args
            ]
            self._report(item, shared_session(self.ctx, tasks), f"the TaskGroup `{group}`")

    def _report(self, where: cst.CSTNode, shared: SharedSession | None, runner: str) -> None:
        if shared is None:
            return
        users = "the awaitables a loop makes" if shared.in_loop else f"{shared.users} awaitables"
        self.report(
            where,
            f"The AsyncSession `{shared.session}` is used by {users} that "
            f"{runner} runs concurrently: a session is not safe for concurrent use (the "
            "queries interleave on one connection and fail); await them one after "
            "another, or give each task its own session from the factory",
        )

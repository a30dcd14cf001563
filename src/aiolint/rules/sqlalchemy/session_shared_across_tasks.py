"""AIO305: one AsyncSession used by awaitables that run concurrently."""

import libcst as cst

from aiolint.gate import AstFacts
from aiolint.rule import Rule
from aiolint.semantic.bindings import single_binding_value
from aiolint.semantic.names import call_name, dotted, may_call
from aiolint.semantic.sqlalchemy import SQLA_ROOTS, SqlaKind, classify
from aiolint.semantic.visit_order import own_code

GATHER = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
WAIT = frozenset({"asyncio.wait", "asyncio.tasks.wait"})
CREATE_TASK = frozenset({"asyncio.create_task", "asyncio.tasks.create_task"})
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
    attribute (`self.session`). The session must be known to be an
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
    task a session of its own are different designs.

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
        if not may_call(self.ctx, node, GATHER | WAIT):
            return
        name = call_name(self.ctx, node)
        if name in GATHER:
            awaitables = [a.value for a in node.args if a.keyword is None and not a.star]
            runner = "asyncio.gather()"
        elif (
            name in WAIT
            and node.args
            and isinstance(node.args[0].value, cst.List | cst.Tuple | cst.Set)
        ):
            elements = node.args[0].value.elements
            awaitables = [e.value for e in elements if isinstance(e, cst.Element)]
            runner = "asyncio.wait()"
        else:
            return
        self._check(node, [self._task_body(a) for a in awaitables], runner)

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
                n.args[0].value
                for n in own_code(node.body)
                if isinstance(n, cst.Call)
                and isinstance(n.func, cst.Attribute)
                and n.func.attr.value == "create_task"
                and isinstance(n.func.value, cst.Name)
                and n.func.value.value == group
                and n.args
            ]
            self._check(item, tasks, f"the TaskGroup `{group}`")

    def _is_task_group(self, call: cst.Call) -> bool:
        return may_call(self.ctx, call, TASK_GROUP) and call_name(self.ctx, call) in TASK_GROUP

    def _check(self, where: cst.CSTNode, awaitables: list[cst.BaseExpression], runner: str) -> None:
        users: dict[str, int] = {}
        for awaitable in awaitables:
            for session in self._sessions_used(awaitable):
                users[session] = users.get(session, 0) + 1
        shared = sorted(name for name, count in users.items() if count > 1)
        if not shared:
            return
        session = shared[0]
        self.report(
            where,
            f"The AsyncSession `{session}` is used by {users[session]} awaitables that "
            f"{runner} runs concurrently: a session is not safe for concurrent use (the "
            "queries interleave on one connection and fail); await them one after "
            "another, or give each task its own session from the factory",
        )

    def _task_body(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """For a name bound to `asyncio.create_task(<coroutine>)`, the coroutine."""
        if not isinstance(expr, cst.Name):
            return expr
        value = single_binding_value(self.ctx, expr)
        if (
            isinstance(value, cst.Call)
            and value.args
            and may_call(self.ctx, value, CREATE_TASK)
            and call_name(self.ctx, value) in CREATE_TASK
        ):
            return value.args[0].value
        return expr

    def _sessions_used(self, awaitable: cst.BaseExpression) -> set[str]:
        """The AsyncSessions an awaitable (a call) works on: its receiver, its arguments."""
        if isinstance(awaitable, cst.Await):
            awaitable = awaitable.expression
        if not isinstance(awaitable, cst.Call):
            return set()
        candidates: list[cst.BaseExpression] = [a.value for a in awaitable.args if not a.star]
        if isinstance(awaitable.func, cst.Attribute):
            candidates.append(awaitable.func.value)
        found: set[str] = set()
        for candidate in candidates:
            key = dotted(candidate)
            if key and classify(self.ctx, candidate) is SqlaKind.ASYNC_SESSION:
                found.add(key)
        return found


def _is_collection(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.List | cst.Tuple | cst.Set)

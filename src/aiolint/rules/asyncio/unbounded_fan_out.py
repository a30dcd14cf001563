"""AIO106: one task per item of a collection, each taking a connection from a pool."""

from __future__ import annotations

import libcst as cst

from aiolint.engine import known_names
from aiolint.engine.gate import AstFacts
from aiolint.engine.rule import Rule
from aiolint.project.pooled import client_pool
from aiolint.semantic.bindings import origin
from aiolint.semantic.fan_out import SOON_GROUP, TASK_GROUP, FanOut, fan_outs
from aiolint.semantic.project_calls import function_named, pooled_table, where
from aiolint.semantic.shared_session import GATHER, WAIT

#: `origin()` of a shared async HTTP client -> the class as shown.
_CLIENTS = {f"{name}()": shown for name, shown in known_names.POOLED_HTTP_CLIENTS.items()}
_MAX_CHAIN = 32


class UnboundedFanOut(Rule):
    """One task per item of a collection, each taking a connection from a pool.

    ## What it does
    Finds a task started for every item of a collection of unknown size
    (`asyncio.gather(*[f(x) for x in xs])`, `asyncio.gather(*tasks)` or
    `asyncio.wait(tasks)` after a loop that appends to `tasks`,
    `tg.create_task(f(x))` in a loop of an `asyncio.TaskGroup` block,
    `tg.start_soon(f, x)` in a loop of an anyio task group or trio nursery,
    `asyncio.create_task(...)` in a loop whose tasks are then awaited
    together) where each task takes a connection from a shared pool: it opens
    a session from a session factory (`async with SessionLocal() as
    session`), checks a connection out of an engine (`engine.connect()`,
    `engine.begin()`) or sends a request on a shared async HTTP client
    (`client.get(...)` on an `httpx.AsyncClient` or `aiohttp.ClientSession`
    made once), directly or through the project functions it calls (those
    nested in the function that fans out included), and no
    semaphore (`asyncio.Semaphore`, `BoundedSemaphore`, anyio's
    `CapacityLimiter`, a lock) is held on that path. The message names the
    pool's size where the engine is known (`pool_size` / `max_overflow` of
    `create_async_engine`, else SQLAlchemy's default of 5 + 10).

    Not reported: a literal tuple or list of awaitables, a loop over
    `range(<literal>)` or a literal collection of fewer than 50 items, a task
    that holds a semaphore (or a lock, or a value the linker cannot follow in
    `async with`) around the pool use, a client or engine made inside each
    task (a pool of its own), an engine made with `poolclass=NullPool`, and a
    task whose function cannot be resolved.

    ## Why is this bad?
    A thousand items start a thousand tasks that all ask the pool for a
    connection at once. SQLAlchemy's pool hands out `pool_size +
    max_overflow` connections (5 + 10 by default); the other tasks wait
    `pool_timeout` (30 s) and then fail with `TimeoutError: QueuePool limit of
    size 5 overflow 10 reached, connection timed out`. httpx raises
    `PoolTimeout` the same way. The failures come and go with the size of
    the input, in production only.

    ## Example
    ```python
    import asyncio

    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine(DATABASE_URL, pool_size=5, max_overflow=10)
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


    async def refresh_user(user_id):
        async with SessionLocal() as session:
            await session.execute(update_stats, {"id": user_id})


    async def refresh_all(user_ids):
        await asyncio.gather(*[refresh_user(user_id) for user_id in user_ids])
    ```

    ## Use instead
    ```python
    import asyncio

    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine(DATABASE_URL, pool_size=5, max_overflow=10)
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
    limit = asyncio.Semaphore(10)


    async def refresh_user(user_id):
        async with limit, SessionLocal() as session:
            await session.execute(update_stats, {"id": user_id})


    async def refresh_all(user_ids):
        await asyncio.gather(*[refresh_user(user_id) for user_id in user_ids])
    ```

    ## Fix safety
    There is no fix: the right bound (the pool's size, a rate limit of the
    remote service) is a design decision.

    ## References
    - [SQLAlchemy: dealing with pool exhaustion](https://docs.sqlalchemy.org/en/20/errors.html#error-3o7r)
    - [asyncio: Semaphore](https://docs.python.org/3/library/asyncio-sync.html#asyncio.Semaphore)
    - [httpx: pool limits](https://www.python-httpx.org/advanced/resource-limits/)
    """

    code = "AIO106"
    name = "unbounded-fan-out"
    prefilter = ("gather", "TaskGroup", "wait", "create_task_group", "open_nursery")
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.calls_to(GATHER | WAIT | TASK_GROUP | SOON_GROUP, in_async=True)

    def visit_Call(self, node: cst.Call) -> None:
        for fan_out in fan_outs(self.ctx, node):
            found = self._pool_use(fan_out.func, fan_out.at)
            if found is not None:
                self._report(node, fan_out, *found)
                return

    def _pool_use(self, func: cst.BaseExpression, at: cst.Call) -> tuple[str, str] | None:
        """(what each task does, how the tasks fail) when each task runs
        `func` (written in `at`) and takes a connection from a shared pool."""
        table, module = pooled_table(self.ctx)
        shown = cst.Module([]).code_for_node(func)
        if isinstance(func, cst.Attribute) and func.attr.value in known_names.HTTP_CLIENT_METHODS:
            client = _CLIENTS.get(origin(self.ctx, func.value) or "")
            if client is not None:
                receiver = cst.Module([]).code_for_node(func.value)
                return f"each `{shown}(...)` sends a request on `{receiver}`", client_pool(client)
        if not table or module is None:
            return None
        key = function_named(self.ctx, func, at, module, nested=True)
        if key is None or key not in table:
            return None
        entry = table[key]
        chain = [f"`{shown}()`"]
        seen = {key}
        while entry[2] and entry[2] not in seen and len(chain) < _MAX_CHAIN:
            seen.add(entry[2])
            chain.append(f"`{_short(entry[2], module)}()`")
            entry = table[entry[2]]
        path = " -> ".join(chain)
        return (
            f"each {path} {entry[4]} (`{entry[5]}` at {where(self.ctx, entry[6], entry[7])})",
            entry[8],
        )

    def _report(self, node: cst.Call, fan_out: FanOut, what: str, pool: str) -> None:
        self.report(
            node,
            f"Unbounded fan-out: {fan_out.runner} runs one task per item of {fan_out.items}, "
            f"and {what}: with many items the tasks {pool}; hold an `asyncio.Semaphore` "
            "around the pool use (or process the items in batches)",
        )


def _short(key: str, module: str) -> str:
    """How a function is named in messages: relative to this module when in it."""
    if key.startswith(f"{module}."):
        return key[len(module) + 1 :]
    return key

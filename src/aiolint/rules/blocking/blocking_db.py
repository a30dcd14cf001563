"""AIO205: synchronous database drivers, engines and sessions used inside async code."""

from collections.abc import Iterator

import libcst as cst
from libcst.helpers import get_full_name_for_node

from aiolint.engine import known_names
from aiolint.engine.gate import AstFacts
from aiolint.engine.model import FixAvailability
from aiolint.engine.rule import Rule
from aiolint.semantic.bindings import assignments_of, binding_value
from aiolint.semantic.functions import enclosing_function, in_async_code
from aiolint.semantic.names import call_name
from aiolint.semantic.sqlalchemy import SQLA_ROOTS, SqlaKind, classify

#: Blocking connect functions -> the async driver to use instead.
DRIVER_CONNECTS = known_names.DRIVER_CONNECTS
#: Sync `Session` methods that talk to the database.
SESSION_IO_METHODS = known_names.SESSION_IO_METHODS
ENGINE_METHODS = known_names.ENGINE_METHODS


class BlockingDb(Rule):
    """Synchronous database driver, engine or `Session` used inside an `async def`.

    ## What it does
    Finds, in the body of an `async def` (outside nested `def`, `lambda` and
    class bodies):
    - blocking driver connects: `psycopg2.connect`, `psycopg.connect` (not
      `psycopg.AsyncConnection.connect`), `sqlite3.connect`, `pymysql.connect`,
      `MySQLdb.connect`;
    - `.connect()` / `.begin()` on an engine from `sqlalchemy.create_engine`
      (or `sqlmodel.create_engine`);
    - a sync SQLAlchemy `Session` created there: `Session(engine)`,
      `sqlmodel.Session(engine)`, a call of a plain `sessionmaker` (or its
      `.begin()`) or of a `scoped_session`;
    - `.execute()`, `.commit()`, `.query()` (and the other I/O methods
      `scalars`, `scalar`, `get`, `exec`, `flush`, `refresh`, `rollback`,
      `merge`, `delete`, `close`, `connection`) on a sync `Session` that comes
      from outside the function: a parameter annotated `Session` or injected by
      `Depends(...)`, `self.session` so annotated, or `request.state.db`
      where the module's middleware sets it to one. A session created in the
      same function is reported once, where it is made.

    An awaited call is never a sync Session's or engine's: `await
    db.execute(...)` on a `db` annotated `Session` (a wrong annotation: the
    object is an `AsyncSession`) is not reported, nor is any call on a receiver
    the same function awaits such a method on.

    A sync `Session.query()` in async code is also reported by AIO301
    (legacy-query): this rule says it blocks, that one that the API is legacy.

    ## Why is this bad?
    A synchronous driver waits for the database on the thread that runs the
    event loop: while a query runs, no other request is served. Use an async
    driver (`asyncpg`, `psycopg.AsyncConnection`, `aiosqlite`) or SQLAlchemy's
    `create_async_engine` with `AsyncSession`; or declare the endpoint with a
    plain `def` so that FastAPI runs it in a thread pool.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db import get_db
    from app.models import User

    app = FastAPI()


    @app.get("/users/{user_id}")
    async def read_user(user_id: int, db: Session = Depends(get_db)):
        return db.execute(select(User).where(User.id == user_id)).scalar_one()
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.db import get_async_db
    from app.models import User

    app = FastAPI()


    @app.get("/users/{user_id}")
    async def read_user(user_id: int, db: AsyncSession = Depends(get_async_db)):
        return (await db.execute(select(User).where(User.id == user_id))).scalar_one()
    ```

    ## Fix safety
    No fix: switch to an async driver or to `AsyncSession`, or move the
    blocking work to a thread with `asyncio.to_thread`.

    ## References
    - [SQLAlchemy asyncio extension](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    - [asyncpg](https://magicstack.github.io/asyncpg/)
    - [FastAPI: async def or def](https://fastapi.tiangolo.com/async/#path-operation-functions)
    """

    code = "AIO205"
    name = "blocking-db"
    fix_availability = FixAvailability.NONE
    prefilter = ("psycopg", "sqlite3", "pymysql", "MySQLdb", "sqlalchemy", "sqlmodel")
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        if facts.imports_any(SQLA_ROOTS):  # sessions and engines: any call in async code
            return any(facts.call_sites(in_async=True))
        return facts.calls_to(DRIVER_CONNECTS, in_async=True)

    def visit_Call(self, node: cst.Call) -> None:
        if not in_async_code(self.ctx, node):  # cheap; resolving names is not
            return
        message = self._blocking(node)
        if message is not None:
            self.report(node, message)

    def _blocking(self, node: cst.Call) -> str | None:
        name = call_name(self.ctx, node)
        if name in DRIVER_CONNECTS:
            return (
                f"Blocking `{name}()` in async code stalls the event loop; use "
                f"{DRIVER_CONNECTS[name]}, or SQLAlchemy's `AsyncSession`"
            )
        if classify(self.ctx, node) is SqlaKind.SESSION:
            return (
                "Sync SQLAlchemy `Session` created in async code blocks the event loop "
                "on every query; use an `AsyncSession` from `async_sessionmaker` "
                "with an async driver such as asyncpg"
            )
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if self._async_receiver(node, func.value):
            return None  # awaited: an AsyncSession / AsyncEngine, whatever the annotation says
        if method in ENGINE_METHODS and classify(self.ctx, func.value) is SqlaKind.ENGINE:
            return (
                f"Sync engine `.{method}()` in async code blocks the event loop; use "
                "`create_async_engine` (asyncpg) and `AsyncSession`/`AsyncConnection`"
            )
        if (
            method in SESSION_IO_METHODS
            and classify(self.ctx, func.value) is SqlaKind.SESSION
            and not self._made_in_async_code(func.value)
        ):
            return (
                f"Sync `Session.{method}()` in async code blocks the event loop; use "
                "`AsyncSession` with an async driver such as asyncpg"
            )
        return None

    def _async_receiver(self, call: cst.Call, receiver: cst.BaseExpression) -> bool:
        """The call is awaited, or its receiver (a name) is awaited on for a
        session or engine method elsewhere in the same function: an awaited
        call is never a sync Session's or engine's (the annotation is wrong)."""
        parent = self.ctx.parent(call)
        if isinstance(parent, cst.Await) and parent.expression is call:
            return True
        name = get_full_name_for_node(receiver)
        if name is None:
            return False
        function = enclosing_function(self.ctx, call)
        return function is not None and name in self._awaited_receivers(function)

    def _awaited_receivers(self, function: cst.FunctionDef) -> set[str]:
        """The receivers awaited on for a session or engine method in `function`
        (`await db.execute(...)` -> "db", `await self.session.commit()` ->
        "self.session")."""
        memo: dict[cst.FunctionDef, set[str]] = self.ctx.memo.setdefault("AIO205.awaited", {})
        found = memo.get(function)
        if found is None:
            found = set()
            for node in _walk(function.body):
                if not isinstance(node, cst.Await) or not isinstance(node.expression, cst.Call):
                    continue
                func = node.expression.func
                if (
                    isinstance(func, cst.Attribute)
                    and func.attr.value in SESSION_IO_METHODS | ENGINE_METHODS
                ):
                    name = get_full_name_for_node(func.value)
                    if name is not None:
                        found.add(name)
            memo[function] = found
        return found

    def _made_in_async_code(self, receiver: cst.BaseExpression) -> bool:
        """The session was created in async code (reported there already)."""
        if isinstance(receiver, cst.Call):
            return self._reported_here(receiver)
        if not isinstance(receiver, cst.Name):
            return False
        for assignment in assignments_of(self.ctx, receiver) or ():
            value = binding_value(self.ctx, assignment)
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call) and self._reported_here(value):
                return True
        return False

    def _reported_here(self, call: cst.Call) -> bool:
        return classify(self.ctx, call) is SqlaKind.SESSION and in_async_code(self.ctx, call)


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and everything under it (nested functions included: a name awaited
    on there is the same object when it is captured)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)

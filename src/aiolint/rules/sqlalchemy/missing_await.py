"""AIO306: a coroutine method of an AsyncSession, AsyncConnection or AsyncEngine
called without `await`."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Applicability, Edit, Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.fixes.nodes import await_expression
from aiolint.semantic.bindings import annotation_origin, single_binding_value
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.sqlalchemy import SQLA_ROOTS, SqlaKind, classify

SESSION_METHODS = frozenset(
    {
        "execute",
        "scalars",
        "scalar",
        "get",
        "commit",
        "rollback",
        "flush",
        "refresh",
        "close",
        "delete",
        "merge",
        "stream",
        "stream_scalars",
        "run_sync",
        "invalidate",
    }
)
CONNECTION_METHODS = frozenset(
    {"execute", "scalar", "scalars", "commit", "rollback", "run_sync", "close"}
)
ENGINE_METHODS = frozenset({"dispose"})
ASYNC_CONNECTION = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncConnection()",
        "sqlalchemy.ext.asyncio.engine.AsyncConnection()",
    }
)
_ALL_METHODS = SESSION_METHODS | CONNECTION_METHODS | ENGINE_METHODS


class MissingAwait(Rule):
    """A coroutine method of an `AsyncSession`, `AsyncConnection` or `AsyncEngine`
    called without `await`.

    ## What it does
    Finds, in async code, a call of a coroutine method of an `AsyncSession`
    (`execute`, `scalars`, `scalar`, `get`, `commit`, `rollback`, `flush`,
    `refresh`, `close`, `delete`, `merge`, `stream`, `stream_scalars`,
    `run_sync`, `invalidate`), of an `AsyncConnection` (`execute`, `scalar`,
    `scalars`, `commit`, `rollback`, `run_sync`, `close`) or of an
    `AsyncEngine` (`dispose`) whose coroutine is dropped: the call is a
    statement, the whole right side of an assignment, or the base of an
    attribute access (`session.execute(q).scalars()`). The receiver must be
    known to be async: annotated `AsyncSession` (also through
    `Annotated[AsyncSession, Depends(...)]` and aliases of it), bound by
    `async with <an async_sessionmaker>() as session`, received from
    `Depends(<a function yielding one>)`, annotated `AsyncConnection` or bound
    by `async with engine.connect() as conn` on an async engine. A call passed
    on (to `await`, `asyncio.create_task`, `gather`, `shield`, `wait_for`, a
    TaskGroup, or returned) is not flagged, and neither are the sync methods
    (`add`, `add_all`, `expunge`, `begin()` as a context manager) nor any
    method of a sync `Session`.

    ## Why is this bad?
    Calling a coroutine function only creates the coroutine: without `await`
    it never runs. `session.commit()` without `await` commits nothing, no
    error is raised (only a "coroutine was never awaited" warning, at garbage
    collection), and the data is silently lost when the session closes.

    ## Example
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession


    async def create_user(session: AsyncSession, user) -> None:
        session.add(user)
        session.commit()
    ```

    ## Use instead
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession


    async def create_user(session: AsyncSession, user) -> None:
        session.add(user)
        await session.commit()
    ```

    ## Fix safety
    The fix is safe: where the call is a statement or the whole right side of
    an assignment it becomes `await session.commit()`, which runs what the
    code asked for. Elsewhere there is no fix.

    ## References
    - [SQLAlchemy asyncio](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    """

    code = "AIO306"
    name = "missing-await"
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("sqlalchemy", "sqlmodel")
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.imports_any(SQLA_ROOTS) and not facts.attributes.isdisjoint(_ALL_METHODS)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _ALL_METHODS:
            return
        parent = self.ctx.parent(node)
        statement = isinstance(parent, cst.Expr)
        assigned = isinstance(parent, cst.Assign | cst.AnnAssign) and parent.value is node
        base = isinstance(parent, cst.Attribute) and parent.value is node
        if not (statement or assigned or base):
            return
        receiver = self._receiver(func.value, func.attr.value)
        if receiver is None or not in_async_code(self.ctx, node):
            return
        method = func.attr.value
        fix = None
        if statement or assigned:
            fix = Fix(
                f"Await `{receiver}.{method}()`",
                Applicability.SAFE,
                (Edit(node, await_expression(self.ctx, node, node)),),
            )
        self.report(
            node,
            f"`{receiver}.{method}()` is a coroutine and is never awaited: it does not run "
            f"(nothing is {_what(method)}); use `await`",
            fix=fix,
        )

    def _receiver(self, value: cst.BaseExpression, method: str) -> str | None:
        """What the receiver is, in the message's words, when it is known to be
        async and `method` is one of its coroutine methods."""
        kind = classify(self.ctx, value)
        if kind in (SqlaKind.ASYNC_SESSION, SqlaKind.ASYNC_SCOPED_SESSION):
            return "AsyncSession" if method in SESSION_METHODS else None
        if kind is SqlaKind.ASYNC_ENGINE:
            return "AsyncEngine" if method in ENGINE_METHODS else None
        if method in CONNECTION_METHODS and self._is_connection(value):
            return "AsyncConnection"
        return None

    def _is_connection(self, value: cst.BaseExpression) -> bool:
        """Annotated `AsyncConnection`, or bound by `async with engine.connect()`
        / `engine.begin()` on an async engine (its only binding)."""
        if not isinstance(value, cst.Name):
            return False
        bound = single_binding_value(self.ctx, value)
        if isinstance(bound, cst.Param):
            annotation = bound.annotation
            return annotation is not None and (
                annotation_origin(self.ctx, annotation.annotation) in ASYNC_CONNECTION
            )
        if not isinstance(bound, cst.Call) or not isinstance(bound.func, cst.Attribute):
            return False
        item = self.ctx.parent(bound)
        statement = self.ctx.parent(item) if isinstance(item, cst.WithItem) else None
        return (
            isinstance(statement, cst.With)
            and statement.asynchronous is not None
            and bound.func.attr.value in ("connect", "begin")
            and classify(self.ctx, bound.func.value) is SqlaKind.ASYNC_ENGINE
        )


def _what(method: str) -> str:
    return {
        "commit": "committed",
        "rollback": "rolled back",
        "flush": "flushed",
        "close": "closed",
        "dispose": "disposed of",
        "delete": "deleted",
        "refresh": "refreshed",
    }.get(method, "executed")

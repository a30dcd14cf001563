"""AIO402: a FastAPI route that opens its own database session."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.rule import Rule
from aiolint.semantic.fastapi import is_route_handler
from aiolint.semantic.functions import enclosing_function
from aiolint.semantic.names import dotted
from aiolint.semantic.sqlalchemy import SQLA_ROOTS, may_open_session, opens_session


class SessionInRoute(Rule):
    """A FastAPI route that opens its own database session instead of receiving one.

    ## What it does
    Finds, in the body of a FastAPI route handler (decorated `@app.get(...)`,
    `@router.post(...)` and the other route methods, or passed as an endpoint),
    a call that opens a SQLAlchemy session: a call of a `sessionmaker` /
    `async_sessionmaker` instance (`SessionLocal()`, `SessionLocal.begin()`),
    `Session(...)` or `AsyncSession(...)`. The dependency function that makes
    the session, background jobs, CLI commands and every other non-route
    function are left alone, and so are routes that take their session from
    `Depends(...)`.

    ## Why is this bad?
    A dependency gives each request one session, closed after the response
    whatever happens, shared by the route and its sub-dependencies, and lets
    tests replace it (`app.dependency_overrides`) with one bound to a test
    database or a rolled-back transaction. A session opened in the route is
    invisible to all of that: tests hit the real database, a second dependency
    opens a second session, and a route that forgets `close()` leaks a pooled
    connection.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    app = FastAPI()
    SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))


    @app.get("/users/{user_id}")
    async def read_user(user_id: int):
        async with SessionLocal() as session:
            return await session.get(User, user_id)
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    app = FastAPI()
    SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))


    async def get_session():
        async with SessionLocal() as session:
            yield session


    @app.get("/users/{user_id}")
    async def read_user(user_id: int, session: Annotated[AsyncSession, Depends(get_session)]):
        return await session.get(User, user_id)
    ```

    ## Fix safety
    There is no fix: the dependency to use (and whether the project has one)
    is a design choice.

    ## References
    - [FastAPI: SQL databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    - [FastAPI: dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    """

    code = "AIO402"
    name = "session-in-route"
    prefilter = ("fastapi",)

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        """A call in a function that may open a session."""
        if not (facts.imports_any(("fastapi",)) and facts.imports_any(SQLA_ROOTS)):
            return False
        return any(
            may_open_session(facts, site.node) for site in facts.call_sites(in_function=True)
        )

    def visit_Call(self, node: cst.Call) -> None:
        if not opens_session(self.ctx, node):
            return
        opened = dotted(node.func) or "Session"
        route = enclosing_function(self.ctx, node)
        if route is None or not is_route_handler(self.ctx, route):
            return
        self.report(
            node,
            f"Route `{route.name.value}` opens its own session with `{opened}()`; receive one "
            "per request from a dependency instead: a parameter `session: AsyncSession = "
            "Depends(get_session)`, and use it",
        )

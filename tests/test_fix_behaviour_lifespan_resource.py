"""AIO403's fix on FastAPI's TestClient: a lifespan that makes an
`httpx.AsyncClient` on `app.state` and never closes it leaves it open after the
app shuts down; once fixed it is closed, and startup/shutdown order is kept."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

testclient = pytest.importorskip("fastapi.testclient")

APP = textwrap.dedent(
    """\
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI

    events = []


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        events.append("startup")
        app.state.http = httpx.AsyncClient()
        yield
        events.append("shutdown")


    app = FastAPI(lifespan=lifespan)


    @app.get("/")
    async def index() -> dict:
        return {"open": not app.state.http.is_closed}
    """
)


def _serve(source: str) -> tuple[Any, list[str], dict]:
    namespace: dict[str, Any] = {"__name__": "app"}
    exec(compile(source, "app.py", "exec", dont_inherit=True), namespace)
    app = namespace["app"]
    with testclient.TestClient(app) as client:
        answer = client.get("/").json()
    return app, namespace["events"], answer


def test_the_fixed_lifespan_closes_the_client_at_shutdown() -> None:
    outcome = fix_source(
        APP.encode(), "app.py", resolve_selection(["AIO403"]), LintOptions(), FixSettings(True)
    )
    assert outcome.error is None and outcome.fixed is not None
    fixed = outcome.fixed.decode()
    assert "    yield\n    await app.state.http.aclose()\n    events.append" in fixed

    app, events, answer = _serve(APP)
    assert answer == {"open": True} and events == ["startup", "shutdown"]
    assert not app.state.http.is_closed  # leaked

    app, events, answer = _serve(fixed)
    assert answer == {"open": True} and events == ["startup", "shutdown"]
    assert app.state.http.is_closed


ENGINE_APP = textwrap.dedent(
    """\
    from contextlib import asynccontextmanager

    from fastapi import FastAPI
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    events = []


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_async_engine(DATABASE_URL)
        app.state.engine = engine
        app.state.session_factory = async_sessionmaker(engine, expire_on_commit=False)
        events.append("startup")
        yield
        events.append("shutdown")


    app = FastAPI(lifespan=lifespan)


    @app.get("/")
    async def index() -> dict:
        async with app.state.session_factory() as session:
            return {"one": (await session.execute(text("select 1"))).scalar_one()}
    """
)


def test_an_engine_given_to_a_session_factory_is_disposed_once_fixed(tmp_path: Path) -> None:
    """`async_sessionmaker(engine)` never disposes the engine: the lifespan
    leaks its pooled connection until the fix disposes it at shutdown."""
    pytest.importorskip("aiosqlite")
    outcome = fix_source(
        ENGINE_APP.encode(),
        "app.py",
        resolve_selection(["AIO403"]),
        LintOptions(),
        FixSettings(True),
    )
    assert outcome.error is None and outcome.fixed is not None
    fixed = outcome.fixed.decode()
    assert "    yield\n    await engine.dispose()\n    events.append" in fixed

    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    app, events, answer = _serve_engine(ENGINE_APP, url)
    assert answer == {"one": 1} and events == ["startup", "shutdown"]
    assert app.state.engine.pool.checkedin() == 1  # a pooled connection left open
    # Close it here: its aiosqlite thread would outlive the test (and a later
    # test's worker processes are not forked from a process with threads).
    asyncio.run(app.state.engine.dispose())

    app, events, answer = _serve_engine(fixed, url)
    assert answer == {"one": 1} and events == ["startup", "shutdown"]
    assert app.state.engine.pool.checkedin() == 0  # disposed with its connections


def _serve_engine(source: str, url: str) -> tuple[Any, list[str], dict]:
    namespace: dict[str, Any] = {"__name__": "app", "DATABASE_URL": url}
    exec(compile(source, "app.py", "exec", dont_inherit=True), namespace)
    app = namespace["app"]
    with testclient.TestClient(app) as client:
        answer = client.get("/").json()
    return app, namespace["events"], answer

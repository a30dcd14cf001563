"""AIO401 behaviour: the app fixed into a lifespan runs the same handlers, in
the same order, as the original `on_event` app, without FastAPI's deprecation.

Both versions of the module run in their own namespace under FastAPI's
TestClient: entering the client runs the startup handlers, a request is
served, leaving it runs the shutdown handlers. (`app.add_event_handler` is
not exercised: FastAPI applications no longer have it since Starlette 1.0
removed it; `app.router.add_event_handler` is never fixed.)
"""

from __future__ import annotations

import textwrap
import warnings
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

SERVICE = textwrap.dedent(
    """\
    from fastapi import FastAPI

    events = []
    app = FastAPI(title="service")


    @app.on_event("startup")
    async def connect():
        events.append("connect")


    @app.on_event("startup")
    def warm():
        events.append("warm")


    @app.on_event("shutdown")
    async def disconnect():
        events.append("disconnect")


    @app.on_event("shutdown")
    @app.on_event("startup")
    def audit():
        events.append("audit")


    @app.get("/events")
    async def read_events():
        events.append("request")
        return list(events)
    """
)


def fixed_source(source: str) -> str:
    outcome = fix_source(
        source.encode(),
        "service.py",
        resolve_selection(["AIO401"]),
        LintOptions(),
        FixSettings(unsafe=True),
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None, "the AIO401 fix was not applied"
    assert not outcome.result.diagnostics
    return outcome.fixed.decode()


def run(source: str) -> tuple[list[str], list[Any], list[warnings.WarningMessage]]:
    """Import the module, serve one request: the event log, the response, the
    on_event deprecation warnings raised."""
    namespace: dict[str, Any] = {"__name__": "service"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(source, "service.py", "exec"), namespace)
        with TestClient(namespace["app"]) as client:
            response = client.get("/events").json()
    deprecations = [
        w
        for w in caught
        if issubclass(w.category, DeprecationWarning) and "on_event" in str(w.message)
    ]
    return namespace["events"], response, deprecations


def test_fixed_app_runs_the_same_handlers_in_the_same_order() -> None:
    fixed = fixed_source(SERVICE)
    assert "lifespan=lifespan" in fixed and "on_event" not in fixed

    original_events, original_response, original_warnings = run(SERVICE)
    fixed_events, fixed_response, fixed_warnings = run(fixed)

    startup = ["connect", "warm", "audit"]
    shutdown = ["disconnect", "audit"]
    assert original_events == [*startup, "request", *shutdown]
    assert fixed_events == original_events
    assert fixed_response == original_response == [*startup, "request"]
    assert original_warnings, "the original app should trigger FastAPI's on_event deprecation"
    assert fixed_warnings == []


def test_fixed_app_fails_startup_like_the_original() -> None:
    failing = SERVICE.replace('events.append("warm")', 'raise RuntimeError("no cache")')
    for source in (failing, fixed_source(failing)):
        namespace: dict[str, Any] = {"__name__": "service"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            exec(compile(source, "service.py", "exec"), namespace)
        with pytest.raises(RuntimeError, match="no cache"), TestClient(namespace["app"]):
            pass
        assert namespace["events"] == ["connect"]

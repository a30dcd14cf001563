"""AIO401: `app.on_event(...)` / `app.add_event_handler(...)` (deprecated) on an app or router."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Fix, FixAvailability
from aiolint.engine.noqa import NoqaMap
from aiolint.engine.rule import Rule
from aiolint.fixes.lifespan import lifespan_fix
from aiolint.semantic.fastapi import (
    APP_CLASSES,
    EVENT_METHODS,
    AppEvents,
    EventRegistration,
    event_registration,
    movable_app_events,
)
from aiolint.semantic.names import dotted

#: The classes `app_kind` knows: a receiver is an app only if one is called or annotated.
APP_TYPES = frozenset(APP_CLASSES)


class OnEvent(Rule):
    """Startup/shutdown handlers registered with the deprecated `on_event` API.

    ## What it does
    Finds `@app.on_event("startup")` / `@app.on_event("shutdown")` decorators
    and `app.add_event_handler(...)` calls where `app` is a FastAPI or Starlette
    application, an `APIRouter` / Starlette `Router`, or an application's
    `app.router`. The receiver is resolved (an instance built by `FastAPI()`,
    `APIRouter()`, `Starlette()`, `Router()`, or a parameter annotated with one
    of them): an unrelated object with an `on_event` method, such as a custom
    event bus, is left alone.

    ## Why is this bad?
    Starlette and FastAPI deprecated startup and shutdown events in favour of
    a lifespan context manager. Event handlers can share state between startup
    and shutdown only through globals or `app.state`, keep the setup and the
    teardown of one resource in two places, and are silently not called once
    the application is given a `lifespan=`. A lifespan keeps each resource's
    setup and teardown together, in one function, around a `yield`.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.on_event("startup")
    async def open_http_client() -> None:
        app.state.http = httpx.AsyncClient()


    @app.on_event("shutdown")
    async def close_http_client() -> None:
        await app.state.http.aclose()
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient() as http:
            app.state.http = http
            yield


    app = FastAPI(lifespan=lifespan)
    ```

    ## Fix safety
    The fix is unsafe. It is offered for an application built at module level
    (`app = FastAPI(...)` or `Starlette(...)`, without `lifespan=`,
    `on_startup=` or `on_shutdown=`) when every handler registered on it is a
    module-level function, registered at module level with a literal
    `"startup"` or `"shutdown"`. It adds an `@asynccontextmanager` function
    `lifespan` (`lifespan_1`... when the name is taken) just before the app,
    which calls the startup handlers in the order they were registered
    (awaiting the `async` ones), yields, then calls the shutdown handlers in
    order; passes `lifespan=lifespan` to the constructor; and removes the
    `@app.on_event(...)` decorators and `app.add_event_handler(...)` lines
    (comments on those lines go with them), keeping the functions. The lifespan
    runs after the module is imported, so it may call handlers defined below it.

    It is unsafe because the app's events no longer go through its router:
    handlers of routers included with `include_router` (or added to
    `app.router` elsewhere) are merged differently, or not run at all by older
    FastAPI versions, once the app has a lifespan; code that reads
    `app.router.on_startup` finds it empty; and a startup handler that raises
    now fails the lifespan from inside the context manager. The order of the
    handlers is preserved.

    No fix is offered for routers, for handlers defined in a function, a
    conditional block or another module, for a handler with other decorators,
    for an app that uses `app.router` or includes a router of the same module
    that has event handlers, when an `if __name__ == "__main__":` block could
    serve the app before all its handlers are defined, or when any of the
    app's registrations is suppressed with `# noqa`, nor when the project
    declares a FastAPI version below 0.93 (no `lifespan=` there).

    ## References
    - [FastAPI: Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
    - [Starlette: Lifespan](https://www.starlette.io/lifespan/)
    """

    code = "AIO401"
    name = "on-event"
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("fastapi", "starlette")

    @classmethod
    def may_match(cls, text: str) -> bool:
        return super().may_match(text) and ("on_event" in text or "add_event_handler" in text)

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.method_calls(EVENT_METHODS, receiver_types=APP_TYPES) and facts.instantiates(
            APP_TYPES
        )

    def visit_Call(self, node: cst.Call) -> None:
        registration = event_registration(self.ctx, node)
        if registration is None:
            return
        receiver = dotted(registration.app) or "app"
        event = f'"{registration.event}"' if registration.event else "..."
        args = event if registration.method == "on_event" else f"{event}, ..."
        self.report(
            node,
            f"`{receiver}.{registration.method}({args})` is deprecated; move the setup "
            "and teardown into a lifespan context manager (`FastAPI(lifespan=...)`)",
            fix=self._fix(registration),
        )

    def _fix(self, registration: EventRegistration) -> Fix | None:
        """One fix per app, carried by each of its diagnostics (the engine
        applies identical edits once)."""
        if self.ctx.options.library_below("fastapi", "0.93"):
            return None  # `FastAPI(lifespan=...)` came with 0.93
        events = movable_app_events(self.ctx, registration)
        if events is None:
            return None
        fixes: dict[cst.SimpleStatementLine, Fix | None] = self.ctx.memo.setdefault(
            "AIO401.fixes", {}
        )
        if events.statement not in fixes:
            taken: set[str] = self.ctx.memo.setdefault("AIO401.lifespan_names", set())
            movable = not self._any_suppressed(events)
            fixes[events.statement] = lifespan_fix(self.ctx, events, taken) if movable else None
        return fixes[events.statement]

    def _any_suppressed(self, events: AppEvents) -> bool:
        """A `# noqa`-suppressed registration is never fixed, so neither is its app
        (the lifespan replaces all of an app's handlers or none)."""
        noqa: NoqaMap = self.ctx.memo.get("AIO401.noqa") or NoqaMap(self.ctx.source)
        self.ctx.memo["AIO401.noqa"] = noqa
        return any(
            noqa.suppresses(self.ctx.positions[r.call].start.line, self.code)
            for r in events.registrations
        )

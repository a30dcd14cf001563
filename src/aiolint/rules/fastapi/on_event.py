"""AIO401: `app.on_event(...)` / `app.add_event_handler(...)` (deprecated) on an app or router."""

import libcst as cst

from aiolint.model import FixAvailability
from aiolint.rule import Rule
from aiolint.semantic.fastapi import event_registration
from aiolint.semantic.names import dotted


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
    No automatic fix yet; a fix (unsafe, it builds an `@asynccontextmanager`
    lifespan that calls the startup handlers, yields, then calls the shutdown
    handlers, and passes it as `FastAPI(lifespan=...)`) is planned for
    applications without a `lifespan=`; routers will get no fix.

    ## References
    - [FastAPI: Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
    - [Starlette: Lifespan](https://www.starlette.io/lifespan/)
    """

    code = "AIO401"
    name = "on-event"
    fix_availability = FixAvailability.NONE
    prefilter = ("fastapi", "starlette")

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
        )

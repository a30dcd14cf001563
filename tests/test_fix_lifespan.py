"""AIO401's lifespan fix: when it is offered, what it writes, and convergence."""

from __future__ import annotations

import textwrap

import pytest

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

RULES = resolve_selection(["AIO401"])
UNSAFE = FixSettings(unsafe=True)


def fix(source: str) -> str | None:
    """The fixed text, or None when nothing was fixed."""
    outcome = fix_source(textwrap.dedent(source).encode(), "app.py", RULES, LintOptions(), UNSAFE)
    assert outcome.error is None, outcome.error
    if outcome.fixed is None:
        return None
    again = fix_source(outcome.fixed, "app.py", RULES, LintOptions(), UNSAFE)
    assert again.error is None and again.fixed is None, "a second run changed the file"
    return outcome.fixed.decode()


def test_safe_fixes_alone_leave_the_file_alone() -> None:
    source = """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.on_event("startup")
        async def start() -> None: ...
        """
    outcome = fix_source(
        textwrap.dedent(source).encode(), "app.py", RULES, LintOptions(), FixSettings()
    )
    assert outcome.fixed is None
    assert [d.fix.applicability.value for d in outcome.result.diagnostics if d.fix] == ["unsafe"]


def test_every_diagnostic_of_the_app_carries_the_fix_and_counts() -> None:
    source = """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.on_event("startup")
        async def start() -> None: ...


        @app.on_event("shutdown")
        def stop() -> None: ...
        """
    outcome = fix_source(textwrap.dedent(source).encode(), "app.py", RULES, LintOptions(), UNSAFE)
    assert outcome.counts["AIO401"] == 2
    assert outcome.fixed is not None
    assert not outcome.result.diagnostics


def test_lifespan_reads_handlers_in_registration_order() -> None:
    fixed = fix(
        """\
        from fastapi import FastAPI

        app = FastAPI()


        def early() -> None: ...


        @app.on_event("startup")
        async def first() -> None: ...


        app.add_event_handler("startup", early)


        @app.on_event("startup")
        @app.on_event("startup")
        def twice() -> None: ...
        """
    )
    assert fixed is not None
    body = fixed.split("async def lifespan(app: FastAPI):\n")[1].split("\n\n")[0]
    assert body.split("\n") == [
        "    await first()",
        "    early()",
        "    twice()",
        "    twice()",
        "    yield",
    ]


def test_multiline_constructor_without_trailing_comma() -> None:
    fixed = fix(
        """\
        from fastapi import FastAPI

        app = FastAPI(
            title="x"  # the title
        )


        @app.on_event("startup")
        def start() -> None: ...
        """
    )
    assert fixed is not None
    assert 'app = FastAPI(\n    title="x",  # the title\n    lifespan=lifespan\n)' in fixed


def test_multiline_constructor_with_trailing_comma_and_comments() -> None:
    fixed = fix(
        """\
        from fastapi import FastAPI

        app = FastAPI(  # the app
            title="x",  # the title
            version="1",  # the version
        )


        @app.on_event("startup")
        def start() -> None: ...
        """
    )
    assert fixed is not None
    expected = (
        "app = FastAPI(  # the app\n"
        '    title="x",  # the title\n'
        '    version="1",  # the version\n'
        "    lifespan=lifespan,\n"
        ")\n"
    )
    assert expected in fixed


def test_single_line_constructor_with_trailing_comma() -> None:
    fixed = fix(
        """\
        from fastapi import FastAPI

        app = FastAPI(title="x",)


        @app.on_event("startup")
        def start() -> None: ...
        """
    )
    assert fixed is not None
    assert 'app = FastAPI(title="x", lifespan=lifespan,)' in fixed


def test_annotated_app_assignment() -> None:
    fixed = fix(
        """\
        from fastapi import FastAPI

        app: FastAPI = FastAPI()


        @app.on_event("shutdown")
        def stop() -> None: ...
        """
    )
    assert fixed is not None
    assert "app: FastAPI = FastAPI(lifespan=lifespan)" in fixed
    assert "    yield\n    stop()\n" in fixed


def test_two_apps_get_two_names() -> None:
    fixed = fix(
        """\
        from fastapi import FastAPI

        public = FastAPI()
        internal = FastAPI()


        @public.on_event("startup")
        def start_public() -> None: ...


        @internal.on_event("startup")
        def start_internal() -> None: ...
        """
    )
    assert fixed is not None
    assert "public = FastAPI(lifespan=lifespan)" in fixed
    assert "internal = FastAPI(lifespan=lifespan_1)" in fixed
    compile(fixed, "app.py", "exec")


NO_FIX = {
    "router": """\
        from fastapi import APIRouter

        router = APIRouter()


        @router.on_event("startup")
        def start() -> None: ...
        """,
    "lifespan given": """\
        from fastapi import FastAPI

        app = FastAPI(lifespan=None)


        @app.on_event("startup")
        def start() -> None: ...
        """,
    "on_startup given": """\
        from fastapi import FastAPI

        app = FastAPI(on_startup=[])


        @app.on_event("startup")
        def start() -> None: ...
        """,
    "kwargs": """\
        from fastapi import FastAPI

        settings = {}
        app = FastAPI(**settings)


        @app.on_event("startup")
        def start() -> None: ...
        """,
    "one handler in a function": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.on_event("startup")
        def start() -> None: ...


        def install() -> None:
            @app.on_event("shutdown")
            def stop() -> None: ...
        """,
    "registration in a function": """\
        from fastapi import FastAPI

        app = FastAPI()


        def start() -> None: ...


        def install() -> None:
            app.add_event_handler("startup", start)
        """,
    "imported handler": """\
        from fastapi import FastAPI
        from service.events import start

        app = FastAPI()
        app.add_event_handler("startup", start)
        """,
    "other decorator": """\
        import functools

        from fastapi import FastAPI

        app = FastAPI()


        @app.on_event("startup")
        @functools.cache
        def start() -> None: ...
        """,
    "handler rebound": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.on_event("startup")
        def start() -> None: ...


        start = None
        """,
    "app rebound": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.on_event("startup")
        def start() -> None: ...


        app = FastAPI()
        """,
    "computed event": """\
        from fastapi import FastAPI

        EVENT = "startup"
        app = FastAPI()


        @app.on_event(EVENT)
        def start() -> None: ...
        """,
    "app.router used": """\
        from fastapi import FastAPI

        app = FastAPI()
        app.router.lifespan_context = None


        @app.on_event("startup")
        def start() -> None: ...
        """,
    "includes a router with events": """\
        from fastapi import APIRouter, FastAPI

        router = APIRouter()


        @router.on_event("startup")
        def load() -> None: ...


        app = FastAPI()
        app.include_router(router)


        @app.on_event("startup")
        def start() -> None: ...
        """,
    "handler named like the parameter": """\
        from fastapi import FastAPI

        application = FastAPI()


        @application.on_event("startup")
        def app() -> None: ...
        """,
    "asynccontextmanager imported after the app": """\
        from fastapi import FastAPI

        app = FastAPI()

        from contextlib import asynccontextmanager


        @app.on_event("startup")
        def start() -> None: ...
        """,
    "asynccontextmanager taken": """\
        from fastapi import FastAPI

        asynccontextmanager = None
        app = FastAPI()


        @app.on_event("startup")
        def start() -> None: ...
        """,
    "one registration suppressed": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.on_event("startup")
        def start() -> None: ...


        @app.on_event("shutdown")  # noqa: AIO401
        def stop() -> None: ...
        """,
    "served before a handler is defined": """\
        import uvicorn
        from fastapi import FastAPI

        app = FastAPI()

        if __name__ == "__main__":
            uvicorn.run(app)


        @app.on_event("startup")
        def start() -> None: ...
        """,
    "two statements on the registration line": """\
        from fastapi import FastAPI

        app = FastAPI()


        def start() -> None: ...


        app.add_event_handler("startup", start); print()
        """,
}


@pytest.mark.parametrize("source", NO_FIX.values(), ids=NO_FIX.keys())
def test_no_fix(source: str) -> None:
    assert fix(source) is None

"""AIO403: a resource made in a lifespan and never released after its `yield`."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Applicability, Edit, Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.semantic.context import FileContext
from aiolint.semantic.fastapi import is_lifespan, is_shutdown_handler, is_startup_handler
from aiolint.semantic.names import call_name, dotted
from aiolint.semantic.sqlalchemy import classify
from aiolint.semantic.visit_order import own_code

#: What makes a resource -> how it is released (`await` first when async).
RESOURCES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.create_async_engine",
            "sqlalchemy.ext.asyncio.engine.create_async_engine",
        ),
        ("await", "dispose"),
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.create_engine",
            "sqlalchemy.engine.create_engine",
            "sqlalchemy.engine.create.create_engine",
        ),
        ("", "dispose"),
    ),
    **dict.fromkeys(("asyncpg.create_pool", "asyncpg.pool.create_pool"), ("await", "close")),
    **dict.fromkeys(("aiohttp.ClientSession", "aiohttp.client.ClientSession"), ("await", "close")),
    **dict.fromkeys(("httpx.AsyncClient", "httpx._client.AsyncClient"), ("await", "aclose")),
    **dict.fromkeys(("httpx.Client", "httpx._client.Client"), ("", "close")),
    **dict.fromkeys(("httpx2.AsyncClient", "httpx2._client.AsyncClient"), ("await", "aclose")),
    **dict.fromkeys(("httpx2.Client", "httpx2._client.Client"), ("", "close")),
    **dict.fromkeys(
        ("redis.asyncio.Redis", "redis.asyncio.client.Redis", "redis.asyncio.from_url"),
        ("await", "aclose"),
    ),
}
#: A resource made: its call, the name or attribute it is bound to, its release.
_Made = tuple[cst.Call, str, tuple[str, ...]]
#: Any of these called on the resource releases it.
RELEASES = frozenset({"dispose", "close", "aclose", "wait_closed", "terminate"})


class UnclosedLifespanResource(Rule):
    """A resource created in an app's lifespan and never released at shutdown.

    ## What it does
    Finds, in a lifespan (an `@asynccontextmanager` function passed as
    `lifespan=` to `FastAPI(...)` / `Starlette(...)`, or named and shaped like
    one), an engine (`create_engine`, `create_async_engine`), an asyncpg pool
    (`asyncpg.create_pool`) or a client (`aiohttp.ClientSession()`,
    `httpx.AsyncClient()`, `httpx.Client()`, `redis.asyncio.Redis(...)`,
    `redis.asyncio.from_url(...)`) made before the `yield` and bound to a name
    or an attribute (`app.state.http = ...`) that nothing releases after the
    `yield` (`await engine.dispose()`, `await client.aclose()`,
    `client.close()`, ...). A resource entered with `async with` / `with`, or
    handed to something that owns it (`stack.enter_async_context(client)`,
    `Service(client)`), is not flagged; a session or session factory made from
    an engine (`async_sessionmaker(engine)`, `Session(engine)`) does not own
    it (it never disposes it), so the engine still needs `await
    engine.dispose()`. Also finds a resource that an
    `on_event("startup")` / `add_event_handler("startup", ...)` handler stores
    on an attribute or a global name when no shutdown handler of the module
    releases it.

    ## Why is this bad?
    Nothing closes the resource when the application stops: connections stay
    open until the process exits (the database sees them drop without a
    goodbye, `asyncpg` and `aiohttp` warn about unclosed objects), and in tests
    that start the app many times every start leaks another pool.

    ## Example
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.http = httpx.AsyncClient()
        yield


    app = FastAPI(lifespan=lifespan)
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.http = httpx.AsyncClient()
        yield
        await app.state.http.aclose()


    app = FastAPI(lifespan=lifespan)
    ```

    ## Fix safety
    The fix is unsafe: it inserts the release of each flagged resource right
    after the lifespan's `yield`, in the reverse order of their creation and
    awaited where the API is async (`await app.state.http.aclose()`), so it
    runs at shutdown, after the app stopped serving. That is wrong when
    something else owns and closes the object. It is offered only for a
    lifespan whose top level holds exactly one `yield`; startup handlers get
    no fix.

    ## References
    - [FastAPI: lifespan events](https://fastapi.tiangolo.com/advanced/events/)
    - [HTTPX: client instances](https://www.python-httpx.org/advanced/clients/)
    """

    code = "AIO403"
    name = "unclosed-lifespan-resource"
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("lifespan", "asynccontextmanager", "startup")  # startup: on_event handlers
    async_only = False  # startup handlers may be plain `def`s

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.calls_to(RESOURCES.keys())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not isinstance(node.body, cst.IndentedBlock):
            return
        if is_startup_handler(self.ctx, node):
            self._check_startup_handler(node)
            return
        if node.asynchronous is None:
            return
        statements = list(node.body.body)
        yields = [i for i, s in enumerate(statements) if _is_yield_statement(s)]
        if not yields or not is_lifespan(self.ctx, node):
            return
        first_yield = yields[0]
        made: list[_Made] = []
        for statement in statements[:first_yield]:
            found = self._resource(statement)
            if found is not None:
                made.append(found)
        if not made:
            return
        after = statements[first_yield + 1 :]
        unreleased = [
            item
            for item in made
            if not _released(after, item[1]) and not _handed_off(self.ctx, statements, item[1])
        ]
        if not unreleased:
            return
        fix = None
        if len(yields) == 1 and not any(
            _has_yield(s) for s in statements if not _is_yield_statement(s)
        ):
            fix = _release_fix(statements[first_yield], unreleased)
        for call, target, release in unreleased:
            self.report(
                call,
                f"`{target}` is made in the lifespan and never released after its `yield`: "
                "its connections stay open after shutdown; release it after the `yield` "
                f"({_release_code(target, release)})",
                fix=fix,
            )

    def _check_startup_handler(self, node: cst.FunctionDef) -> None:
        """Resources a startup handler stores that no shutdown handler of the
        module releases (no fix: the release belongs in another function)."""
        assert isinstance(node.body, cst.IndentedBlock)
        made = [m for m in map(self._resource, node.body.body) if m is not None]
        if not made:
            return
        shutdowns = [
            statement
            for func in _module_functions(self.ctx.module)
            if is_shutdown_handler(self.ctx, func) and isinstance(func.body, cst.IndentedBlock)
            for statement in func.body.body
        ]
        for call, target, release in made:
            if "." not in target and not _declared_global(node, target):
                continue  # a local name: gone when the handler returns (AIO303's business)
            if _released(shutdowns, target) or _handed_off(self.ctx, list(node.body.body), target):
                continue
            self.report(
                call,
                f"`{target}` is made at startup and no shutdown handler releases it: its "
                "connections stay open after shutdown; release it in a shutdown handler "
                f"({_release_code(target, release)}), or move both into a lifespan",
            )

    def _resource(
        self, statement: cst.BaseStatement
    ) -> tuple[cst.Call, str, tuple[str, ...]] | None:
        """`target = <resource>(...)` (possibly awaited): the call, the target, the release."""
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        assign = statement.body[0]
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return None
        value = assign.value
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            return None
        release = RESOURCES.get(call_name(self.ctx, value) or "")
        target = dotted(assign.targets[0].target)
        if release is None or not target:
            return None
        return value, target, release


def _module_functions(module: cst.Module) -> list[cst.FunctionDef]:
    return [s for s in module.body if isinstance(s, cst.FunctionDef)]


def _declared_global(func: cst.FunctionDef, name: str) -> bool:
    return any(
        isinstance(node, cst.Global) and any(item.name.value == name for item in node.names)
        for node in own_code(func.body)
    )


def _is_yield_statement(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.Yield)
    )


def _has_yield(statement: cst.BaseStatement) -> bool:
    return any(isinstance(n, cst.Yield) for n in own_code(statement))


def _released(statements: list[cst.BaseStatement], target: str) -> bool:
    """A release method called on `target` (or it entered with `with`) after the yield."""
    for statement in statements:
        for node in own_code(statement):
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in RELEASES
                and dotted(node.func.value) == target
            ):
                return True
    return False


def _handed_off(ctx: FileContext, statements: list[cst.BaseStatement], target: str) -> bool:
    """`target` passed as an argument (to an exit stack, a service) or entered
    with `with`; not to a session or session factory, which never disposes the
    engine it is given (`async_sessionmaker(engine)` does not own `engine`)."""
    for statement in statements:
        for node in own_code(statement):
            if (
                isinstance(node, cst.Call)
                and any(dotted(arg.value) == target for arg in node.args)
                and not _borrows(ctx, node)
            ):
                return True
            if isinstance(node, cst.WithItem) and dotted(node.item) == target:
                return True
    return False


def _borrows(ctx: FileContext, call: cst.Call) -> bool:
    """The call makes a session or a session factory (or configures one:
    `SessionLocal.configure(bind=engine)`): it uses the engine it is given and
    never disposes it."""
    kind = classify(ctx, call)
    if kind is not None and (kind.is_session or kind.is_factory):
        return True
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "configure":
        made = classify(ctx, func.value)
        return made is not None and (made.is_factory or made.is_session)
    return False


def _release_code(target: str, release: tuple[str, ...]) -> str:
    awaited, method = release
    return f"`{'await ' if awaited else ''}{target}.{method}()`"


def _release_fix(yield_statement: cst.BaseStatement, unreleased: list[_Made]) -> Fix:
    lines: list[cst.BaseStatement] = []
    for _, target, (awaited, method) in reversed(unreleased):
        call: cst.BaseExpression = cst.Call(
            func=cst.Attribute(value=cst.parse_expression(target), attr=cst.Name(method))
        )
        if awaited:
            call = cst.Await(expression=call)
        lines.append(cst.SimpleStatementLine(body=[cst.Expr(value=call)]))
    return Fix(
        "Release the lifespan's resources after its `yield`",
        Applicability.UNSAFE,
        (Edit(yield_statement, cst.FlattenSentinel([yield_statement, *lines])),),
    )

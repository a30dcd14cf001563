"""AIO303: an engine, pool or HTTP client created on every request."""

from __future__ import annotations

import enum
from pathlib import PurePath

import libcst as cst
from libcst.metadata import Assignment, GlobalScope

from aiolint.engine import known_names
from aiolint.engine.gate import AstFacts
from aiolint.engine.model import FixAvailability
from aiolint.engine.rule import Rule
from aiolint.semantic.bindings import assignments_of, binding_value, origin, single_binding_value
from aiolint.semantic.context import FileContext
from aiolint.semantic.fastapi import (
    function_references,
    is_app,
    is_dependency,
    is_lifespan,
    is_route_handler,
    is_startup_handler,
    iter_decorator_callees,
)
from aiolint.semantic.functions import enclosing_function, is_async_function
from aiolint.semantic.names import call_name, may_call, qualified_name

#: Constructors of long-lived resources, by qualified name: (shown as, what they create).
RESOURCES = known_names.RESOURCES
#: Decorators that make a function return the same object on every call.
CACHES = frozenset({"functools.lru_cache", "functools.cache", "async_lru.alru_cache"})
#: Command-line frameworks whose commands run once per invocation.
CLI_PACKAGES = frozenset({"click", "asyncclick", "typer", "cyclopts"})
#: aiohttp `Application` signal lists whose callbacks run once per process.
AIOHTTP_HOOKS = frozenset({"cleanup_ctx", "on_startup", "on_shutdown", "on_cleanup"})
#: Decorators of test fixtures (set up per test, by design).
FIXTURES = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
#: Runners of a program's entry point: `asyncio.run(main())`, `anyio.run(main)`.
RUNNERS = frozenset({"asyncio.run", "uvloop.run", "anyio.run", "trio.run"})


class _Role(enum.Enum):
    ROUTE = "route handler"
    DEPENDENCY = "dependency"
    ASYNC = "async function"


class _Fate(enum.Enum):
    """What the function does with the object it created."""

    STORED = enum.auto()  # on self, app.state, a module-level name or container
    RETURNED = enum.auto()  # handed to the caller (a factory)
    LOCAL = enum.auto()


class ResourcePerRequest(Rule):
    """Engine, connection pool or HTTP client created per request or per call.

    ## What it does
    Finds `create_engine()`, `create_async_engine()`, `asyncpg.create_pool()`,
    `aiohttp.ClientSession()`, `httpx.AsyncClient()` / `httpx.Client()` and
    `redis.asyncio.Redis(...)` / `from_url(...)` called inside a FastAPI or
    Starlette route handler, inside a function this module passes to
    `Depends(...)` / `Security(...)`, or inside any other `async def`; and,
    in the same places, calls of a function of the project that returns a new
    one of these on every call (`def make_client(): return
    httpx.AsyncClient(...)`, also through another such function or a
    re-export). A function that returns a module-level object, one it keeps in
    a `global`, or that is cached (`@lru_cache`) is no such factory.

    It stays silent when the function runs once: a lifespan (passed as
    `lifespan=`, or an `@asynccontextmanager` whose name contains "lifespan" or
    whose first parameter is annotated as the app), an `on_event("startup")` /
    `add_event_handler("startup", ...)` handler, a cached function
    (`@lru_cache`, `@cache`, `@alru_cache`), the program's entry point (defined
    or called under `if __name__ == "__main__":`, or run by `asyncio.run()`), a
    click or typer command, a callback aiohttp runs at startup or shutdown
    (`app.cleanup_ctx.append(f)`, `app.on_startup.append(f)`), a function only
    ever called from such code (outside a loop), a pytest fixture, or code in a
    test module. It also stays silent when the function stores the object for
    reuse (on `self`, on `app.state`, in a module-level name declared
    `global`, or in a module-level object or container), directly or through a
    local name, and when a plain async function (not a route or dependency)
    returns it to its caller, as a factory does. Sync functions that are
    neither routes nor dependencies (scripts, factories) are never flagged, and
    neither is a client built around a pool made elsewhere
    (`httpx.AsyncClient(transport=shared_transport)`,
    `Redis(connection_pool=shared_pool)`,
    `aiohttp.ClientSession(connector=shared, connector_owner=False)`); a
    transport chosen by a condition (`transport=(mock if testing else None)`)
    or made in the function is no shared pool.

    ## Why is this bad?
    Each of these objects owns a connection pool. Creating one per request
    opens new TCP (and TLS) connections every time instead of reusing warm
    ones, adds the connect latency to every response, and under load exhausts
    file descriptors or the database's connection limit, since pools that are
    not closed promptly linger. Create the object once, at startup, and share
    it.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather/{city}")
    async def weather(city: str) -> dict:
        async with httpx.AsyncClient(base_url="https://api.example.com") as client:
            response = await client.get(f"/weather/{city}")
        return response.json()
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI, Request


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient(base_url="https://api.example.com") as client:
            app.state.weather_client = client
            yield


    app = FastAPI(lifespan=lifespan)


    @app.get("/weather/{city}")
    async def weather(city: str, request: Request) -> dict:
        response = await request.app.state.weather_client.get(f"/weather/{city}")
        return response.json()
    ```

    ## Fix safety
    No fix: create the object once in the application's lifespan and share it
    through `app.state` or a dependency that returns it.

    ## References
    - [FastAPI: Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
    - [HTTPX: Why use a Client?](https://www.python-httpx.org/advanced/clients/)
    - [SQLAlchemy: Engine Configuration](https://docs.sqlalchemy.org/en/20/core/engines.html)
    """

    code = "AIO303"
    name = "resource-per-request"
    fix_availability = FixAvailability.NONE
    prefilter = ("sqlalchemy", "asyncpg", "aiohttp", "httpx", "redis")

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.calls_to(RESOURCES.keys() | facts.project_factories, in_function=True)

    def visit_Call(self, node: cst.Call) -> None:
        project = self.ctx.project
        factories = project.factories if project is not None else {}
        if not may_call(self.ctx, node, RESOURCES.keys() | factories.keys()):
            return
        resolved = call_name(self.ctx, node) or ""
        factory = factories.get(resolved)
        resource = RESOURCES.get(factory or resolved)
        if resource is None or _in_test_module(self.ctx):
            return
        if factory is None and _reuses_pool(self.ctx, resolved, node):
            return
        func = enclosing_function(self.ctx, node)
        if func is None:
            return
        role = _role(self.ctx, func)
        if role is None:
            return
        fate = _fate(self.ctx, node)
        if fate is _Fate.STORED or (fate is _Fate.RETURNED and role is _Role.ASYNC):
            return
        if _runs_once(self.ctx, func):
            return
        shown, created = resource
        where = "on every request" if role is not _Role.ASYNC else "on every call"
        if factory is not None:  # a function of the project that returns a new one
            shown = f"{resolved.rpartition('.')[2]}()` (a new `{shown}()` each time)"
        else:
            shown = f"{shown}()`"
        self.report(
            node,
            f"`{shown} in {role.value} `{func.name.value}` creates {created} "
            f"{where}; create it once in the lifespan and share it "
            "(`app.state` or a dependency)",
        )


def _reuses_pool(ctx: FileContext, resolved: str, call: cst.Call) -> bool:
    """A client built around an existing pool is cheap: `httpx.AsyncClient(transport=t)`
    or `Redis(connection_pool=p)` with a pool made elsewhere,
    `aiohttp.ClientSession(connector=c, connector_owner=False)`; not one whose
    pool is chosen by a condition and may be None."""
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    if resolved.startswith("aiohttp."):  # a session owning the connector closes it
        owner = keywords.get("connector_owner")
        if not (isinstance(owner, cst.Name) and owner.value == "False"):
            return False
    shared = {"httpx": "transport", "redis": "connection_pool", "aiohttp": "connector"}.get(
        resolved.split(".")[0]
    )
    if shared is None:
        return False
    pool = keywords.get(shared)
    # A pool made elsewhere (a name, an attribute); not one made here, nor one
    # chosen by a condition (`transport=(MockTransport(h) if testing else None)`),
    # directly or through a local name.
    if isinstance(pool, cst.Name):
        if pool.value == "None":
            return False
        local = [a for a in assignments_of(ctx, pool) or () if not isinstance(a.scope, GlobalScope)]
        if any(isinstance(binding_value(ctx, a), cst.IfExp | cst.Call) for a in local):
            return False  # made in this function: a new pool each call
    return isinstance(pool, cst.Name | cst.Attribute | cst.Subscript)


def _role(ctx: FileContext, func: cst.FunctionDef) -> _Role | None:
    if is_route_handler(ctx, func):
        return _Role.ROUTE
    if is_dependency(ctx, func):
        return _Role.DEPENDENCY
    return _Role.ASYNC if is_async_function(func) else None


# --- what happens to the created object ---------------------------------------------


def _fate(ctx: FileContext, call: cst.Call) -> _Fate:
    expr: cst.CSTNode = call
    parent = ctx.parent(expr)
    while isinstance(parent, cst.Await):
        expr, parent = parent, ctx.parent(parent)
    if isinstance(parent, cst.Return):
        return _Fate.RETURNED
    targets: list[cst.BaseExpression] = []
    if isinstance(parent, cst.Assign) and parent.value is expr:
        targets = [t.target for t in parent.targets]
    elif isinstance(parent, cst.AnnAssign | cst.NamedExpr) and parent.value is expr:
        targets = [parent.target]
    elif isinstance(parent, cst.WithItem) and parent.asname is not None:
        targets = [parent.asname.name]
    fates = [_target_fate(ctx, t, follow=True) for t in targets]
    for fate in (_Fate.STORED, _Fate.RETURNED):
        if fate in fates:
            return fate
    return _Fate.LOCAL


def _target_fate(ctx: FileContext, target: cst.BaseExpression, *, follow: bool) -> _Fate:
    """Whether assigning to `target` stores the object; a local name is followed
    (once) to where its value goes next: `self.x = client`, `return client`."""
    if isinstance(target, cst.Attribute | cst.Subscript):
        return _Fate.STORED if _is_shared_container(ctx, target) else _Fate.LOCAL
    if not isinstance(target, cst.Name):
        return _Fate.LOCAL
    if _is_global_binding(ctx, target):
        return _Fate.STORED
    if not follow:
        return _Fate.LOCAL
    fates: set[_Fate] = set()
    for ref in _binding_references(ctx, target):
        parent = ctx.parent(ref)
        if isinstance(parent, cst.Return):
            fates.add(_Fate.RETURNED)
        elif isinstance(parent, cst.Assign) and parent.value is ref:
            fates |= {_target_fate(ctx, t.target, follow=False) for t in parent.targets}
        elif isinstance(parent, cst.AnnAssign) and parent.value is ref:
            fates.add(_target_fate(ctx, parent.target, follow=False))
    for fate in (_Fate.STORED, _Fate.RETURNED):
        if fate in fates:
            return fate
    return _Fate.LOCAL


def _is_shared_container(ctx: FileContext, target: cst.Attribute | cst.Subscript) -> bool:
    """`self.x`, `cls.x`, `app.state.x`, `request.app.state.x`, `registry[k]` or
    `settings.x` of a module-level object: outlives the call."""
    node: cst.BaseExpression = target
    while isinstance(node, cst.Attribute | cst.Subscript):
        if isinstance(node, cst.Attribute) and node.attr.value == "state" and node is not target:
            owner = node.value
            if is_app(ctx, owner) or (
                isinstance(owner, cst.Attribute) and owner.attr.value == "app"
            ):
                return True
        node = node.value
    if not isinstance(node, cst.Name):
        return False
    if node.value in ("self", "cls"):
        return True
    return _is_global_binding(ctx, node)


def _is_global_binding(ctx: FileContext, name: cst.Name) -> bool:
    """Whether `name` refers to (or binds, under `global`) a module-level name."""
    scope = ctx.scopes.get(name)
    if isinstance(scope, GlobalScope) or scope is None:
        return False  # module-level code is never flagged anyway
    module_scope = ctx.scopes.get(ctx.module)
    if module_scope is not None and any(
        a.node is name for a in module_scope.assignments[name.value]
    ):
        return True  # `global x` then `x = ...`
    bindings = assignments_of(ctx, name)
    if not bindings or any(a.node is name for a in bindings):
        return False
    return all(isinstance(a.scope, GlobalScope) for a in bindings)


def _binding_references(ctx: FileContext, name: cst.Name) -> list[cst.CSTNode]:
    scope = ctx.scopes.get(name)
    if scope is None or name.value not in scope:
        return []
    return [
        access.node
        for assignment in scope.assignments[name.value]
        if isinstance(assignment, Assignment) and assignment.node is name
        for access in assignment.references
    ]


# --- functions that run once --------------------------------------------------------


def _runs_once(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """Whether `func` (or a function it is nested in) runs once per process or per
    test rather than per request or per call."""
    memo: dict[cst.FunctionDef, bool] = ctx.memo.setdefault("AIO303.runs_once", {})
    if func in memo:
        return memo[func]
    memo[func] = False  # a recursive use is not a use "from code that runs once"
    result = (
        is_lifespan(ctx, func)
        or is_startup_handler(ctx, func)
        or _is_cached_or_fixture(ctx, func)
        or _is_command(ctx, func)
        or _under_main_guard(ctx, func)
        or _only_used_once(ctx, func)
    )
    if not result:
        outer = enclosing_function(ctx, func)
        result = outer is not None and _runs_once(ctx, outer)
    memo[func] = result
    return result


def _is_cached_or_fixture(ctx: FileContext, func: cst.FunctionDef) -> bool:
    return any(
        qualified_name(ctx, callee) in CACHES | FIXTURES for callee in iter_decorator_callees(func)
    )


def _is_command(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """A click / typer command: `@click.command()`, `@cli.command()` of a click
    group, `@app.command()` of a `typer.Typer()` (it runs once per invocation)."""
    for callee in iter_decorator_callees(func):
        name = qualified_name(ctx, callee) or ""
        if name.split(".")[0] in CLI_PACKAGES:
            return True
        if isinstance(callee, cst.Attribute) and callee.attr.value in ("command", "group"):
            made = origin(ctx, callee.value) or ""
            if made.split(".")[0] in CLI_PACKAGES:
                return True  # `typer.Typer()`, `click.Group()`
            group = _local_function(ctx, callee.value)
            if group is not None and _is_command(ctx, group):
                return True  # `@cli.command()` under `@click.group() def cli()`
    return False


def _local_function(ctx: FileContext, expr: cst.BaseExpression) -> cst.FunctionDef | None:
    value = single_binding_value(ctx, expr) if isinstance(expr, cst.Name) else None
    return value if isinstance(value, cst.FunctionDef) else None


def _is_aiohttp_hook(ctx: FileContext, ref: cst.CSTNode) -> bool:
    """`app.cleanup_ctx.append(f)`, `app.on_startup.append(f)` (also `extend([f])`,
    `on_shutdown`, `on_cleanup`): aiohttp runs it once, at startup or shutdown."""
    node: cst.CSTNode | None = ctx.parent(ref)
    if isinstance(node, cst.Element):
        node = ctx.parent(ctx.parent(node) or node)
    if not isinstance(node, cst.Arg):
        return False
    call = ctx.parent(node)
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return False
    method, owner = call.func.attr.value, call.func.value
    return (
        method in ("append", "extend", "insert")
        and isinstance(owner, cst.Attribute)
        and owner.attr.value in AIOHTTP_HOOKS
    )


def _only_used_once(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """Every reference to `func` is an entry-point use or sits, outside any loop,
    in code that runs once."""
    references = function_references(ctx, func)
    return bool(references) and all(_is_once_use(ctx, ref) for ref in references)


def _is_once_use(ctx: FileContext, ref: cst.CSTNode) -> bool:
    if _is_aiohttp_hook(ctx, ref):
        return True
    if _in_loop(ctx, ref):
        return False
    if _under_main_guard(ctx, ref) or _is_run_by_runner(ctx, ref):
        return True
    caller = enclosing_function(ctx, ref)
    return caller is not None and _runs_once(ctx, caller)


_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _in_loop(ctx: FileContext, node: cst.CSTNode) -> bool:
    """Whether `node` may run repeatedly within its function (or module) body."""
    current = ctx.parent(node)
    while current is not None and not isinstance(current, cst.FunctionDef | cst.Lambda):
        if isinstance(current, _LOOPS):
            return True
        current = ctx.parent(current)
    return False


def _is_run_by_runner(ctx: FileContext, ref: cst.CSTNode) -> bool:
    """`asyncio.run(main())` or `anyio.run(main)`."""
    node = ref
    parent = ctx.parent(node)
    if isinstance(parent, cst.Call) and parent.func is node:
        node, parent = parent, ctx.parent(parent)
    if not isinstance(parent, cst.Arg) or parent.value is not node:
        return False
    runner = ctx.parent(parent)
    return isinstance(runner, cst.Call) and call_name(ctx, runner) in RUNNERS


def _under_main_guard(ctx: FileContext, node: cst.CSTNode) -> bool:
    guards = _main_guards(ctx)
    if not guards:
        return False
    current: cst.CSTNode | None = ctx.parent(node)
    while current is not None:
        if current in guards:
            return True
        current = ctx.parent(current)
    return False


def _main_guards(ctx: FileContext) -> frozenset[cst.If]:
    """Module-level `if __name__ == "__main__":` statements."""
    cached = ctx.memo.get("AIO303.main_guards")
    if cached is None:
        cached = frozenset(
            stmt
            for stmt in ctx.module.body
            if isinstance(stmt, cst.If) and _is_main_test(stmt.test)
        )
        ctx.memo["AIO303.main_guards"] = cached
    return cached


def _is_main_test(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    (target,) = test.comparisons
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = {_text(test.left), _text(target.comparator)}
    return sides == {"__name__", "__main__"}


def _text(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _in_test_module(ctx: FileContext) -> bool:
    name = PurePath(ctx.path).name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"

"""FastAPI / Starlette facts: apps and routers, route handlers, dependencies,
lifespans and startup handlers.

Everything is resolved, never matched as text: an app is a value whose
`bindings.origin` is a FastAPI/Starlette/APIRouter/Router instance (built by a
call, or a parameter annotated with the class). How a function of the module is
*used* (passed to `Depends`, to `lifespan=`, to `add_event_handler`) is read
from LibCST's scope analysis (the references of its binding), so no helper
walks the module again; results are memoized in `ctx.memo` per file.

Public surface:

- `app_kind(ctx, expr)` / `is_app(ctx, expr)`: is `expr` an application or a router?
- `is_route_handler(ctx, func)`: `@app.get(...)`-style decorated, or passed as a
  route endpoint (`app.add_api_route(path, f)`, `Route(path, f)`).
- `dependency_targets(ctx)` / `is_dependency(ctx, func)`: this module's functions
  passed to `Depends(...)` / `Security(...)` anywhere in the module.
- `is_lifespan(ctx, func)`: passed as `lifespan=` to an app or router, or an
  `@asynccontextmanager` that looks like a lifespan (see `is_lifespan`).
- `is_startup_handler(ctx, func)`: `@app.on_event("startup")`,
  `app.add_event_handler("startup", f)`, `FastAPI(on_startup=[f])`.
- `event_registration(ctx, call)`: the `on_event` / `add_event_handler` call
  described (event name, handler function, the app it is registered on).
- `movable_app_events(ctx, registration)`: the app a registration is made on,
  built at module level, with all its startup/shutdown handlers in the order they
  run, when every one of them can move into a lifespan (the AIO401 fix).
- `function_references(ctx, func)`: the expressions that refer to a `def`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, GlobalScope, ImportAssignment

from aiolint.engine import known_names
from aiolint.semantic.bindings import annotation_origin, assignments_of, origin
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import decorator_expressions
from aiolint.semantic.names import call_name, qualified_name


class AppKind(enum.Enum):
    """What kind of ASGI routing object a value is."""

    APPLICATION = "application"
    ROUTER = "router"


#: Classes whose instances are apps or routers, by qualified name.
APP_CLASSES: dict[str, AppKind] = {
    name: AppKind(kind) for name, kind in known_names.APP_CLASSES.items()
}
#: Decorator methods of an app or router that register a route handler.
ROUTE_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "trace",
        "api_route",
        "route",
        "websocket",
        "websocket_route",
    }
)
#: Methods of an app or router that take an endpoint as second argument.
_ADD_ROUTE_METHODS = frozenset(
    {"add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"}
)
#: Route classes that take an endpoint as second argument (or `endpoint=`).
_ROUTE_CLASSES = frozenset(
    {
        "starlette.routing.Route",
        "starlette.routing.WebSocketRoute",
        "fastapi.routing.APIRoute",
        "fastapi.routing.APIWebSocketRoute",
    }
)
DEPENDS_FUNCTIONS = frozenset(
    {
        "fastapi.Depends",
        "fastapi.Security",
        "fastapi.params.Depends",
        "fastapi.params.Security",
        "fastapi.param_functions.Depends",
        "fastapi.param_functions.Security",
    }
)
ASYNC_CONTEXT_MANAGERS = frozenset({"contextlib.asynccontextmanager"})
EVENT_METHODS = frozenset({"on_event", "add_event_handler"})


@dataclass(frozen=True, slots=True)
class EventRegistration:
    """`@app.on_event("startup")` or `app.add_event_handler("startup", f)`."""

    call: cst.Call
    #: "on_event" or "add_event_handler".
    method: str
    #: The receiver (`app`, `router`, `app.router`).
    app: cst.BaseExpression
    kind: AppKind
    #: The event name when it is a literal string ("startup", "shutdown").
    event: str | None
    #: The module function registered, when it is known.
    handler: cst.FunctionDef | None


# --- apps and routers ---------------------------------------------------------------


def app_kind(ctx: FileContext, expr: cst.BaseExpression) -> AppKind | None:
    """Whether `expr` is a FastAPI/Starlette application or router instance.

    `app = FastAPI()`, `router = APIRouter()`, a parameter annotated `FastAPI`,
    and `app.router` of an application (a Starlette `Router`) are recognised.
    """
    described = origin(ctx, expr)
    if described is None or not described.endswith(("()", ").router")):
        return None
    if described.endswith(".router"):
        owner = APP_CLASSES.get(described.removesuffix("().router"))
        return AppKind.ROUTER if owner is AppKind.APPLICATION else None
    return APP_CLASSES.get(described.removesuffix("()"))


def is_app(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """Whether `expr` is an application or router (see `app_kind`)."""
    return app_kind(ctx, expr) is not None


def _app_method_call(ctx: FileContext, node: cst.CSTNode, methods: frozenset[str]) -> str | None:
    """`app.<method>(...)` with one of `methods` on an app or router: the method."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    method = node.func.attr.value
    if method in methods and is_app(ctx, node.func.value):
        return method
    return None


def is_route_handler(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """Whether `func` handles requests: decorated `@app.get(...)` (any method in
    `ROUTE_METHODS`, on an app or router), or passed as an endpoint to
    `app.add_api_route(...)` / `Route(...)`."""
    memo: dict[cst.FunctionDef, bool] = ctx.memo.setdefault("fastapi.route_handler", {})
    if func not in memo:
        memo[func] = any(
            _app_method_call(ctx, d, ROUTE_METHODS) for d in decorator_expressions(func)
        ) or any(_is_endpoint_use(ctx, ref) for ref in function_references(ctx, func))
    return memo[func]


def _is_endpoint_use(ctx: FileContext, ref: cst.CSTNode) -> bool:
    call, arg = _argument_of(ctx, ref)
    if call is None or arg is None:
        return False
    if arg.keyword is not None:
        is_endpoint = arg.keyword.value == "endpoint"
    else:
        is_endpoint = _positional_index(call, arg) == 1
    if not is_endpoint:
        return False
    return (
        _app_method_call(ctx, call, _ADD_ROUTE_METHODS) is not None
        or call_name(ctx, call) in _ROUTE_CLASSES
    )


# --- dependencies -------------------------------------------------------------------


def dependency_targets(ctx: FileContext) -> frozenset[str]:
    """Names of functions defined in this module passed to `Depends(...)` or
    `Security(...)` anywhere in the module (parameter defaults, `Annotated[...]`
    aliases, `dependencies=[Depends(f)]`, nested dependencies)."""
    return frozenset(func.name.value for func in _dependency_functions(ctx))


def is_dependency(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """Whether `func` is passed to `Depends`/`Security` in this module."""
    return func in _dependency_functions(ctx)


def _dependency_functions(ctx: FileContext) -> frozenset[cst.FunctionDef]:
    cached = ctx.memo.get("fastapi.dependencies")
    if cached is None:
        found: set[cst.FunctionDef] = set()
        for call in calls_to(ctx, DEPENDS_FUNCTIONS):
            target = _argument(call, 0, "dependency")
            if isinstance(target, cst.Name):
                found |= _module_functions(ctx, target)
        cached = frozenset(found)
        ctx.memo["fastapi.dependencies"] = cached
    return cached


# --- lifespans and startup handlers -------------------------------------------------


def is_lifespan(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """Whether `func` is an app's lifespan.

    Either it is passed as `lifespan=` to an app or router constructor
    (`FastAPI(lifespan=f)`, `Starlette(lifespan=f)`, `APIRouter(lifespan=f)`),
    or it is decorated `@asynccontextmanager` and looks like a lifespan: its
    name contains "lifespan" (case and underscores ignored: `lifespan`,
    `app_lifespan`, `Lifespan`, `life_span`), or its first parameter is
    annotated as an app (`async def setup(app: FastAPI)`).
    """
    memo: dict[cst.FunctionDef, bool] = ctx.memo.setdefault("fastapi.lifespan", {})
    if func not in memo:
        memo[func] = _looks_like_lifespan(ctx, func) or any(
            _is_lifespan_use(ctx, ref) for ref in function_references(ctx, func)
        )
    return memo[func]


def _looks_like_lifespan(ctx: FileContext, func: cst.FunctionDef) -> bool:
    decorated = any(
        qualified_name(ctx, _callee(d)) in ASYNC_CONTEXT_MANAGERS
        for d in decorator_expressions(func)
    )
    if not decorated:
        return False
    if "lifespan" in func.name.value.lower().replace("_", ""):
        return True
    params = func.params.params
    if not params or params[0].annotation is None:
        return False
    described = annotation_origin(ctx, params[0].annotation.annotation)
    return described is not None and described.removesuffix("()") in APP_CLASSES


def _is_lifespan_use(ctx: FileContext, ref: cst.CSTNode) -> bool:
    call, arg = _argument_of(ctx, ref)
    if call is None or arg is None or arg.keyword is None:
        return False
    return arg.keyword.value == "lifespan" and call_name(ctx, call) in APP_CLASSES


def is_startup_handler(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """Whether `func` runs once at startup: `@app.on_event("startup")`,
    `app.add_event_handler("startup", func)`, or `on_startup=[func]` given to an
    app or router constructor."""
    return _is_event_handler(ctx, func, "startup")


def is_shutdown_handler(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """Whether `func` runs once at shutdown (as `is_startup_handler`, for
    "shutdown" and `on_shutdown=[...]`)."""
    return _is_event_handler(ctx, func, "shutdown")


def _is_event_handler(ctx: FileContext, func: cst.FunctionDef, event: str) -> bool:
    memo: dict[cst.FunctionDef, bool] = ctx.memo.setdefault(f"fastapi.{event}", {})
    if func not in memo:
        memo[func] = any(
            _is_registration(ctx, d, event) for d in decorator_expressions(func)
        ) or any(_is_event_use(ctx, ref, event) for ref in function_references(ctx, func))
    return memo[func]


def _is_registration(ctx: FileContext, node: cst.CSTNode, event: str) -> bool:
    if not isinstance(node, cst.Call):
        return False
    registration = event_registration(ctx, node)
    return registration is not None and registration.event == event


def _is_event_use(ctx: FileContext, ref: cst.CSTNode, event: str) -> bool:
    call, arg = _argument_of(ctx, ref)
    if call is not None and arg is not None:
        return _is_registration(ctx, call, event) and _positional_index(call, arg) == 1
    # `on_startup=[f]`: the reference is an element of a list/tuple keyword argument.
    element = ctx.parent(ref)
    sequence = ctx.parent(element) if isinstance(element, cst.Element) else None
    if not isinstance(sequence, cst.List | cst.Tuple):
        return False
    call, arg = _argument_of(ctx, sequence)
    return (
        call is not None
        and arg is not None
        and arg.keyword is not None
        and arg.keyword.value == f"on_{event}"
        and call_name(ctx, call) in APP_CLASSES
    )


def event_registration(ctx: FileContext, call: cst.Call) -> EventRegistration | None:
    """Describe `app.on_event(event)` / `app.add_event_handler(event, f)` on an app
    or router; None for any other call (a custom event bus's `on_event`)."""
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in EVENT_METHODS:
        return None
    kind = app_kind(ctx, call.func.value)
    if kind is None:
        return None
    method = call.func.attr.value
    event_arg = _argument(call, 0, "event_type")
    event = event_arg.evaluated_value if isinstance(event_arg, cst.SimpleString) else None
    handler: cst.FunctionDef | None = None
    if method == "add_event_handler":
        target = _argument(call, 1, "func")
        if isinstance(target, cst.Name):
            functions = _module_functions(ctx, target)
            handler = next(iter(functions)) if len(functions) == 1 else None
    else:
        handler = _decorated_function(ctx, call)
    return EventRegistration(
        call=call,
        method=method,
        app=call.func.value,
        kind=kind,
        event=event if isinstance(event, str) else None,
        handler=handler,
    )


def _decorated_function(ctx: FileContext, call: cst.Call) -> cst.FunctionDef | None:
    decorator = ctx.parent(call)
    func = ctx.parent(decorator) if isinstance(decorator, cst.Decorator) else None
    return func if isinstance(func, cst.FunctionDef) else None


# --- moving event handlers into a lifespan --------------------------------------------

#: Constructor keywords that already define what runs at startup and shutdown.
_EVENT_KEYWORDS = frozenset({"lifespan", "on_startup", "on_shutdown"})
#: `Starlette(debug, routes, middleware, exception_handlers, on_startup, ...)`:
#: a fifth positional argument is an event argument.
_MAX_POSITIONAL = 4


@dataclass(frozen=True, slots=True)
class AppEvents:
    """An application built at module level (`app = FastAPI(...)`) and every
    startup/shutdown handler registered on it, each a module-level function."""

    #: The module-level statement that builds the app.
    statement: cst.SimpleStatementLine
    constructor: cst.Call
    #: Handlers in the order the app calls them (registration order).
    startup: tuple[cst.FunctionDef, ...]
    shutdown: tuple[cst.FunctionDef, ...]
    #: Module-level statements that register handlers: decorated `def`s (their
    #: decorators are all `on_event` of this app) and `app.add_event_handler(...)` lines.
    decorated: tuple[cst.FunctionDef, ...]
    registration_lines: tuple[cst.SimpleStatementLine, ...]
    registrations: tuple[EventRegistration, ...]


def movable_app_events(ctx: FileContext, registration: EventRegistration) -> AppEvents | None:
    """The app `registration` is made on and all its event handlers, when every
    handler can be called from a lifespan defined just before the app.

    None unless: the receiver is a name bound once, at module level, to
    `FastAPI(...)` / `Starlette(...)` without `lifespan=`, `on_startup=`,
    `on_shutdown=` or `*args`/`**kwargs`; every `on_event` / `add_event_handler`
    on it is a module-level registration of a module-level function bound once,
    for a literal "startup" or "shutdown"; a decorated handler carries no other
    decorator; `app.router` is not used; no router of this module that has
    event handlers is included in the app; and no `if __name__ == ...:` block
    between the app and its last handler could serve it before then.
    """
    if registration.kind is not AppKind.APPLICATION or not isinstance(registration.app, cst.Name):
        return None
    binding = _module_binding(ctx, registration.app)
    if binding is None:
        return None
    memo: dict[Assignment, AppEvents | None] = ctx.memo.setdefault("fastapi.app_events", {})
    if binding not in memo:
        memo[binding] = _app_events(ctx, binding)
    return memo[binding]


def _module_binding(ctx: FileContext, name: cst.Name) -> Assignment | None:
    """The single module-level binding of `name` (None when rebound anywhere)."""
    found = assignments_of(ctx, name)
    if not found or len(found) != 1:
        return None
    (binding,) = found
    if not isinstance(binding, Assignment) or not isinstance(binding.scope, GlobalScope):
        return None
    return binding if len(binding.scope.assignments[name.value]) == 1 else None


def _module_statement(ctx: FileContext, node: cst.CSTNode) -> cst.CSTNode | None:
    """`node` itself when it is a statement directly in the module body."""
    return node if ctx.parent(node) is ctx.module else None


def _app_construction(
    ctx: FileContext, binding: Assignment
) -> tuple[cst.SimpleStatementLine, cst.Call] | None:
    target = binding.node
    parent = ctx.parent(target)
    if isinstance(parent, cst.AssignTarget):
        assign = ctx.parent(parent)
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return None
        value: cst.BaseExpression | None = assign.value
    elif isinstance(parent, cst.AnnAssign) and parent.target is target:
        assign, value = parent, parent.value
    else:
        return None
    line = ctx.parent(assign)
    if not isinstance(line, cst.SimpleStatementLine) or _module_statement(ctx, line) is None:
        return None
    if not isinstance(value, cst.Call):
        return None
    if APP_CLASSES.get(call_name(ctx, value) or "") is not AppKind.APPLICATION:
        return None
    if any(a.star for a in value.args):
        return None
    if any(a.keyword is not None and a.keyword.value in _EVENT_KEYWORDS for a in value.args):
        return None
    if sum(1 for a in value.args if a.keyword is None) > _MAX_POSITIONAL:
        return None
    return line, value


def _app_events(ctx: FileContext, binding: Assignment) -> AppEvents | None:
    built = _app_construction(ctx, binding)
    if built is None:
        return None
    statement, constructor = built
    order = {stmt: index for index, stmt in enumerate(ctx.module.body)}
    found: list[tuple[tuple[int, int], EventRegistration, cst.FunctionDef]] = []
    decorated: dict[cst.FunctionDef, None] = {}
    lines: list[cst.SimpleStatementLine] = []
    for access in binding.references:
        attribute = ctx.parent(access.node)
        if not isinstance(attribute, cst.Attribute) or attribute.value is not access.node:
            continue
        method = attribute.attr.value
        if method == "router":
            return None  # events or a lifespan set on the app's router directly
        call = ctx.parent(attribute)
        is_call = isinstance(call, cst.Call) and call.func is attribute
        if method == "include_router" and is_call:
            assert isinstance(call, cst.Call)
            if _includes_router_with_events(ctx, call):
                return None
        if method not in EVENT_METHODS:
            continue
        if not is_call:
            return None  # `register = app.add_event_handler`
        assert isinstance(call, cst.Call)
        registration = event_registration(ctx, call)
        if registration is None or registration.handler is None:
            return None
        placed = _movable(ctx, registration, binding)
        if placed is None:
            return None
        statement_node, position = placed
        found.append(((order[statement_node], position), registration, registration.handler))
        if isinstance(statement_node, cst.FunctionDef):
            decorated[statement_node] = None
        elif isinstance(statement_node, cst.SimpleStatementLine):
            lines.append(statement_node)
    if not found:
        return None
    found.sort(key=lambda item: item[0])
    last = max(max(order[f] for _, _, f in found), found[-1][0][0])
    if any(_is_main_block(stmt) for stmt in ctx.module.body[order[statement] : last]):
        return None  # the app may be served before all handlers are defined
    return AppEvents(
        statement=statement,
        constructor=constructor,
        startup=tuple(f for _, r, f in found if r.event == "startup"),
        shutdown=tuple(f for _, r, f in found if r.event == "shutdown"),
        decorated=tuple(decorated),
        registration_lines=tuple(lines),
        registrations=tuple(r for _, r, _ in found),
    )


def _is_main_block(statement: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":` (any test that reads `__name__`)."""
    if not isinstance(statement, cst.If):
        return False
    return any(
        isinstance(n, cst.Name) and n.value == "__name__" for n in _walk_expression(statement.test)
    )


def _walk_expression(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk_expression(child)


def _movable(
    ctx: FileContext, registration: EventRegistration, binding: Assignment
) -> tuple[cst.CSTNode, int] | None:
    """Where a movable registration happens: its module-level statement and,
    for a decorator, minus its index (decorators apply bottom-up)."""
    handler = registration.handler
    if registration.event not in ("startup", "shutdown") or handler is None:
        return None
    if _module_statement(ctx, handler) is None or not _bound_once(ctx, handler):
        return None
    own = _own_event_decorators(ctx, handler, binding)
    if own is None:
        return None
    if registration.method == "on_event":
        return handler, -own.index(registration.call)
    expression = ctx.parent(registration.call)
    line = ctx.parent(expression) if isinstance(expression, cst.Expr) else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    return (line, 0) if _module_statement(ctx, line) is not None else None


def _own_event_decorators(
    ctx: FileContext, func: cst.FunctionDef, binding: Assignment
) -> list[cst.Call] | None:
    """The decorators of `func`, when each is `@app.on_event(...)` of this app."""
    calls: list[cst.Call] = []
    for decorator in decorator_expressions(func):
        if not isinstance(decorator, cst.Call) or not isinstance(decorator.func, cst.Attribute):
            return None
        receiver = decorator.func.value
        if decorator.func.attr.value != "on_event" or not isinstance(receiver, cst.Name):
            return None
        if _module_binding(ctx, receiver) is not binding:
            return None
        calls.append(decorator)
    return calls


def _bound_once(ctx: FileContext, func: cst.FunctionDef) -> bool:
    scope = ctx.scopes.get(func)
    return scope is not None and len(scope.assignments[func.name.value]) == 1


def _includes_router_with_events(ctx: FileContext, call: cst.Call) -> bool:
    """`app.include_router(router)` where `router` is bound in this module and
    has `on_event` / `add_event_handler` registrations of its own."""
    router = _argument(call, 0, "router")
    if not isinstance(router, cst.Name):
        return False
    for assignment in assignments_of(ctx, router) or ():
        if not isinstance(assignment, Assignment):
            continue
        for access in assignment.references:
            parent = ctx.parent(access.node)
            if isinstance(parent, cst.Attribute) and parent.attr.value in EVENT_METHODS:
                return True
    return False


# --- references and arguments -------------------------------------------------------


def function_references(ctx: FileContext, func: cst.FunctionDef) -> list[cst.CSTNode]:
    """The name nodes that refer to the `def` statement `func` (in any scope that
    sees it). Decorator registration is not a reference."""
    memo: dict[cst.FunctionDef, list[cst.CSTNode]] = ctx.memo.setdefault(
        "fastapi.function_references", {}
    )
    if func not in memo:
        scope = ctx.scopes.get(func)
        found: list[cst.CSTNode] = []
        if scope is not None and func.name.value in scope:
            for assignment in scope.assignments[func.name.value]:
                if isinstance(assignment, Assignment) and assignment.node is func:
                    found.extend(access.node for access in assignment.references)
        memo[func] = found
    return memo[func]


def calls_to(ctx: FileContext, names: frozenset[str]) -> list[cst.Call]:
    """Every call in the module whose callee resolves to one of `names`, found
    from the references of the module's imports (no extra walk)."""
    key = "fastapi.calls_to:" + ",".join(sorted(names))
    cached = ctx.memo.get(key)
    if cached is None:
        cached = []
        for ref in _import_references(ctx):
            node: cst.CSTNode = ref
            parent = ctx.parent(node)
            while isinstance(parent, cst.Attribute) and parent.value is node:
                node, parent = parent, ctx.parent(parent)
            if (
                isinstance(parent, cst.Call)
                and parent.func is node
                and call_name(ctx, parent) in names
            ):
                cached.append(parent)
        ctx.memo[key] = cached
    return cached


def _import_references(ctx: FileContext) -> list[cst.CSTNode]:
    """Name nodes that refer to an import binding, in every scope of the module."""
    cached = ctx.memo.get("fastapi.import_references")
    if cached is None:
        scopes = {id(s): s for s in ctx.scopes.values() if s is not None}
        cached = [
            access.node
            for scope in scopes.values()
            for assignment in scope.assignments
            if isinstance(assignment, ImportAssignment)
            for access in assignment.references
        ]
        ctx.memo["fastapi.import_references"] = cached
    return cached


def _module_functions(ctx: FileContext, name: cst.Name) -> set[cst.FunctionDef]:
    """The `def`s of this module a name refers to (empty for anything else)."""
    found: set[cst.FunctionDef] = set()
    for assignment in assignments_of(ctx, name) or ():
        if isinstance(assignment, Assignment) and isinstance(assignment.node, cst.FunctionDef):
            found.add(assignment.node)
    return found


def _argument_of(ctx: FileContext, node: cst.CSTNode) -> tuple[cst.Call | None, cst.Arg | None]:
    """When `node` is an argument's value, the call and the argument."""
    arg = ctx.parent(node)
    if not isinstance(arg, cst.Arg) or arg.value is not node or arg.star:
        return None, None
    call = ctx.parent(arg)
    return (call, arg) if isinstance(call, cst.Call) else (None, None)


def _positional_index(call: cst.Call, arg: cst.Arg) -> int | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for index, candidate in enumerate(positional):
        if candidate is arg:
            return index
    return None


def _argument(call: cst.Call, index: int, keyword: str) -> cst.BaseExpression | None:
    """The value passed as positional `index` or as `keyword=`."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index].value if len(positional) > index else None


def _callee(decorator: cst.BaseExpression) -> cst.BaseExpression:
    """`@f` and `@f(...)` both name `f`."""
    return decorator.func if isinstance(decorator, cst.Call) else decorator


def iter_decorator_callees(func: cst.FunctionDef) -> Iterator[cst.BaseExpression]:
    """The callee of each decorator (`@lru_cache` and `@lru_cache()` both give `lru_cache`)."""
    for decorator in decorator_expressions(func):
        yield _callee(decorator)

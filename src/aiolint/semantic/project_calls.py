"""Which project function a call invokes, and what the project's summaries say
of it (`aiolint.project.blocking`, `aiolint.project.pooled`): the one answer
rules ask for a call.

A call names a project function by its absolute dotted name, the key of the
model's tables: through an import (`crud.get_users()`, `from app.crud import
get_users`), as a module-level function or class of this file (`helper()`,
`Users.list()`), as `self.m()` / `cls.m()` in a method of a module-level class,
or as a method on an instance of a project class (a parameter annotated with
it, a local made by calling it, a module-level instance). Anything else, and a
name that may be bound otherwise, is unknown (None).

`state_sessions(ctx, call)` answers which expressions a method call on an
instance of a project class works on as a session through the object's state:
`svc.close(a)` with `svc = OrderService(session)`, where `close` uses
`self.session` and `__init__` keeps its `session` argument there, works on
`session` (the model's `sessions` table, `aiolint.project.sessions`).

Without a project (a lone file, stdin without a filename), the file's own
summaries stand in for the project's, linked as a one-module project.
"""

from __future__ import annotations

import ast
import os

import libcst as cst

from aiolint.semantic.bindings import LOCAL, origin, single_binding_value
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_function, enclosing_scope
from aiolint.semantic.names import dotted, qualified_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.project.blocking import Blocking
    from aiolint.project.model import ProjectModel
    from aiolint.project.pooled import Pooled
    from aiolint.project.sessions import SessionUse

#: The module name a lone file's summaries are linked under.
LONE_MODULE = "__aiolint_file__"


def blocking_table(ctx: FileContext) -> tuple[dict[str, Blocking], str | None]:
    """The table of blocking functions, and this file's module name in it."""
    model, module = _model(ctx)
    return (model.blocking if model is not None else {}), module


def session_table(ctx: FileContext) -> tuple[dict[str, SessionUse], str | None]:
    """The table of session uses (`aiolint.project.sessions`), and this file's
    module name in it."""
    model, module = _model(ctx)
    return (model.sessions if model is not None else {}), module


def pooled_table(ctx: FileContext) -> tuple[dict[str, Pooled], str | None]:
    """The table of functions that use a shared pool (`aiolint.project.pooled`),
    and this file's module name in it."""
    model, module = _model(ctx)
    return (model.pooled if model is not None else {}), module


def _model(ctx: FileContext) -> tuple[ProjectModel | None, str | None]:
    """The project's model, or the file's own linked as a one-module project."""
    cached = ctx.memo.get("project_calls.model")
    if cached is None:
        project = ctx.project
        module = ctx.module_name[0] if project is not None else None
        if project is not None and module is not None:
            cached = (project, module)
        else:
            cached = (_lone_model(ctx.source), LONE_MODULE)
        ctx.memo["project_calls.model"] = cached
    return cached


def _lone_model(source: str) -> ProjectModel | None:
    from aiolint.project.model import link
    from aiolint.project.scan import scan

    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    record = scan(source, LONE_MODULE, False)
    return link({LONE_MODULE: record}, ()) if record is not None else None


def state_sessions(ctx: FileContext, call: cst.Call) -> list[cst.BaseExpression | str]:
    """For `svc.m(...)` on an instance of a project class, what `m` works on
    as a session through the object's state (see the module doc): for a local
    made by calling the class (`svc = OrderService(session)`), the
    constructor's arguments the object keeps in the `self` attributes `m`
    uses; for a parameter annotated with the class (`svc: OrderService`,
    FastAPI's `ServiceDep`), those attributes by name (`"svc.session"`) when
    the constructor keeps an `AsyncSession` there."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return []
    table, module = session_table(ctx)
    if not table or module is None:
        return []
    method = callee(ctx, call, module)
    used = table.get(method) if method is not None else None
    if method is None or used is None or not used[1]:
        return []
    class_ = method.rpartition(".")[0]
    stores = table.get(f"{class_}.__init__")
    if stores is None:
        return []
    made = single_binding_value(ctx, func.value)
    if isinstance(made, cst.Param):
        receiver = func.value.value
        return [
            f"{receiver}.{attr}"
            for attr, _, _, kind in stores[2]
            if attr in used[1] and kind == "AsyncSession"
        ]
    if isinstance(made, cst.Await):
        made = made.expression
    if not isinstance(made, cst.Call) or callee(ctx, made, module) != class_:
        return []
    positional = [a.value for a in made.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in made.args if a.keyword is not None}
    found: list[cst.BaseExpression | str] = []
    for attr, param, position, _ in stores[2]:
        if attr not in used[1]:
            continue
        if param in keywords:
            found.append(keywords[param])
        elif 0 <= position < len(positional):
            found.append(positional[position])
    return found


def callee(ctx: FileContext, call: cst.Call, module: str, *, nested: bool = False) -> str | None:
    """The absolute name of the project function `call` invokes (see the module
    doc); `module`: this file's module name; `nested`: a function defined in
    a function of this module (`f.<locals>.g`) counts too."""
    return function_named(ctx, call.func, call, module, nested=nested)


def function_named(
    ctx: FileContext,
    func: cst.BaseExpression,
    at: cst.CSTNode,
    module: str,
    *,
    nested: bool = False,
) -> str | None:
    """The project function the expression `func` names (a callee, or a
    function passed on: `tg.start_soon(func, x)`), written at `at`."""
    if not dotted(func):
        return None
    imported = qualified_name(ctx, func)
    if imported is not None:
        return imported if not imported.startswith("builtins.") else None
    names = ctx.qualified_names(func)
    if len(names) == 1:
        (name,) = names
        local = nested and isinstance(func, cst.Name)  # `g()`, not `obj.m()` on a local
        if (local or "<locals>" not in name.name) and _defined_at_module_level(ctx, name.name):
            return f"{module}.{name.name}"
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    method = func.attr.value
    own = _own_class(ctx, at, func.value.value)
    if own is not None:
        return f"{module}.{own}.{method}"
    made = origin(ctx, func.value)
    if made is None or not made.endswith("()") or made.count("()") != 1:
        return None
    class_ = made.removesuffix("()")
    if class_.startswith(LOCAL):
        class_ = f"{module}.{class_.removeprefix(LOCAL)}"
    return f"{class_}.{method}"


def _defined_at_module_level(ctx: FileContext, name: str) -> bool:
    head = name.partition(".")[0]
    return any(
        isinstance(stmt, cst.FunctionDef | cst.ClassDef) and stmt.name.value == head
        for stmt in ctx.module.body
    )


def _own_class(ctx: FileContext, at: cst.CSTNode, receiver: str) -> str | None:
    """The module-level class whose method `at` is in, when `receiver` is
    that method's first parameter (`self`, `cls`) and is not rebound."""
    func = enclosing_function(ctx, at)
    if func is None:
        return None
    params = func.params.params or func.params.posonly_params
    if not params or params[0].name.value != receiver:
        return None
    if any(_is_staticmethod(d.decorator) for d in func.decorators):
        return None
    owner = enclosing_scope(ctx, func)
    if not isinstance(owner, cst.ClassDef) or ctx.parent(owner) is not ctx.module:
        return None
    return owner.name.value


def _is_staticmethod(decorator: cst.BaseExpression) -> bool:
    return isinstance(decorator, cst.Name) and decorator.value == "staticmethod"


def where(ctx: FileContext, module: str, line: int) -> str:
    """`app/crud.py:12` (relative to the working folder), `line 12` in this file."""
    project = ctx.project
    path = project.module_path(module) if project is not None else None
    if path is None:
        return f"line {line}"
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    return f"{shown}:{line}"

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

Without a project (a lone file, stdin without a filename), the file's own
summaries stand in for the project's, linked as a one-module project.
"""

from __future__ import annotations

import ast
import os

import libcst as cst

from aiolint.semantic.bindings import LOCAL, origin
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_function, enclosing_scope
from aiolint.semantic.names import dotted, qualified_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.project.blocking import Blocking
    from aiolint.project.model import ProjectModel
    from aiolint.project.pooled import Pooled

#: The module name a lone file's summaries are linked under.
LONE_MODULE = "__aiolint_file__"


def blocking_table(ctx: FileContext) -> tuple[dict[str, Blocking], str | None]:
    """The table of blocking functions, and this file's module name in it."""
    cached = ctx.memo.get("blocking_table")
    if cached is None:
        project = ctx.project
        module = ctx.module_name[0] if project is not None else None
        if project is not None and module is not None:
            cached = (project.blocking, module)
        else:
            lone = _lone_model(ctx)
            cached = (lone.blocking if lone is not None else {}, LONE_MODULE)
        ctx.memo["blocking_table"] = cached
    return cached


def pooled_table(ctx: FileContext) -> tuple[dict[str, Pooled], str | None]:
    """The table of functions that use a shared pool, and this file's module
    name in it."""
    cached = ctx.memo.get("pooled_table")
    if cached is None:
        project = ctx.project
        module = ctx.module_name[0] if project is not None else None
        if project is not None and module is not None:
            cached = (project.pooled, module)
        else:
            lone = _lone_model(ctx)
            cached = (lone.pooled if lone is not None else {}, LONE_MODULE)
        ctx.memo["pooled_table"] = cached
    return cached


def _lone_model(ctx: FileContext) -> ProjectModel | None:
    """The file's own summaries, linked as a one-module project (once per file)."""
    if "lone_model" not in ctx.memo:
        from aiolint.project.model import link
        from aiolint.project.scan import scan

        try:
            ast.parse(ctx.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            ctx.memo["lone_model"] = None
            return None
        record = scan(ctx.source, LONE_MODULE, False)
        ctx.memo["lone_model"] = link({LONE_MODULE: record}, ()) if record is not None else None
    return ctx.memo["lone_model"]  # type: ignore[no-any-return]


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

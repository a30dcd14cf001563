"""Which function a node's code runs in, and whether that code is async.

"Inside async code" means lexically inside an `async def` body and not inside a
nested `def`, `lambda` or class body within it. Decorators, default values and
annotations of a nested function run in the enclosing scope, so they do not
reset the context.
"""

from __future__ import annotations

import libcst as cst

from aiolint.semantic.context import FileContext

Scope = cst.FunctionDef | cst.Lambda | cst.ClassDef | cst.Module


def enclosing_scope(ctx: FileContext, node: cst.CSTNode) -> Scope:
    """The innermost function, lambda, class body or module whose code runs `node`."""
    memo: dict[cst.CSTNode, Scope] = ctx.memo.setdefault("enclosing_scope", {})
    path: list[cst.CSTNode] = []
    child: cst.CSTNode = node
    result: Scope | None = None
    while True:
        if child in memo:
            result = memo[child]
            break
        parent = ctx.parent(child)
        if parent is None:
            result = ctx.module
            break
        path.append(child)
        if isinstance(parent, cst.FunctionDef | cst.ClassDef | cst.Lambda) and child is parent.body:
            result = parent
            break
        child = parent
    for seen in path:
        memo[seen] = result
    return result


def enclosing_function(ctx: FileContext, node: cst.CSTNode) -> cst.FunctionDef | None:
    """The `def`/`async def` whose body directly runs `node` (None at module/class level
    or inside a lambda)."""
    scope = enclosing_scope(ctx, node)
    return scope if isinstance(scope, cst.FunctionDef) else None


def is_async_function(func: cst.FunctionDef) -> bool:
    return func.asynchronous is not None


def in_async_code(ctx: FileContext, node: cst.CSTNode) -> bool:
    """Whether `node` runs in the body of an `async def` (see the module doc)."""
    func = enclosing_function(ctx, node)
    return func is not None and is_async_function(func)


def decorator_expressions(func: cst.FunctionDef) -> list[cst.BaseExpression]:
    return [d.decorator for d in func.decorators]

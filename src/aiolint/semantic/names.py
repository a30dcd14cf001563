"""Resolving names through imports and aliases, never by their text."""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst
from libcst.metadata import QualifiedNameSource

from aiolint.semantic.context import FileContext

_RESOLVED = (QualifiedNameSource.IMPORT, QualifiedNameSource.BUILTIN)


def qualified_name(ctx: FileContext, node: cst.BaseExpression) -> str | None:
    """The one imported (or builtin) dotted name `node` refers to, else None.

    `import asyncio as aio; aio.gather` -> "asyncio.gather"; `open` -> "builtins.open".
    A name that may also refer to a local definition (shadowing), or to two
    different imports, resolves to None: we stay silent on what we cannot know.
    In a project (`ctx.project`), relative imports are made absolute and a
    project module's re-export of a library name is that library name
    (`from app.db import Session` -> "sqlalchemy.orm.Session").
    """
    if not ctx.may_be_imported_or_builtin(node):
        return None
    names = ctx.qualified_names(node)
    if len(names) != 1:
        return None
    (name,) = names
    if name.source not in _RESOLVED:
        return None
    if name.source is QualifiedNameSource.IMPORT and ctx.options.project is not None:
        return ctx.absolute_name(name.name)
    return name.name


def local_or_imported_name(ctx: FileContext, node: cst.BaseExpression) -> str | None:
    """Like `qualified_name`, but a module-local definition resolves to its local name."""
    names = ctx.qualified_names(node)
    if len(names) != 1:
        return None
    return next(iter(names)).name


def call_name(ctx: FileContext, call: cst.Call) -> str | None:
    """The resolved dotted name of the function a call invokes, if known."""
    return qualified_name(ctx, call.func)


def may_call(ctx: FileContext, call: cst.Call, names: Collection[str]) -> bool:
    """Cheap pre-test of `call_name(ctx, call) in names`: False means it is not
    (decided from the file's imports, without scope analysis)."""
    return ctx.may_name(call.func, names)


def is_call_to(ctx: FileContext, node: cst.CSTNode, names: Collection[str]) -> bool:
    """Whether `node` is a call whose callee resolves to one of `names`."""
    return isinstance(node, cst.Call) and call_name(ctx, node) in names


def module_imports(ctx: FileContext, *roots: str) -> bool:
    """Whether the module imports any of the top-level packages `roots` anywhere."""
    key = "imports:" + ",".join(roots)
    cached = ctx.memo.get(key)
    if cached is None:
        cached = any(_import_roots(node) & set(roots) for node in _imports(ctx))
        ctx.memo[key] = cached
    return bool(cached)


def _imports(ctx: FileContext) -> list[cst.Import | cst.ImportFrom]:
    """Imports at module level, including those under top-level `if`/`try` blocks."""
    found = ctx.memo.get("imports")
    if found is None:
        found = []
        pending: list[cst.CSTNode] = list(ctx.module.body)
        while pending:
            stmt = pending.pop()
            if isinstance(stmt, cst.SimpleStatementLine):
                found.extend(s for s in stmt.body if isinstance(s, cst.Import | cst.ImportFrom))
            elif isinstance(stmt, cst.If | cst.Try | cst.Else | cst.ExceptHandler | cst.Finally):
                pending.extend(stmt.body.body)
                for extra in ("orelse", "handlers", "finalbody"):
                    value = getattr(stmt, extra, None)
                    if isinstance(value, cst.CSTNode):
                        pending.append(value)
                    elif isinstance(value, tuple):
                        pending.extend(value)
        ctx.memo["imports"] = found
    return found


def _import_roots(node: cst.Import | cst.ImportFrom) -> set[str]:
    if isinstance(node, cst.Import):
        return {dotted(alias.name).split(".")[0] for alias in node.names}
    if node.relative or node.module is None:
        return set()
    return {dotted(node.module).split(".")[0]}


def dotted(node: cst.BaseExpression) -> str:
    """`a.b.c` for a Name/Attribute chain, "" for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""

"""Imports for fixes: reuse what the file already binds, else ask for a new import.

Rules call `reference()` to learn how to spell `asyncio.TaskGroup` at a node
(`aio.TaskGroup` under `import asyncio as aio`, `TaskGroup` under `from asyncio
import TaskGroup`) and which import the fix must add; the engine adds missing
imports where isort would put them (`fixes.import_order`: in their section and
order, merged into an existing `from X import`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import libcst as cst
from libcst.metadata import Assignment

from aiolint.engine.model import RequiredImport
from aiolint.fixes.import_order import insert_import
from aiolint.semantic.context import FileContext
from aiolint.semantic.names import dotted


@dataclass(frozen=True, slots=True)
class Reference:
    """How to spell an imported object at one place, and the import it needs."""

    code: str
    imports: tuple[RequiredImport, ...] = ()

    def expression(self) -> cst.BaseExpression:
        return cst.parse_expression(self.code)


def runtime_imports(module: cst.Module) -> Iterator[cst.Import | cst.ImportFrom]:
    """Imports bound whenever the module runs: top-level statements and `try`
    bodies at top level (never `if TYPE_CHECKING:` or other conditional blocks)."""
    pending: deque[cst.BaseStatement] = deque(module.body)
    while pending:
        stmt = pending.popleft()
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from (s for s in stmt.body if isinstance(s, cst.Import | cst.ImportFrom))
        elif isinstance(stmt, cst.Try):
            pending.extend(stmt.body.body)


def _bindings(module: cst.Module) -> Iterator[tuple[str, str, cst.Import | cst.ImportFrom]]:
    """(bound name, dotted target, statement) for each runtime import:
    `import asyncio as aio` -> ("aio", "asyncio"); `from a import b` -> ("b", "a.b")."""
    for node in runtime_imports(module):
        if isinstance(node.names, cst.ImportStar):
            continue
        for alias in node.names:
            target = dotted(alias.name)
            if isinstance(node, cst.ImportFrom):
                if node.relative or node.module is None:
                    continue
                target = f"{dotted(node.module)}.{target}"
            elif alias.asname is None and "." in target:
                continue  # `import a.b` binds `a`, not `a.b`
            bound = alias.evaluated_alias or alias.evaluated_name
            yield bound, target, node


def has_star_import(module: cst.Module) -> bool:
    return any(
        isinstance(n, cst.ImportFrom) and isinstance(n.names, cst.ImportStar)
        for n in runtime_imports(module)
    )


@dataclass(frozen=True, slots=True)
class _RuntimeImports:
    """A file's runtime import bindings (`_bindings`) and whether it has a star import."""

    bindings: tuple[tuple[str, str, cst.Import | cst.ImportFrom], ...]
    star: bool


def _runtime_imports(ctx: FileContext) -> _RuntimeImports:
    """The file's `_RuntimeImports`, computed once per file: every fix that asks
    `reference` used to walk all the top-level statements again, which made a
    file's fixes cost the product of its statements and its fixes."""
    found = ctx.memo.get("imports.runtime")
    if not isinstance(found, _RuntimeImports):
        module = ctx.module
        found = _RuntimeImports(tuple(_bindings(module)), has_star_import(module))
        ctx.memo["imports.runtime"] = found
    return found


def _free(ctx: FileContext, name: str, at: cst.CSTNode, allowed: cst.CSTNode | None) -> bool:
    """Whether `name`, seen from `at`, is unbound or bound only by the import `allowed`."""
    scope = ctx.scopes.get(at)
    if scope is None:
        return False
    for assignment in scope[name]:
        if not isinstance(assignment, Assignment) or assignment.node is not allowed:
            return False
    return True


def reference(
    ctx: FileContext,
    module: str,
    name: str,
    at: cst.CSTNode,
    *,
    style: Literal["module", "from"] = "module",
) -> Reference | None:
    """Spell `module.name` at node `at`, reusing a binding the file already has.

    `style` says which import to add when none can be reused: "module" gives
    `import asyncio` + `asyncio.TaskGroup`; "from" gives `from sqlalchemy import
    select` + `select`. None when the needed name is taken by something else in
    scope (the fix is not offered: it would change what a name means).
    """
    target = f"{module}.{name}"
    imports = _runtime_imports(ctx)
    bindings = imports.bindings
    for bound, dotted_target, node in bindings:
        if dotted_target == target and _free(ctx, bound, at, node):
            return Reference(bound)
    for bound, dotted_target, node in bindings:
        if dotted_target == module and _free(ctx, bound, at, node):
            return Reference(f"{bound}.{name}")
    if "." in module and style == "module":
        style = "from"
    if style == "from":
        if imports.star or not _free(ctx, name, at, None):
            return None
        return Reference(name, (RequiredImport(module, name),))
    if not _free(ctx, module, at, None):
        return None
    return Reference(target, (RequiredImport(module),))


def add_imports(
    module: cst.Module,
    required: Sequence[RequiredImport],
    first_party: frozenset[str] = frozenset(),
) -> cst.Module:
    """`module` with the missing imports added where isort would put them
    (`fixes.import_order`; `first_party`: the project's top-level packages)."""
    for item in required:
        module = insert_import(module, item, first_party)
    return module

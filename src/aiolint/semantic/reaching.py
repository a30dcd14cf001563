"""Which assignments of a name can reach one read of it (a cheap, sound-ish filter).

LibCST's scope analysis is flow-insensitive: a read of `q` refers to every
assignment of `q` in its scope. `reaching(ctx, read, assignments)` drops the
ones that cannot be the value read, from statement order alone:

- a plain assignment (`q = ...`) whose statement lies in a block enclosing the
  read and ends before it *dominates* the read: earlier assignments do not
  reach it;
- an assignment after the read reaches it only through a loop around both
  (and, with a dominating assignment, only a loop that does not also hold
  that assignment).

Anything else (imports, parameters, `def`s, comprehension targets) is kept.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst
from libcst.metadata import Assignment, BaseAssignment

from aiolint.semantic.bindings import assignments_of
from aiolint.semantic.context import FileContext

_SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module)


def reaching_bindings(ctx: FileContext, name: cst.Name) -> list[BaseAssignment]:
    """The bindings of a read name that may give it its value.

    LibCST already leaves out same-scope assignments that come after the read;
    those inside a loop around the read are added back, then `reaching` filters.
    """
    found = set(assignments_of(ctx, name) or ())
    scope = ctx.scopes.get(name)
    if scope is not None and name.value in scope.assignments:
        found |= {a for a in scope.assignments[name.value] if a.scope is scope}
    return reaching(ctx, name, found)


def reaching(
    ctx: FileContext, read: cst.CSTNode, assignments: Iterable[BaseAssignment]
) -> list[BaseAssignment]:
    """The members of `assignments` that may give `read` its value (see module doc)."""
    candidates = list(assignments)
    read_start = _start(ctx, read)
    ancestors = set(_ancestors(ctx, read))
    dominator: cst.CSTNode | None = None
    dominator_start: tuple[int, int] | None = None
    for assignment in candidates:
        target = _target(assignment)
        if target is None or isinstance(ctx.parent(target), cst.AugAssign):
            continue
        statement = _statement(ctx, target)
        if statement is None or ctx.parent(statement) not in ancestors:
            continue
        end = ctx.positions[statement].end
        if (end.line, end.column) > read_start:
            continue
        start = _start(ctx, target)
        if dominator_start is None or start > dominator_start:
            dominator, dominator_start = statement, start
    read_loops = _loops(ctx, read)
    kept: list[BaseAssignment] = []
    for assignment in candidates:
        target = _target(assignment)
        if target is None or _comprehension_target(ctx, target):
            kept.append(assignment)
            continue
        start = _start(ctx, target)
        if dominator_start is not None and start < dominator_start:
            continue
        if start > read_start and not any(
            dominator is None or not _inside(ctx, dominator, loop)
            for loop in read_loops & _loops(ctx, target)
        ):
            continue
        kept.append(assignment)
    return kept


def _target(assignment: BaseAssignment) -> cst.Name | None:
    if isinstance(assignment, Assignment) and isinstance(assignment.node, cst.Name):
        return assignment.node
    return None


def _start(ctx: FileContext, node: cst.CSTNode) -> tuple[int, int]:
    start = ctx.positions[node].start
    return start.line, start.column


def _ancestors(ctx: FileContext, node: cst.CSTNode) -> list[cst.CSTNode]:
    """Parents of `node` up to (not beyond) its function, lambda, class or module."""
    found: list[cst.CSTNode] = []
    current = ctx.parent(node)
    while current is not None:
        found.append(current)
        if isinstance(current, _SCOPE_NODES):
            break
        current = ctx.parent(current)
    return found


def _statement(ctx: FileContext, node: cst.CSTNode) -> cst.CSTNode | None:
    """The simple statement that holds `node` (a line of a block, or one statement
    of an `if x: a; b` suite); None inside a compound statement's header."""
    current: cst.CSTNode | None = node
    while current is not None:
        if isinstance(current, cst.SimpleStatementLine):
            return current
        parent = ctx.parent(current)
        if isinstance(current, cst.BaseSmallStatement) and isinstance(
            parent, cst.SimpleStatementSuite
        ):
            return current
        if isinstance(current, (cst.BaseCompoundStatement, *_SCOPE_NODES)):
            return None
        current = parent
    return None


def _comprehension_target(ctx: FileContext, target: cst.CSTNode) -> bool:
    """`x` in `[f(x) for x in xs]`: bound after it is read, in source order."""
    current = ctx.parent(target)
    while isinstance(current, cst.Tuple | cst.List | cst.Element | cst.StarredElement):
        current = ctx.parent(current)
    return isinstance(current, cst.CompFor)


def _loops(ctx: FileContext, node: cst.CSTNode) -> set[cst.CSTNode]:
    return {a for a in _ancestors(ctx, node) if isinstance(a, cst.For | cst.While)}


def _inside(ctx: FileContext, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    return container in _ancestors(ctx, node)

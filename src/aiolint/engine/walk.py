"""The rules' batched walk, without LibCST's visitor machinery.

LibCST's `visit_batched` walks a module through `CSTNode.visit`, which rebuilds
every node it passes (a new node per visited node, validated): on a 3,300-line
file an empty walk costs 0.27 s. The rules are LibCST visitors, so this walk
calls the same methods in the same order, LibCST's batched visitor protocol:
for each node, every visitor's `visit_<Type>(node)` (return values ignored,
as in LibCST's batched mode), then the children in LibCST's field order
(`semantic.visit_order`), then every `leave_<Type>(node)`. Formatting nodes
(whitespace, commas, parentheses, operators) are only entered when a visitor
has a method for one of their types. Attribute visitors (`visit_<Type>_<field>`)
are not supported here: a visitor defining one is walked by LibCST.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst
from libcst import BatchableCSTVisitor

from aiolint.semantic.visit_order import TRIVIA, children, node_kind

__all__ = ["walk_batched"]

_Method = Callable[[cst.CSTNode], object]


def walk_batched(module: cst.Module, visitors: Sequence[BatchableCSTVisitor]) -> None:
    """Walk `module` once, calling every visitor as LibCST's `visit_batched` would."""
    methods: dict[str, list[_Method]] = {}
    for visitor in visitors:
        for name, method in visitor.get_visitors().items():
            methods.setdefault(name, []).append(method)
    if any(_is_attribute_method(name) for name in methods):
        cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched(visitors)
        return
    trivia_wanted = any(
        node_kind(getattr(cst, name.split("_", 1)[1], object)) == TRIVIA for name in methods
    )
    _Walk(methods, trivia_wanted).visit(module)


def _is_attribute_method(name: str) -> bool:
    """`visit_Call_func` and the like (a node type, then a field)."""
    return name.count("_") > 1 and isinstance(getattr(cst, name.split("_")[1], None), type)


class _Walk:
    def __init__(self, methods: dict[str, list[_Method]], trivia_wanted: bool) -> None:
        self.methods = methods
        self.trivia_wanted = trivia_wanted
        self.visits: dict[type, list[_Method]] = {}
        self.leaves: dict[type, list[_Method]] = {}

    def _for_type(self, kind: type) -> tuple[list[_Method], list[_Method]]:
        visits = self.visits[kind] = self.methods.get(f"visit_{kind.__name__}", [])
        leaves = self.leaves[kind] = self.methods.get(f"leave_{kind.__name__}", [])
        return visits, leaves

    def visit(self, node: cst.CSTNode) -> None:
        kind = type(node)
        visits = self.visits.get(kind)
        if visits is None:
            visits, leaves = self._for_type(kind)
        else:
            leaves = self.leaves[kind]
        for method in visits:
            method(node)
        for child in children(node, self.trivia_wanted):
            self.visit(child)
        for method in leaves:
            method(node)

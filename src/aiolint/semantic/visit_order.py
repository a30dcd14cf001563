"""The order in which LibCST's visitors visit each node type's fields.

LibCST visits a node's children in the order its `_visit_and_replace_children`
lists them (the order of the code). aiolint's own walks (`semantic.scopes`)
must visit in the same order, since scope analysis numbers assignments and
accesses as it meets them. `field_order(cls)` reads that order from the
method's source once per class; `python -m aiolint.semantic.visit_order`
prints it for every node class of the installed LibCST.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import libcst as cst

__all__ = ["field_order"]

_ORDER: dict[type, tuple[str, ...]] = {}


def _read_order(cls: type[cst.CSTNode]) -> tuple[str, ...]:
    """The field names `cls._visit_and_replace_children` passes to LibCST's
    `visit_*` helpers (`visit_required(self, "body", ...)`), in code order."""
    source = textwrap.dedent(inspect.getsource(cls._visit_and_replace_children))
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("visit_")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            found.append((node.lineno, node.col_offset, node.args[1].value))
    order: list[str] = []
    for _, _, name in sorted(found):
        if name not in order:  # ImportFrom visits `names` in two branches
            order.append(name)
    return tuple(order)


def field_order(cls: type[cst.CSTNode]) -> tuple[str, ...]:
    """The fields of `cls` LibCST visits, in its order."""
    order = _ORDER.get(cls)
    if order is None:
        order = _ORDER[cls] = _read_order(cls)
    return order


def main() -> None:
    for name, value in sorted(vars(cst).items()):
        if (
            isinstance(value, type)
            and issubclass(value, cst.CSTNode)
            and not inspect.isabstract(value)
        ):
            print(f"{name}: {', '.join(field_order(value))}")


if __name__ == "__main__":
    main()

"""The order in which LibCST's visitors visit each node type's fields.

LibCST visits a node's children in the order its `_visit_and_replace_children`
lists them (the order of the code). aiolint's own walks (`semantic.scopes`)
must visit in the same order, since scope analysis numbers assignments and
accesses as it meets them. `field_order(cls)` reads that order from the
method's source once per class; `python -m aiolint.semantic.visit_order`
prints it for every node class of the installed LibCST. `children(node)` is
a node's children in that order, formatting nodes (whitespace, commas,
parentheses, operators: no name inside) left out unless asked for.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import typing
from collections.abc import Iterator

import libcst as cst

__all__ = [
    "NODE",
    "NODE_KINDS",
    "NODE_ORDER",
    "SCOPE_NODES",
    "TRIVIA",
    "children",
    "field_order",
    "formatting_fields",
    "node_field_order",
    "node_kind",
    "own_code",
]

_ORDER: dict[type, tuple[str, ...]] = {}

#: Formatting nodes: no name inside, nothing a rule or a scope asks about.
_TRIVIA: tuple[type[cst.CSTNode], ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Colon,
    cst.Dot,
    cst.Semicolon,
    cst.AssignEqual,
    cst.Asynchronous,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
)
#: What `node_kind` returns: not a node (None, a sentinel, a str), a
#: formatting node, any other node.
OTHER, TRIVIA, NODE = 0, 1, 2
_KINDS: dict[type, int] = {}
#: `node_kind`'s answers so far, by type (read it inline in hot loops; a type
#: not in it yet: call `node_kind`).
NODE_KINDS = _KINDS


def node_kind(kind: type) -> int:
    """OTHER, TRIVIA or NODE for a field value's type (cached per type:
    `isinstance(x, cst.CSTNode)` goes through the ABC machinery)."""
    found = _KINDS.get(kind)
    if found is None:
        if not issubclass(kind, cst.CSTNode):
            found = OTHER
        else:
            found = TRIVIA if issubclass(kind, _TRIVIA) else NODE
        _KINDS[kind] = found
    return found


def children(node: cst.CSTNode, trivia: bool = False) -> list[cst.CSTNode]:
    """The node's children, in LibCST's visiting order."""
    least = TRIVIA if trivia else NODE
    kinds = _KINDS
    found: list[cst.CSTNode] = []
    if trivia:
        names = _ORDER.get(type(node)) or field_order(type(node))
    else:
        names = _NODE_ORDER.get(type(node)) or node_field_order(type(node))
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                item_kind = kinds.get(type(item))
                if item_kind is None:
                    item_kind = node_kind(type(item))
                if item_kind >= least:
                    found.append(item)
        else:
            value_kind = kinds.get(kind)
            if value_kind is None:
                value_kind = node_kind(kind)
            if value_kind >= least:
                found.append(value)
    return found


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


_NODE_ORDER: dict[type, tuple[str, ...]] = {}
#: `node_field_order`'s answers so far, by type (read it inline in hot loops).
NODE_ORDER = _NODE_ORDER


def node_field_order(cls: type[cst.CSTNode]) -> tuple[str, ...]:
    """`field_order(cls)` without the fields whose declared type holds only
    formatting nodes (`whitespace_after_func`, `lpar`, `comma`...): a walk
    that leaves formatting nodes out need not read them (most of a tree's
    nodes are formatting)."""
    order = _NODE_ORDER.get(cls)
    if order is None:
        order = _NODE_ORDER[cls] = tuple(
            name for name in field_order(cls) if name not in formatting_fields(cls)
        )
    return order


def formatting_fields(cls: type[cst.CSTNode]) -> set[str]:
    """The fields of `cls` whose declared type names node classes, all of them
    formatting ones (none when LibCST's annotations cannot be read)."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        return set()
    found = set()
    for name, hint in hints.items():
        classes = list(_classes(hint))
        nodes = [c for c in classes if issubclass(c, cst.CSTNode)]
        if nodes and all(node_kind(c) == TRIVIA for c in nodes):
            found.add(name)
    return found


def _classes(hint: object) -> Iterator[type]:
    """The classes a type annotation names (inside unions, sequences, ...)."""
    if isinstance(hint, type) and typing.get_origin(hint) is None:
        yield hint
        return
    if typing.get_origin(hint) is typing.Literal:
        return
    for argument in typing.get_args(hint):
        yield from _classes(argument)


#: Nodes whose body runs elsewhere (later, or not at all): a walk of one
#: function's own code yields them but does not enter them.
SCOPE_NODES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def own_code(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node of `root`'s own code, in code order: a nested `def`, class
    or lambda is yielded, its inside is not."""
    pending = [root]
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, SCOPE_NODES):
            pending.extend(reversed(children(node)))


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

"""One pass over a module's tree for the project scan (CPython's `ast`).

The scan reads whole applications, and each of its readers used to walk the
tree again: the function summaries walked every function's body (twice for
a function with nested ones), the ORM reader walked the whole module for its
calls. `index_module(tree)` walks it once and answers both:

- `own`: for each function (by `id` of its `FunctionDef` / `AsyncFunctionDef`
  node, at any depth), the calls of its own body sorted by position, the
  nodes there that bind names, and whether it yields. Its own body is its
  `body`, not its decorators, defaults or annotations, and not the bodies of
  the functions, lambdas and classes inside it (a nested function or class
  is one of its binders: its name binds there). Binders come in the order a
  depth-first walk that takes the last child first meets them.
- `calls`: every call of the module, anywhere (in that same order).
"""

from __future__ import annotations

import ast

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    #: (its calls by position, its binders, whether it yields)
    Own: TypeAlias = tuple[list[ast.Call], list[ast.AST], bool]

__all__ = ["BINDER_TYPES", "ModuleIndex", "index_module"]

#: Nodes that bind names in a function's own scope.
BINDER_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef}) | {
    ast.Import,
    ast.ImportFrom,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.With,
    ast.AsyncWith,
    ast.For,
    ast.AsyncFor,
    ast.comprehension,
    ast.NamedExpr,
    ast.ExceptHandler,
}
#: Fields that never hold a node (names, flags, the expression context).
_SCALAR_FIELDS = frozenset(
    {"ctx", "id", "arg", "attr", "module", "level", "type_comment", "kind", "conversion"}
    | {"is_async", "simple", "name", "names"}
)
#: The fields of each node type that may hold nodes (a constant's value never does).
_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}
#: What the walk does on a node of these types (others: only go on to its children).
_CALL, _BINDER, _CLASS, _FUNCTION, _LAMBDA, _YIELD = range(1, 7)
_ACTIONS: dict[type, int] = {
    **dict.fromkeys(BINDER_TYPES, _BINDER),
    ast.ClassDef: _CLASS,
    ast.FunctionDef: _FUNCTION,
    ast.AsyncFunctionDef: _FUNCTION,
    ast.Call: _CALL,
    ast.Lambda: _LAMBDA,
    ast.Yield: _YIELD,
    ast.YieldFrom: _YIELD,
}


def _fields(kind: type) -> tuple[str, ...]:
    fields: tuple[str, ...] = getattr(kind, "_fields", ())
    found = _FIELDS[kind] = tuple(f for f in fields if f not in _SCALAR_FIELDS)
    return found


class ModuleIndex:
    """What `index_module` found (see the module doc)."""

    __slots__ = ("calls", "own")

    def __init__(self, own: dict[int, Own], calls: list[ast.Call]) -> None:
        self.own = own
        self.calls = calls


def index_module(tree: ast.AST) -> ModuleIndex:
    """Walk `tree` once (see the module doc)."""
    own_calls: dict[int, list[ast.Call]] = {}
    own_binders: dict[int, list[ast.AST]] = {}
    generators: set[int] = set()
    calls: list[ast.Call] = []
    # the nodes to visit, and for each the function whose own body it is in
    # (its id; 0 for none)
    nodes: list[ast.AST] = [tree]
    owners: list[int] = [0]
    pop_node, pop_owner = nodes.pop, owners.pop
    push_node, push_owner = nodes.append, owners.append
    actions, known_fields, AST = _ACTIONS, _FIELDS, ast.AST
    while nodes:
        node = pop_node()
        owner = pop_owner()
        kind = type(node)
        action = actions.get(kind)
        body = -1  # the children in `body` are this function's own (its id)
        if action is not None:
            if action == _CALL:
                calls.append(node)  # type: ignore[arg-type]
                if owner:
                    own_calls[owner].append(node)  # type: ignore[arg-type]
            elif action == _LAMBDA:
                owner = 0
            elif action == _YIELD:
                if owner:
                    generators.add(owner)
            else:  # a binder
                if owner:
                    own_binders[owner].append(node)
                if action == _CLASS:
                    owner = 0  # its bases and body: no function's own
                elif action == _FUNCTION:
                    owner = 0  # its decorators, defaults, annotations: no function's own
                    body = id(node)
                    own_calls[body] = []
                    own_binders[body] = []
        fields = known_fields.get(kind)
        if fields is None:
            fields = _fields(kind)
        for field in fields:
            value = getattr(node, field, None)
            child_owner = body if field == "body" and body != -1 else owner
            if type(value) is list:
                for item in value:
                    if isinstance(item, AST):
                        push_node(item)
                        push_owner(child_owner)
            elif value is not None and isinstance(value, AST):
                push_node(value)
                push_owner(child_owner)
    own: dict[int, Own] = {}
    for key, found in own_calls.items():
        found.sort(key=_position)
        own[key] = (found, own_binders[key], key in generators)
    return ModuleIndex(own, calls)


def _position(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]

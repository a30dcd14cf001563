"""How a value is made, read from CPython's `ast` (shared by the project scan
and the function summaries): dotted names, calls, annotations."""

from __future__ import annotations

import ast

from aiolint.engine import known_names

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    Made: TypeAlias = tuple[str, ...]

#: Annotation wrappers whose first argument is the value's type (by last name).
_WRAPPERS = frozenset(
    {"Optional", "Annotated", "Awaitable", "Coroutine", *known_names.ITERATOR_NAMES}
)


def value_made(node: ast.expr | None) -> Made | None:
    """How a value is made: `("call", ...)`, `("ref", dotted)`, or `("type",
    dotted)` for a type alias of a class (`SessionDep = Annotated[AsyncSession,
    Depends(get_session)]`, FastAPI's idiom: an annotation naming it annotates
    the class)."""
    if isinstance(node, ast.Subscript) and dotted_name(node.value).rpartition(".")[2] == (
        "Annotated"
    ):
        annotated = annotation_class(node)
        return ("type", annotated) if annotated else None
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Call):
        func = dotted_name(node.func)
        if not func:
            return None
        class_ = ""
        for keyword in node.keywords:
            if keyword.arg == "class_":
                class_ = dotted_name(keyword.value) or "?"
        if not class_ and len(node.args) >= 2:
            class_ = dotted_name(node.args[1]) or "?"
        hidden = "**" if any(k.arg is None for k in node.keywords) else ""
        return ("call", func, class_, hidden)
    dotted = dotted_name(node) if node is not None else ""
    return ("ref", dotted) if dotted else None


def annotation_class(node: ast.expr) -> str:
    """The class an annotation makes its value an instance of (`Optional[X]`,
    `X | None`, `Annotated[X, ...]`, `AsyncIterator[X]` -> X), as a dotted name."""
    for _ in range(8):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return ""
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [s for s in (node.left, node.right) if not is_none(s)]
            if len(sides) != 1:
                return ""
            node = sides[0]
        elif isinstance(node, ast.Subscript):
            if dotted_name(node.value).rpartition(".")[2] not in _WRAPPERS:
                return dotted_name(node.value)
            inner = node.slice
            node = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
        else:
            return dotted_name(node)
    return ""


def dotted_name(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def record_import(imports: dict[str, str], node: ast.Import | ast.ImportFrom, package: str) -> None:
    """Record the names an import binds -> the absolute dotted names they
    stand for (relative imports resolved from `package`)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname is not None:
                imports[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                imports[head] = head
        return
    base = node.module or ""
    if node.level:
        parts = package.split(".") if package else []
        if node.level - 1 > len(parts):
            return
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, *([base] if base else [])])
    for alias in node.names:
        if alias.name != "*" and base:
            imports[alias.asname or alias.name] = f"{base}.{alias.name}"

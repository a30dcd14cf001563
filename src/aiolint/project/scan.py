"""One module's record for the project model, from CPython's `ast` (no LibCST).

`scan(text, module, is_package)` answers a `ModuleRecord`, a plain tuple of
dicts, strings and booleans, so that `marshal` stores it in the cache:

- `imports`: module-level name -> the absolute dotted name it imports
  (`from .db import SessionLocal` in `app.api.deps` -> `app.api.db.SessionLocal`);
- `values`: module-level name -> how its value is made (a `Made`);
- `classes`: class name -> its bases, as dotted names of this module;
- `functions`: function name -> (is a generator, what it yields or returns).

A `Made` is `("ref", dotted)` (a name or attribute chain, resolved later through
the module's own names), `("call", dotted, class_, flags)` (a call of one:
`class_` is the dotted `class_=` / second positional argument, `flags` says
"**" when keywords are hidden), or `("ann", dotted)` (an instance of the
annotated class). Dotted names start with a name of this module (an import or a
definition); the model resolves them.
"""

from __future__ import annotations

import ast

from aiolint import known_names

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    Made: TypeAlias = tuple[str, ...]
    FunctionRecord: TypeAlias = tuple[bool, tuple[Made, ...]]
    ModuleRecord: TypeAlias = tuple[
        dict[str, str], dict[str, Made], dict[str, tuple[str, ...]], dict[str, FunctionRecord]
    ]

#: Annotation wrappers whose first argument is the value's type (by last name).
_WRAPPERS = frozenset(
    {"Optional", "Annotated", "Awaitable", "Coroutine", *known_names.ITERATOR_NAMES}
)


def scan(text: str, module: str, is_package: bool) -> ModuleRecord | None:
    """The record of one module's source (None: it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    package = module if is_package else module.rpartition(".")[0]
    imports: dict[str, str] = {}
    values: dict[str, Made] = {}
    classes: dict[str, tuple[str, ...]] = {}
    functions: dict[str, FunctionRecord] = {}
    for stmt in _module_statements(tree.body):
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            _record_import(imports, stmt, package)
        elif isinstance(stmt, ast.Assign):
            made = _made(stmt.value)
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    _bind(values, target.id, made)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            made = _made(stmt.value) if stmt.value is not None else None
            if made is None or made[0] == "ref":
                annotated = _annotation(stmt.annotation)
                made = ("ann", annotated) if annotated else made
            _bind(values, stmt.target.id, made)
        elif isinstance(stmt, ast.ClassDef):
            classes[stmt.name] = tuple(filter(None, (_dotted(b) for b in stmt.bases)))
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            functions[stmt.name] = _function(stmt)
    return imports, values, classes, functions


def _module_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module-level statements, those under top-level `if`/`try` blocks included."""
    found: list[ast.stmt] = []
    pending = list(reversed(body))
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, ast.If):
            pending.extend(reversed(stmt.body + stmt.orelse))
        elif isinstance(stmt, ast.Try):
            blocks = stmt.body + [s for h in stmt.handlers for s in h.body]
            pending.extend(reversed(blocks + stmt.orelse + stmt.finalbody))
        else:
            found.append(stmt)
    return found


def _record_import(
    imports: dict[str, str], node: ast.Import | ast.ImportFrom, package: str
) -> None:
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


def _bind(values: dict[str, Made], name: str, made: Made | None) -> None:
    """A name bound twice at module level with different values is unknown."""
    if name in values and values[name] != made:
        values[name] = ("unknown",)
    else:
        values[name] = made if made is not None else ("unknown",)


def _made(node: ast.expr | None) -> Made | None:
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Call):
        func = _dotted(node.func)
        if not func:
            return None
        class_ = ""
        for keyword in node.keywords:
            if keyword.arg == "class_":
                class_ = _dotted(keyword.value) or "?"
        if not class_ and len(node.args) >= 2:
            class_ = _dotted(node.args[1]) or "?"
        hidden = "**" if any(k.arg is None for k in node.keywords) else ""
        return ("call", func, class_, hidden)
    dotted = _dotted(node) if node is not None else ""
    return ("ref", dotted) if dotted else None


def _annotation(node: ast.expr) -> str:
    """The class an annotation makes its value an instance of (`Optional[X]`,
    `X | None`, `Annotated[X, ...]`, `AsyncIterator[X]` -> X), as a dotted name."""
    for _ in range(8):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return ""
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [s for s in (node.left, node.right) if not _is_none(s)]
            if len(sides) != 1:
                return ""
            node = sides[0]
        elif isinstance(node, ast.Subscript):
            if _dotted(node.value).rpartition(".")[2] not in _WRAPPERS:
                return _dotted(node.value)
            inner = node.slice
            node = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
        else:
            return _dotted(node)
    return ""


def _function(func: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionRecord:
    """Whether `func` is a generator, and what it yields (a generator) or returns."""
    locals_: dict[str, Made | None] = {}
    yields: list[ast.expr | None] = []
    returns: list[ast.expr | None] = []
    for node in _own_nodes(func):
        if isinstance(node, ast.Yield):
            yields.append(node.value)
        elif isinstance(node, ast.YieldFrom):
            yields.append(None)
        elif isinstance(node, ast.Return):
            returns.append(node.value)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    _bind_local(locals_, target.id, _made(node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            annotated = _annotation(node.annotation)
            made = ("ann", annotated) if annotated else _made(node.value)
            _bind_local(locals_, node.target.id, made)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    _bind_local(locals_, item.optional_vars.id, _made(item.context_expr))
    generator = bool(yields)
    produced: list[Made] = []
    if func.returns is not None:
        annotated = _annotation(func.returns)
        if annotated:
            produced.append(("ann", annotated))
    if not produced:
        for value in yields if generator else returns:
            if value is None or _is_none(value):
                continue
            if isinstance(value, ast.Name) and value.id in locals_:
                made = locals_[value.id]
            else:
                made = _made(value)
            produced.append(made if made is not None else ("unknown",))
    return generator, tuple(dict.fromkeys(produced))


def _bind_local(locals_: dict[str, Made | None], name: str, made: Made | None) -> None:
    if name in locals_ and locals_[name] != made:
        locals_[name] = None
    else:
        locals_[name] = made


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The statements of `func`'s body, nested blocks included (not nested
    functions or classes), and the `yield`s standing as a statement or as an
    assignment's value: what `_function` reads, without walking every
    expression (the project scan reads whole applications)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(func.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        found.append(node)
        value = getattr(node, "value", None)
        if isinstance(node, ast.Expr | ast.Assign | ast.AnnAssign | ast.Return) and isinstance(
            value, ast.Await
        ):
            value = value.value
        if isinstance(value, ast.Yield | ast.YieldFrom):
            found.append(value)
        for block in _BLOCKS:
            children = getattr(node, block, None)
            if isinstance(children, list):
                pending.extend(children)
    return found


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None

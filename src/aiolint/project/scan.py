"""One module's record for the project model, from CPython's `ast` (no LibCST).

`scan(text, module, is_package)` answers a `ModuleRecord`, a plain tuple of
dicts, strings and booleans, so that `marshal` stores it in the cache:

- `imports`: module-level name -> the absolute dotted name it imports
  (`from .db import SessionLocal` in `app.api.deps` -> `app.api.db.SessionLocal`);
- `values`: module-level name -> how its value is made (a `Made`);
- `classes`: class name -> its bases, as dotted names of this module;
- `functions`: function name -> (is a generator, what it yields or returns,
  the callee of the new object it returns: `make_client` returning
  `httpx.AsyncClient(...)` on every call -> "httpx.AsyncClient", "" when it
  returns anything else or is cached);
- `summaries`: function or `Class.method` name -> its summary (what it
  blocks on and which functions it calls: `aiolint.project.summary`);
- `pools`: module-level name bound to a call that configures a pool
  (`create_async_engine(url, pool_size=2, max_overflow=0)`,
  `async_sessionmaker(engine)`) -> (the engine it binds, as a dotted name of
  this module or "", `pool_size`, `max_overflow` (-1: not a literal integer,
  -2: not given), the last name of `poolclass=` or "").
- `orm`: its mapped classes, declarative bases and async session factories
  (`aiolint.project.orm`).

A `Made` is `("ref", dotted)` (a name or attribute chain, resolved later through
the module's own names), `("call", dotted, class_, flags)` (a call of one:
`class_` is the dotted `class_=` / second positional argument, `flags` says
"**" when keywords are hidden), `("ann", dotted)` (an instance of the
annotated class), or `("type", dotted)` (a type alias of a class:
`SessionDep = Annotated[AsyncSession, Depends(get_session)]`). Dotted names
start with a name of this module (an import or a definition); the model
resolves them.
"""

from __future__ import annotations

import ast

from aiolint.engine import known_names
from aiolint.project.expr import (
    annotation_class,
    dotted_name,
    is_none,
    record_import,
    value_made,
)
from aiolint.project.nodes import index_module
from aiolint.project.orm import scan_orm
from aiolint.project.summary import summaries

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    Made: TypeAlias = tuple[str, ...]
    FunctionRecord: TypeAlias = tuple[bool, tuple[Made, ...], str]
    Pool: TypeAlias = tuple[str, int, int, str]
    from aiolint.project.orm import OrmRecord
    from aiolint.project.summary import Summary

    ModuleRecord: TypeAlias = tuple[
        dict[str, str],
        dict[str, Made],
        dict[str, tuple[str, ...]],
        dict[str, FunctionRecord],
        dict[str, Summary],
        dict[str, Pool],
        OrmRecord,
    ]


def scan(
    text: str, module: str, is_package: bool, *, summarize: bool = True, whole: bool = False
) -> ModuleRecord | None:
    """The record of one module's source (None: it does not parse;
    `summarize=False`: without function summaries, to measure what they cost;
    a large module is read in parts unless `whole`: see `_scan_parts`)."""
    if not whole:
        from aiolint.engine.chunks import is_large, module_parts

        parts = module_parts(text) if is_large(text) else None
        if parts is not None:
            return _scan_parts(parts, module, is_package, summarize)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    package = module if is_package else module.rpartition(".")[0]
    imports: dict[str, str] = {}
    values: dict[str, Made] = {}
    classes: dict[str, tuple[str, ...]] = {}
    functions: dict[str, FunctionRecord] = {}
    pools: dict[str, Pool] = {}
    statements = _module_statements(tree.body)
    for stmt in statements:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            record_import(imports, stmt, package)
        elif isinstance(stmt, ast.Assign):
            made = value_made(stmt.value)
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    _bind(values, target.id, made)
                    _pool(pools, target.id, stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            made = value_made(stmt.value) if stmt.value is not None else None
            if made is None or made[0] == "ref":
                annotated = annotation_class(stmt.annotation)
                made = ("ann", annotated) if annotated else made
            _bind(values, stmt.target.id, made)
            _pool(pools, stmt.target.id, stmt.value)
        elif isinstance(stmt, ast.ClassDef):
            classes[stmt.name] = tuple(filter(None, (dotted_name(b) for b in stmt.bases)))
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            functions[stmt.name] = _function(stmt)
    index = index_module(tree)  # the one walk of the whole tree
    found = summaries(statements, imports, package, index) if summarize else {}
    orm = scan_orm(tree, statements, imports, index.calls)
    return imports, values, classes, functions, found, pools, orm


def _pool(pools: dict[str, Pool], name: str, value: ast.expr | None) -> None:
    """Record how `name = <value>` configures a pool (see the module doc)."""
    if not isinstance(value, ast.Call):
        pools.pop(name, None)  # bound otherwise too: unknown
        return
    if dotted_name(value.func).rpartition(".")[2] not in known_names.POOL_CONFIGURED:
        pools.pop(name, None)
        return
    bind = dotted_name(value.args[0]) if value.args else ""
    size = overflow = -2
    poolclass = ""
    for keyword in value.keywords:
        if keyword.arg == "bind":
            bind = dotted_name(keyword.value)
        elif keyword.arg in ("pool_size", "max_overflow"):
            literal = keyword.value
            number = (
                literal.value
                if isinstance(literal, ast.Constant) and type(literal.value) is int
                else -1
            )
            if keyword.arg == "pool_size":
                size = number
            else:
                overflow = number
        elif keyword.arg == "poolclass":
            poolclass = dotted_name(keyword.value).rpartition(".")[2] or "?"
        elif keyword.arg is None:
            size = overflow = -1  # `**settings`: unknown
    pools[name] = (bind, size, overflow, poolclass)


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


def _bind(values: dict[str, Made], name: str, made: Made | None) -> None:
    """A name bound twice at module level with different values is unknown."""
    if name in values and values[name] != made:
        values[name] = ("unknown",)
    else:
        values[name] = made if made is not None else ("unknown",)


def _function(func: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionRecord:
    """Whether `func` is a generator, and what it yields (a generator) or returns."""
    locals_: dict[str, Made | None] = {}
    declared: set[str] = set()  # `global` / `nonlocal`: not the function's own
    yields: list[ast.expr | None] = []
    returns: list[ast.expr | None] = []
    for node in _own_nodes(func):
        if isinstance(node, ast.Yield):
            yields.append(node.value)
        elif isinstance(node, ast.YieldFrom):
            yields.append(None)
        elif isinstance(node, ast.Return):
            returns.append(node.value)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    _bind_local(locals_, target.id, value_made(node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            annotated = annotation_class(node.annotation)
            made = ("ann", annotated) if annotated else value_made(node.value)
            _bind_local(locals_, node.target.id, made)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    _bind_local(locals_, item.optional_vars.id, value_made(item.context_expr))
    generator = bool(yields)
    own = {name: made for name, made in locals_.items() if name not in declared}
    new = "" if generator or _cached(func) else _new_object(returns, own)
    produced: list[Made] = []
    if func.returns is not None:
        annotated = annotation_class(func.returns)
        if annotated:
            produced.append(("ann", annotated))
    if not produced:
        for value in yields if generator else returns:
            if value is None or is_none(value):
                continue
            if isinstance(value, ast.Name) and value.id in locals_:
                made = locals_[value.id]
            else:
                made = value_made(value)
            produced.append(made if made is not None else ("unknown",))
    return generator, tuple(dict.fromkeys(produced)), new


def _new_object(returns: list[ast.expr | None], locals_: dict[str, Made | None]) -> str:
    """The callee every `return` calls (directly, or through a local bound once
    to that call): the function makes a new object on every call."""
    callees: set[str] = set()
    for value in returns:
        if value is None:
            return ""
        made = locals_.get(value.id) if isinstance(value, ast.Name) else value_made(value)
        if isinstance(value, ast.Name) and value.id not in locals_:
            return ""  # a module-level object: the same one on every call
        if made is None or made[0] != "call":
            return ""
        callees.add(made[1])
    return callees.pop() if len(callees) == 1 else ""


def _cached(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated to return the same object on every call (`@lru_cache`)."""
    for decorator in func.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if dotted_name(target).rpartition(".")[2] in known_names.CACHE_DECORATORS:
            return True
    return False


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


def _scan_parts(
    parts: list[tuple[str, frozenset[str]]], module: str, is_package: bool, summarize: bool
) -> ModuleRecord | None:
    """A large module's record from its parts' (`engine.chunks.module_parts`),
    so that its whole `ast` is never held (480 MB for 100,000 lines): the
    first part's record (the statements other than `def` and `class`), and
    from each other part what it says of the `def`s and `class`es it owns."""
    first = scan(parts[0][0], module, is_package, summarize=summarize, whole=True)
    if first is None:
        return None
    imports, values, classes, functions, found, pools, orm = first
    orm_classes, bases, expiry, uses_async = orm
    for text, owned in parts[1:]:
        record = scan(text, module, is_package, summarize=summarize, whole=True)
        if record is None:
            return None
        classes.update((k, v) for k, v in record[2].items() if k in owned)
        functions.update((k, v) for k, v in record[3].items() if k in owned)
        found.update((k, v) for k, v in record[4].items() if k.split(".")[0] in owned)
        orm_classes.update((k, v) for k, v in record[6][0].items() if k in owned)
        expiry += tuple(e for e in record[6][2] if e not in expiry)
    return (
        imports,
        values,
        classes,
        functions,
        found,
        pools,
        (orm_classes, bases, expiry, uses_async),
    )

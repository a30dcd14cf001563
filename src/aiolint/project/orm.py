"""The project's ORM: mapped classes, their attributes and relationships, and
how its async sessions expire (AIO309, AIO310). From CPython's `ast`.

`scan_orm(tree, imports)` reads one module into an `OrmRecord` (part of the
module's record, so `marshal` stores it):

- `classes`: class name -> (its bases as dotted names of the module, whether it
  says `table=True` (SQLModel), its attributes: name -> `(kind, lazy, target,
  line, column)` where `kind` is "c" (a column: `Mapped[...]`, `Column(...)`,
  `mapped_column(...)`, a SQLModel field) or "r" (a relationship:
  `relationship(...)`, SQLModel's `Relationship(...)`), `lazy` the literal
  loading strategy ("select" by default, "dynamic" for `DynamicMapped[...]`,
  "write_only" for `WriteOnlyMapped[...]`, "?" when not a literal) and
  `target` the dotted name or registry name of the related class ("" unknown));
- `bases`: module-level names made by `declarative_base()` /
  `registry().generate_base()` (declarative bases that are values);
- `expiry`: for each async session factory or constructor the module calls
  (`async_sessionmaker(...)`, `sessionmaker(..., class_=AsyncSession)`,
  `AsyncSession(...)`), "0" when it passes a literal `expire_on_commit=False`,
  "1" when it expires on commit (no setting, a literal `True`), "?" otherwise;
  under the module-level name it is bound to, or "" for a call elsewhere;
- `uses_async`: the module imports SQLAlchemy's or SQLModel's asyncio API.

`link_orm(records, resolve)` links them into an `OrmModel`: every mapped class
by absolute dotted name with its attributes (inherited ones included) and each
relationship's target resolved to a mapped class.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Sequence

from aiolint.project.expr import annotation_class, dotted_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    #: (kind "c"/"r", lazy, target, line, column)
    Attribute: TypeAlias = tuple[str, str, str, int, int]
    ClassRecord: TypeAlias = tuple[tuple[str, ...], bool, dict[str, Attribute]]
    OrmRecord: TypeAlias = tuple[
        dict[str, ClassRecord], tuple[str, ...], tuple[tuple[str, str], ...], bool
    ]

__all__ = ["LAZY", "OrmModel", "link_orm", "scan_orm"]

#: Strategies that load on first access (a SELECT, or `raise` for the `raise` kinds).
LAZY = frozenset({"select", "raise", "raise_on_sql"})
_ORM_ROOTS = ("sqlalchemy", "sqlmodel")
_RELATIONSHIPS = frozenset(
    {
        "sqlalchemy.orm.relationship",
        "sqlalchemy.orm.relationships.relationship",
        "sqlalchemy.orm._orm_constructors.relationship",
        "sqlmodel.Relationship",
        "sqlmodel.main.Relationship",
    }
)
_COLUMNS = frozenset(
    {
        "sqlalchemy.Column",
        "sqlalchemy.schema.Column",
        "sqlalchemy.orm.mapped_column",
        "sqlalchemy.orm.column_property",
        "sqlalchemy.orm.deferred",
        "sqlmodel.Field",
        "sqlmodel.Column",
        "sqlmodel.main.Field",
    }
)
_DECLARED_ATTR = frozenset(
    {
        "sqlalchemy.orm.declared_attr",
        "sqlalchemy.orm.decl_api.declared_attr",
        "sqlalchemy.ext.declarative.declared_attr",
    }
)
_MAPPED = frozenset({"Mapped", "DynamicMapped", "WriteOnlyMapped"})
_DECLARATIVE_FUNCTIONS = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
    }
)
#: Library classes a mapped class derives from (SQLModel's need `table=True`).
DECLARATIVE_CLASSES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    }
)
_ASYNC_ATTRS = frozenset(
    {"sqlalchemy.ext.asyncio.AsyncAttrs", "sqlalchemy.ext.asyncio.session.AsyncAttrs"}
)
SQLMODEL_CLASSES = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
_ASYNC_FACTORIES = frozenset(
    {
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
_SESSIONMAKERS = frozenset({"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"})
_FACTORY_NAMES = frozenset(name.rpartition(".")[2] for name in _ASYNC_FACTORIES | _SESSIONMAKERS)
_WRAPPERS = frozenset({"Optional", "List", "list", "Set", "set", "Sequence", "Mapped"})
_CLASS_VARS = frozenset({"ClassVar", "typing.ClassVar"})


def scan_orm(
    tree: ast.Module,
    statements: list[ast.stmt],
    imports: dict[str, str],
    calls: Sequence[ast.Call] | None = None,
) -> OrmRecord:
    """The ORM facts of one module (`statements`: its module-level ones,
    those under top-level `if`/`try` included; `imports`: its import table;
    `calls`: every call of the module, when the caller walked it already)."""
    # The last names a call making async sessions can be written with.
    factories = _FACTORY_NAMES | {
        name for name, target in imports.items() if target.rpartition(".")[2] in _FACTORY_NAMES
    }

    def resolve(dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        base = imports.get(head)
        if base is None:
            return dotted
        return f"{base}.{rest}" if rest else base

    classes: dict[str, ClassRecord] = {}
    bases: list[str] = []
    expiry: list[tuple[str, str]] = []
    named_calls: dict[int, str] = {}
    for stmt in statements:
        if isinstance(stmt, ast.ClassDef):
            classes[stmt.name] = _class(stmt, resolve)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(stmt.value, ast.Call):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if len(names) == 1:
                named_calls[id(stmt.value)] = names[0]
                if _is_declarative_call(stmt.value, resolve):
                    bases.append(names[0])
    if calls is None:
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        ordered = True
    else:
        calls = [n for n in calls if _may_make_sessions(n, factories)]
        ordered = False
    settings = {id(n): s for n in calls if (s := _expiry(n, resolve)) is not None}
    found = [n for n in calls if id(n) in settings]
    if len(found) > 1 and not ordered:  # in the order `ast.walk` meets them
        found = [n for n in ast.walk(tree) if id(n) in settings]
    for node in found:
        expiry.append((named_calls.get(id(node), ""), settings[id(node)]))
    uses_async = any(
        target.startswith(("sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio"))
        for target in imports.values()
    )
    return classes, tuple(bases), tuple(expiry), uses_async


def _may_make_sessions(call: ast.Call, factories: set[str]) -> bool:
    """The call's last name may be one `_expiry` knows (`factories`: those
    names, and the module's imports of them under other names)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr in factories
    return isinstance(func, ast.Name) and func.id in factories


def _is_declarative_call(call: ast.Call, resolve: Callable[[str], str]) -> bool:
    func = dotted_name(call.func)
    if resolve(func) in _DECLARATIVE_FUNCTIONS:
        return True
    # `registry().generate_base()` / `mapper_registry.generate_base()`
    return func.rpartition(".")[2] == "generate_base" or (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "generate_base"
        and isinstance(call.func.value, ast.Call)
    )


def _expiry(call: ast.Call, resolve: Callable[[str], str]) -> str | None:
    """ "0"/"1"/"?" for a call making async sessions (None: not one)."""
    func = resolve(dotted_name(call.func))
    if func in _SESSIONMAKERS:
        class_ = next((k.value for k in call.keywords if k.arg == "class_"), None)
        if class_ is None and len(call.args) >= 2:
            class_ = call.args[1]
        if class_ is None or resolve(dotted_name(class_)).rpartition(".")[2] != "AsyncSession":
            return None
    elif func not in _ASYNC_FACTORIES:
        return None
    if any(k.arg is None for k in call.keywords):
        return "?"
    setting = next((k.value for k in call.keywords if k.arg == "expire_on_commit"), None)
    if setting is None:
        return "1"
    if isinstance(setting, ast.Constant) and isinstance(setting.value, bool):
        return "1" if setting.value else "0"
    return "?"


def _class(node: ast.ClassDef, resolve: Callable[[str], str]) -> ClassRecord:
    bases = tuple(filter(None, (dotted_name(b) for b in node.bases)))
    table = any(
        k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords
    )
    attributes: dict[str, Attribute] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            found = _annotated(stmt.annotation, stmt.value, resolve)
            name = stmt.target.id
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            found = _assigned(stmt.value, resolve)
            name = stmt.targets[0].id
        elif isinstance(stmt, ast.FunctionDef) and _declared_attr(stmt, resolve):
            # `@declared_attr def customer(cls) -> Mapped["Customer"]: return relationship(...)`
            returned = [n.value for n in stmt.body if isinstance(n, ast.Return) and n.value]
            found = _assigned(returned[0], resolve, stmt.returns) if len(returned) == 1 else None
            name = stmt.name
        else:
            continue
        if found is not None and not name.startswith("__"):
            attributes[name] = (*found, stmt.lineno, stmt.col_offset + 1)
    return bases, table, attributes


def _declared_attr(func: ast.FunctionDef, resolve: Callable[[str], str]) -> bool:
    """Decorated `@declared_attr` (not `@declared_attr.directive`)."""
    return any(resolve(dotted_name(d)) in _DECLARED_ATTR for d in func.decorator_list)


def _annotated(
    annotation: ast.expr, value: ast.expr | None, resolve: Callable[[str], str]
) -> tuple[str, str, str] | None:
    """`name: <annotation> [= value]` in a class body."""
    wrapper = _subscripted(annotation)
    if wrapper in _CLASS_VARS or resolve(wrapper).endswith(".ClassVar"):
        return None
    if value is not None:
        assigned = _assigned(value, resolve, annotation)
        if assigned is not None:
            return assigned
    last = wrapper.rpartition(".")[2]
    if last == "DynamicMapped":
        return "r", "dynamic", _target(annotation)
    if last == "WriteOnlyMapped":
        return "r", "write_only", _target(annotation)
    # A plain annotation: a column of a `Mapped[...]` class or a SQLModel field
    # (whether the class is mapped is decided when linking).
    return "c", "", ""


def _assigned(
    value: ast.expr, resolve: Callable[[str], str], annotation: ast.expr | None = None
) -> tuple[str, str, str] | None:
    if not isinstance(value, ast.Call):
        return None
    func = resolve(dotted_name(value.func))
    if func in _COLUMNS:
        return "c", "", ""
    if func not in _RELATIONSHIPS:
        return None
    target = ""
    if value.args:
        target = _target(value.args[0])
    if not target and annotation is not None:
        target = _target(annotation)
    wrapper = _subscripted(annotation).rpartition(".")[2] if annotation is not None else ""
    default = {"DynamicMapped": "dynamic", "WriteOnlyMapped": "write_only"}.get(wrapper, "select")
    return "r", _lazy(value, resolve, default), target


def _lazy(call: ast.Call, resolve: Callable[[str], str], default: str) -> str:
    """The literal `lazy=` of a relationship call (SQLModel's through
    `sa_relationship_kwargs={...}` or `sa_relationship=relationship(...)`)."""
    if any(k.arg is None for k in call.keywords):
        return "?"
    for keyword in call.keywords:
        if keyword.arg == "lazy":
            return _strategy(keyword.value)
        if keyword.arg == "sa_relationship_kwargs":
            if not isinstance(keyword.value, ast.Dict) or None in keyword.value.keys:
                return "?"
            for key, item in zip(keyword.value.keys, keyword.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "lazy":
                    return _strategy(item)
        if keyword.arg == "sa_relationship":
            if not isinstance(keyword.value, ast.Call):
                return "?"
            return _lazy(keyword.value, resolve, default)
    return default


def _strategy(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        if node.value is True:
            return "select"
        if node.value is False:
            return "joined"
        if node.value is None:
            return "noload"
    return "?"


def _subscripted(annotation: ast.expr | None) -> str:
    """`Mapped[...]` -> "Mapped" (the subscripted name); "" otherwise."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return ""
    if isinstance(annotation, ast.Subscript):
        return dotted_name(annotation.value)
    return ""


def _target(node: ast.expr) -> str:
    """The related class a relationship's argument or annotation names:
    `"Order"`, `Order`, `lambda: Order`, `Mapped[list["Order"]]`,
    `Optional["Order"]`, `list[Order]` -> "Order" ("" unknown)."""
    for _ in range(8):
        if isinstance(node, ast.Lambda):
            node = node.body
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return ""
        elif isinstance(node, ast.Subscript):
            if dotted_name(node.value).rpartition(".")[2] not in _WRAPPERS | _MAPPED:
                return ""
            node = node.slice
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [
                s
                for s in (node.left, node.right)
                if not (isinstance(s, ast.Constant) and s.value is None)
            ]
            if len(sides) != 1:
                return ""
            node = sides[0]
        else:
            return dotted_name(node) or annotation_class(node)
    return ""


class OrmModel:
    """The project's mapped classes (see the module doc); plain data."""

    __slots__ = ("_lazy", "aliases", "awaitable", "classes", "expiry", "factories", "uses_async")

    def __init__(
        self,
        classes: dict[str, dict[str, tuple[str, str, str, str, int, int]]] | None = None,
        factories: dict[str, str] | None = None,
        expiry: str = "",
        uses_async: bool = False,
        aliases: dict[str, str] | None = None,
        awaitable: list[str] | None = None,
    ) -> None:
        #: mapped class -> attribute -> (kind, lazy, target class, module, line, column)
        self.classes = classes or {}
        #: module-level async session factory -> "0" / "1" / "?" (see `scan_orm`)
        self.factories = factories or {}
        #: what every async session factory of the project agrees on ("" none, "?" mixed)
        self.expiry = expiry
        self.uses_async = uses_async
        #: a re-export of a mapped class or factory (`app.models.Order` from
        #: `app/models/__init__.py`) -> where it is defined
        self.aliases = aliases or {}
        #: the mapped classes deriving from `AsyncAttrs` (they have `awaitable_attrs`)
        self.awaitable = awaitable or []
        self._lazy: frozenset[str] | None = None

    def data(self) -> tuple[object, ...]:
        return (
            self.classes,
            self.factories,
            self.expiry,
            self.uses_async,
            self.aliases,
            self.awaitable,
        )

    @property
    def lazy_names(self) -> frozenset[str]:
        """The names of the relationships whose strategy loads lazily."""
        if self._lazy is None:
            self._lazy = frozenset(
                attr
                for attrs in self.classes.values()
                for attr, found in attrs.items()
                if found[0] == "r" and found[1] in LAZY
            )
        return self._lazy

    def mapped(self, name: str) -> str | None:
        """The mapped class the absolute dotted `name` stands for (None: not one)."""
        name = self.aliases.get(name, name)
        return name if name in self.classes else None

    def factory(self, name: str) -> str | None:
        """ "0"/"1"/"?" for the async session factory `name` (None: not one)."""
        return self.factories.get(self.aliases.get(name, name))

    def relationship(self, cls: str, attr: str) -> tuple[str, str, str, str, int, int] | None:
        found = self.classes.get(cls, {}).get(attr)
        return found if found is not None and found[0] == "r" else None


def link_orm(
    orm: dict[str, OrmRecord],
    resolve: Callable[[str, str], str],
    follow: Callable[[str], str],
    imported: Collection[str] = (),
) -> OrmModel:
    """Link the modules' ORM records (`resolve(module, dotted)`: a dotted name
    written in `module` made absolute; `follow(name)`: an absolute name followed
    through re-exports to where it is defined)."""
    defined: dict[str, tuple[str, ClassRecord]] = {}
    declarative_values: set[str] = set()
    factories: dict[str, str] = {}
    settings: set[str] = set()
    uses_async = False
    for module, (classes, bases, expiry, module_async) in orm.items():
        uses_async = uses_async or module_async
        for name, record in classes.items():
            defined[f"{module}.{name}"] = (module, record)
        declarative_values.update(f"{module}.{name}" for name in bases)
        for name, setting in expiry:
            settings.add(setting)
            if name:
                factories[f"{module}.{name}"] = setting
    expiry_all = "" if not settings else (settings.pop() if len(settings) == 1 else "?")

    mapped_memo: dict[str, str | None] = {}

    def root(name: str, depth: int = 0) -> str | None:
        """ "decl" / "sqlmodel" when the class `name` derives from a declarative
        base or SQLModel, else None."""
        if depth > 16:
            return None
        if name in mapped_memo:
            return mapped_memo[name]
        mapped_memo[name] = None
        found: str | None = None
        if name in DECLARATIVE_CLASSES or name in declarative_values:
            found = "decl"
        elif name in SQLMODEL_CLASSES:
            found = "sqlmodel"
        elif name in defined:
            module, record = defined[name]
            for base in record[0]:
                found = found or root(follow(resolve(module, base)), depth + 1)
        mapped_memo[name] = found
        return found

    def derives(name: str, library: frozenset[str], depth: int = 0) -> bool:
        """Whether the class `name` has one of the `library` classes among its bases."""
        if name in library:
            return True
        if depth > 16 or name not in defined:
            return False
        module, record = defined[name]
        return any(derives(follow(resolve(module, b)), library, depth + 1) for b in record[0])

    def attributes(name: str, depth: int = 0) -> dict[str, tuple[str, str, str, str, int, int]]:
        if depth > 16 or name not in defined:
            return {}
        module, record = defined[name]
        merged: dict[str, tuple[str, str, str, str, int, int]] = {}
        for base in reversed(record[0]):
            merged.update(attributes(follow(resolve(module, base)), depth + 1))
        for attr, (kind, lazy, target, line, column) in record[2].items():
            merged[attr] = (kind, lazy, target, module, line, column)
        return merged

    mapped: dict[str, dict[str, tuple[str, str, str, str, int, int]]] = {}
    for name, (_, record) in defined.items():
        kind = root(name)
        if kind is None or (kind == "sqlmodel" and not record[1]):
            continue
        if name in declarative_values or any(
            follow(resolve(defined[name][0], b)) in DECLARATIVE_CLASSES for b in record[0]
        ):
            continue  # the declarative base itself
        mapped[name] = attributes(name)
    by_last: dict[str, list[str]] = {}
    for name in mapped:
        by_last.setdefault(name.rpartition(".")[2], []).append(name)
    for attrs in mapped.values():
        for attr, (kind, lazy, target, module, line, column) in list(attrs.items()):
            if kind != "r":
                continue
            full = follow(resolve(module, target)) if target else ""
            if full not in mapped:
                candidates = by_last.get(target.rpartition(".")[2], []) if target else []
                full = candidates[0] if len(candidates) == 1 else ""
            attrs[attr] = (kind, lazy, full, module, line, column)
    aliases: dict[str, str] = {}
    for name in imported:  # `from app.models import Order` through a re-export
        found = follow(name)
        if found != name and (found in mapped or found in factories):
            aliases[name] = found
    awaitable = sorted(name for name in mapped if derives(name, _ASYNC_ATTRS))
    return OrmModel(mapped, factories, expiry_all, uses_async, aliases, awaitable)

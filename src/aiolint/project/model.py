"""`ProjectModel`: what the project's modules define, by absolute dotted name.

Built by `link(records)` from every module's `scan` record (see
`aiolint.project.scan`). Each exported name that rules care about lands in one
flat table:

- `aliases`: a re-export of a library name (`Session` in `app/db.py` doing
  `from sqlalchemy.orm import Session`) -> that library name;
- `instances`: a value -> what it is: a `SqlaKind` value (`SessionLocal =
  sessionmaker(...)` -> "sessionmaker", `engine = create_async_engine(...)` ->
  "AsyncEngine", `db = SessionLocal()` -> "Session") or an app class
  (`router = APIRouter()` -> "fastapi.APIRouter");
- `classes`: a class deriving from a SQLAlchemy one -> the kind of its instances;
- `functions`: a function -> (the kind of what it returns or yields, whether it
  is a generator): `get_db` yielding `SessionLocal()` -> ("Session", True);
- `blocking`: a sync function or method that blocks, itself or through the
  project functions it calls -> its chain (`aiolint.project.blocking`);
- `factories`: a function that returns a new engine, pool or HTTP client on
  every call -> the library constructor (`make_client` -> "httpx.AsyncClient");
- `sessions`: a function or method -> the parameters and `self` attributes it
  uses as a session, and what a constructor keeps in `self`
  (`aiolint.project.sessions`).
- `pooled`: a function or method that takes a connection from a shared pool
  (a session from a factory, an engine's connection, a request on a shared
  HTTP client), itself or through the project functions it calls, with no
  limiter held -> its chain (`aiolint.project.pooled`).

Names are resolved through the project's own imports, relative ones included,
and through chains of re-exports; a name bound twice to different values, or
made by something unknown, is left out (rules stay silent on it).
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Iterator

from aiolint.engine import known_names
from aiolint.project.orm import OrmModel, link_orm

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.project.blocking import Blocking, _Resolver
    from aiolint.project.pooled import Pooled
    from aiolint.project.scan import Made, ModuleRecord
    from aiolint.project.sessions import SessionUse

_MAX_DEPTH = 24
_ROOTS = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")


class ProjectModel:
    """The project's exports (see the module doc); immutable once built."""

    __slots__ = (
        "_blocking_names",
        "_names",
        "_payload",
        "_under",
        "aliases",
        "blocking",
        "classes",
        "digest",
        "factories",
        "functions",
        "instances",
        "orm",
        "packages",
        "pooled",
        "roots",
        "sessions",
        "uses_sqlalchemy",
    )

    def __init__(
        self,
        roots: tuple[str, ...] = (),
        aliases: dict[str, str] | None = None,
        instances: dict[str, str] | None = None,
        classes: dict[str, str] | None = None,
        functions: dict[str, tuple[str, bool]] | None = None,
        uses_sqlalchemy: bool = False,
        packages: frozenset[str] = frozenset(),
        blocking: dict[str, Blocking] | None = None,
        factories: dict[str, str] | None = None,
        sessions: dict[str, SessionUse] | None = None,
        pooled: dict[str, Pooled] | None = None,
        orm: tuple[object, ...] = (),
        *,
        digest: str | None = None,
    ) -> None:
        #: Folders module names are relative to (the project root, its `src/`).
        self.roots = roots
        self.aliases = aliases or {}
        self.instances = instances or {}
        self.classes = classes or {}
        self.functions = functions or {}
        #: The project uses SQLAlchemy (a dependency, or one of its modules imports it).
        self.uses_sqlalchemy = uses_sqlalchemy
        #: The project's top-level modules and packages (isort's first party).
        self.packages = frozenset(packages)
        self.blocking = blocking or {}
        self.factories = factories or {}
        self.sessions = sessions or {}
        self.pooled = pooled or {}
        #: The mapped classes, their relationships, the async session
        #: factories' expiry (`aiolint.project.orm`; `data()` of an `OrmModel`).
        self.orm = OrmModel(*orm)  # type: ignore[arg-type]
        self._payload: bytes | None = None
        if digest is not None:  # unpickled: computed where it was built
            self.digest = digest
        else:
            self.digest = self._digest()
        self._under: dict[str, frozenset[str]] | None = None
        self._names: frozenset[str] | None = None
        self._blocking_names: frozenset[str] | None = None

    def _digest(self) -> str:
        content = repr(
            (
                sorted(self.aliases.items()),
                sorted(self.instances.items()),
                sorted(self.classes.items()),
                sorted(self.functions.items()),
                self.uses_sqlalchemy,
                sorted(self.packages),
                sorted(self.blocking.items()),
                sorted(self.factories.items()),
                sorted(self.sessions.items()),
                sorted(self.pooled.items()),
                sorted(self.orm.classes.items()),
                sorted(self.orm.factories.items()),
                self.orm.expiry,
                self.orm.uses_async,
                sorted(self.orm.aliases.items()),
                self.orm.awaitable,
            )
        )
        return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def __repr__(self) -> str:  # stable: it is part of the result cache's key
        return f"ProjectModel({self.digest})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProjectModel) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __reduce__(self) -> tuple[object, ...]:
        """Every file's job carries the model to a worker: its tables go as
        `marshal` bytes made once, and a worker rebuilds a model once per
        digest (`_received`), not once per file (the summaries' tables are
        large: on Netflix/dispatch rebuilding cost 7 ms a file)."""
        return (_received, (self.digest, self.payload()))

    def payload(self) -> bytes:
        """The model's tables as `marshal` bytes, made once (`model_from`
        makes the model again)."""
        if self._payload is None:
            self._payload = marshal.dumps(
                (
                    self.roots,
                    self.aliases,
                    self.instances,
                    self.classes,
                    self.functions,
                    self.uses_sqlalchemy,
                    self.packages,
                    self.blocking,
                    self.factories,
                    self.sessions,
                    self.pooled,
                    self.orm.data(),
                )
            )
        return self._payload

    @property
    def names(self) -> frozenset[str]:
        """The last part of every exported name (a text prefilter for files)."""
        if self._names is None:
            tables = (self.aliases, self.instances, self.classes, self.functions, self.factories)
            self._names = frozenset(name.rpartition(".")[2] for table in tables for name in table)
        return self._names

    @property
    def blocking_names(self) -> frozenset[str]:
        """The last part of every blocking function's name (AIO206's gate)."""
        if self._blocking_names is None:
            self._blocking_names = frozenset(k.rpartition(".")[2] for k in self.blocking)
        return self._blocking_names

    def mentioned_in(self, text: str) -> bool:
        """Whether `text` may name an exported object (its last name appears)."""
        return any(name in text for name in self.names)

    def instance_class(self, name: str) -> str | None:
        """The library class a project value is an instance of (`SessionLocal` ->
        `sqlalchemy.orm.sessionmaker`, `router` -> `fastapi.APIRouter`)."""
        kind = self.instances.get(name)
        if kind is None:
            return None
        return known_names.KIND_CLASSES.get(kind, kind if "." in kind else None)

    def libraries_under(self, name: str) -> frozenset[str]:
        """The libraries (top-level packages) whose objects the project name
        `name`, or any name inside it (a module), stands for: `app.db` ->
        {"sqlalchemy"} when it defines `SessionLocal = sessionmaker(...)`."""
        if self._under is None:
            under: dict[str, set[str]] = {}
            for table in (self.instances, self.classes):
                for exported, kind in table.items():
                    self._mark(under, exported, _library_of(kind))
            for exported, (kind, _) in self.functions.items():
                self._mark(under, exported, _library_of(kind))
            for exported, library in self.aliases.items():
                self._mark(under, exported, library.split(".")[0])
            self._under = {k: frozenset(v) for k, v in under.items()}
        return self._under.get(name, frozenset())

    @staticmethod
    def _mark(under: dict[str, set[str]], name: str, library: str) -> None:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            under.setdefault(".".join(parts[:end]), set()).add(library)

    def canonical(self, name: str) -> str:
        """`name` with a re-export of a library name replaced by that name."""
        if name in self.aliases:
            return self.aliases[name]
        head = name.rpartition(".")[0]
        while head:
            if head in self.aliases:
                return f"{self.aliases[head]}.{name[len(head) + 1 :]}"
            head = head.rpartition(".")[0]
        return name

    def absolute(self, name: str, module: str | None, is_package: bool) -> str | None:
        """An import's dotted name made absolute: `.db.SessionLocal` in the module
        `app.api.deps` -> `app.api.db.SessionLocal` (None: too many dots, or
        the module's name is unknown)."""
        if not name.startswith("."):
            return name
        if module is None:
            return None
        level = len(name) - len(name.lstrip("."))
        parts = module.split(".") if is_package else module.split(".")[:-1]
        if level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (level - 1)]
        rest = name[level:]
        return ".".join([*base, *([rest] if rest else [])]) or None

    def module_path(self, module: str) -> str | None:
        """The file of the project module `module` (None: not found)."""
        parts = module.split(".")
        for root in self.roots:
            base = os.path.join(root, *parts)
            for path in (f"{base}.py", os.path.join(base, "__init__.py"), f"{base}.pyi"):
                if os.path.isfile(path):
                    return path
        return None

    def module_name(self, path: str) -> tuple[str | None, bool]:
        """The dotted module name of the file `path` and whether it is a package
        (`__init__.py`): from the nearest of `roots` that holds it, `src/` layouts
        included; (None, False) for a file outside the project."""
        return module_name(path, self.roots)


#: The models this process received (a worker's), by digest; a few at most.
_RECEIVED: dict[str, ProjectModel] = {}


def _received(digest: str, payload: bytes) -> ProjectModel:
    """The model a job carried (see `ProjectModel.__reduce__`)."""
    model = _RECEIVED.get(digest)
    if model is None:
        if len(_RECEIVED) >= 4:
            _RECEIVED.clear()
        model = _RECEIVED[digest] = model_from(payload, digest)
    return model


def model_from(payload: bytes, digest: str) -> ProjectModel:
    """The model whose `payload()` and digest these are."""
    model = ProjectModel(*marshal.loads(payload), digest=digest)
    model._payload = payload
    return model


def _library_of(kind: str) -> str:
    """`"Session"` -> "sqlalchemy"; `"fastapi.APIRouter"` -> "fastapi"."""
    return kind.split(".")[0] if "." in kind else "sqlalchemy"


def module_name(
    path: str, roots: tuple[str, ...], *, resolved: bool = False
) -> tuple[str | None, bool]:
    """See `ProjectModel.module_name` (`resolved`: `path` is already real)."""
    real = path if resolved else os.path.realpath(path)
    best: str | None = None
    for root in roots:
        prefix = root.rstrip(os.sep) + os.sep
        if real.startswith(prefix) and (best is None or len(root) > len(best)):
            best = root
    if best is None:
        return None, False
    relative = real[len(best.rstrip(os.sep)) + 1 :]
    stem, ext = os.path.splitext(relative)
    if ext not in (".py", ".pyi"):
        return None, False
    parts = stem.split(os.sep)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None, False
    return ".".join(parts), is_package


# --- linking ------------------------------------------------------------------

#: ("alias", name) | ("instance", kind) | ("class", kind) | ("function", kind, generator)
_Value = tuple[str, ...]


class _Linker:
    def __init__(self, records: dict[str, ModuleRecord]) -> None:
        self.records = records
        self.memo: dict[str, _Value | None] = {}
        self.splits: dict[str, tuple[str | None, str | None]] = {}
        #: The call resolver over this linker (`aiolint.project.blocking.resolver_of`).
        self.resolver: _Resolver | None = None

    def value(self, name: str, depth: int = 0) -> _Value | None:
        """What the absolute dotted `name` is (None: unknown or nothing of interest)."""
        if depth > _MAX_DEPTH:
            return None
        if name in self.memo:
            return self.memo[name]
        self.memo[name] = None  # cycles
        found = self._value(name, depth)
        self.memo[name] = found
        return found

    def _value(self, name: str, depth: int) -> _Value | None:
        module, attr = self.split(name)
        if module is None:
            return ("alias", name)  # not a project module: a library name
        if attr is None:
            return None  # a module itself
        record = self.records[module]
        imports, values, classes, functions = record[:4]
        head, _, rest = attr.partition(".")
        if rest:  # `app.db.engine.url`: an attribute of an export
            base = self.value(f"{module}.{head}", depth + 1)
            if base is not None and base[0] == "alias":
                return ("alias", f"{base[1]}.{rest}")
            return None
        if attr in imports:
            return self.value(imports[attr], depth + 1)
        if attr in values:
            return self.made(module, values[attr], depth + 1)
        if attr in classes:
            kinds = {self.instance_kind(module, base, depth + 1) for base in classes[attr]}
            kinds.discard(None)
            kind = kinds.pop() if len(kinds) == 1 else None
            return ("class", kind) if kind else None
        if attr in functions:
            generator, produced = functions[attr][:2]
            kinds = {self.produced_kind(module, made, depth + 1) for made in produced}
            kind = kinds.pop() if len(kinds) == 1 else None
            return ("function", kind, "1" if generator else "") if kind else None
        return None

    def split(self, name: str) -> tuple[str | None, str | None]:
        """The longest project module that `name` starts with, and the rest."""
        found = self.splits.get(name)
        if found is None:
            found = self.splits[name] = self._split(name)
        return found

    def _split(self, name: str) -> tuple[str | None, str | None]:
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            module = ".".join(parts[:end])
            if module in self.records:
                rest = ".".join(parts[end:])
                return module, rest or None
        return None, None

    def resolve(self, module: str, dotted: str) -> str:
        """A dotted name written in `module` -> the absolute name it refers to."""
        imports = self.records[module][0]
        head, _, rest = dotted.partition(".")
        base = imports.get(head, f"{module}.{head}")
        return f"{base}.{rest}" if rest else base

    def follow(self, name: str) -> str:
        """An absolute name followed through the project's imports to where it
        is defined (`app.models.Order` re-exported by `app.models/__init__.py`)."""
        for _ in range(_MAX_DEPTH):
            module, attr = self.split(name)
            if module is None or attr is None or "." in attr:
                return name
            target = self.records[module][0].get(attr)
            if target is None or target == name:
                return name
            name = target
        return name

    def referent(self, module: str, dotted: str, depth: int) -> _Value | None:
        return self.value(self.resolve(module, dotted), depth + 1)

    def instance_kind(self, module: str, dotted: str, depth: int) -> str | None:
        """The kind of an instance of the class `dotted` names."""
        found = self.referent(module, dotted, depth)
        if found is None:
            return None
        if found[0] == "alias":  # a SQLAlchemy kind, or the app class itself
            library = found[1]
            if library in known_names.APP_CLASSES or library in known_names.AIOHTTP_APPLICATIONS:
                return library
            return known_names.TYPES.get(library)
        return found[1] if found[0] == "class" else None

    def produced_kind(self, module: str, made: Made, depth: int) -> str | None:
        value = self.made(module, made, depth)
        return value[1] if value is not None and value[0] == "instance" else None

    def made(self, module: str, made: Made, depth: int) -> _Value | None:
        """What a value made as `made` (in `module`) is."""
        if depth > _MAX_DEPTH:
            return None
        how = made[0]
        if how == "ann":
            kind = self.instance_kind(module, made[1], depth + 1)
            if kind is None:  # `db_session: SessionLocal`: a factory's product
                called = self.referent(module, made[1], depth + 1)
                if called is not None and called[0] == "instance":
                    kind = known_names.CALL_RESULTS.get(called[1])
            return ("instance", kind) if kind else None
        if how == "ref":
            found = self.referent(module, made[1], depth + 1)
            if found is not None and found[0] == "alias":
                return None  # a library object itself (a class, a function)
            return found
        if how == "type":  # a type alias: the class it stands for
            found = self.referent(module, made[1], depth + 1)
            return found if found is not None and found[0] in ("alias", "class") else None
        if how == "call":
            return self._call(module, made, depth)
        if how == "enter":  # `with f() as x`: a generator function is a context manager
            found = self.referent(module, made[1], depth + 1)
            if found is not None and found[0] == "function" and found[2]:
                return ("instance", found[1])
            return self._call(module, ("call", *made[1:]), depth)
        return None

    def _call(self, module: str, made: Made, depth: int) -> _Value | None:
        func, class_, hidden = made[1], made[2], made[3]
        owner, _, method = func.rpartition(".")
        if method == "begin" and owner:  # `SessionLocal.begin()`
            found = self.referent(module, owner, depth + 1)
            if found is not None and found[0] == "instance":
                result = known_names.CALL_RESULTS.get(found[1])
                if result is not None and found[1].endswith("sessionmaker"):
                    return ("instance", result)
        found = self.referent(module, func, depth + 1)
        if found is None:
            return None
        if found[0] == "alias":
            library = found[1]
            if library in known_names.ENGINE_FUNCTIONS:
                return ("instance", known_names.ENGINE_FUNCTIONS[library])
            kind = known_names.TYPES.get(library)
            if kind == "sessionmaker":
                return self._sessionmaker(module, class_, hidden, depth)
            if kind is not None and kind not in ("Engine", "AsyncEngine"):
                return ("instance", kind)
            if library in known_names.APP_CLASSES or library in known_names.AIOHTTP_APPLICATIONS:
                return ("instance", library)
            return None
        if found[0] == "instance":
            result = known_names.CALL_RESULTS.get(found[1])
            return ("instance", result) if result else None
        if found[0] == "class":
            return ("instance", found[1])
        if found[0] == "function" and not found[2]:
            return ("instance", found[1])
        return None

    def _sessionmaker(self, module: str, class_: str, hidden: str, depth: int) -> _Value | None:
        if not class_:
            return None if hidden else ("instance", "sessionmaker")
        if class_ == "?":
            return None
        made = self.instance_kind(module, class_, depth + 1)
        if made == "Session":
            return ("instance", "sessionmaker")
        if made == "AsyncSession":
            return ("instance", "async_sessionmaker")
        return None


class Linkers:
    """The linkers of one set of module records: `recorded_names` makes them,
    and `link` takes them over when no module was added since (what they
    resolved, and the closures over calls, are not computed again)."""

    __slots__ = ("exports", "keys", "linker")

    def __init__(self, records: dict[str, ModuleRecord]) -> None:
        self.keys = tuple(records)
        #: The linker of `_exports`, and the one of the other tables.
        self.exports = _Linker(records)
        self.linker = _Linker(records)

    def fit(self, records: dict[str, ModuleRecord]) -> bool:
        """Made for these records (records are only ever added)."""
        return len(records) == len(self.keys) and tuple(records) == self.keys


def _exports(
    records: dict[str, ModuleRecord],
    imported: set[str] | None = None,
    linker: _Linker | None = None,
) -> Iterator[tuple[str, _Value]]:
    """(absolute name, value) of every module-level name the model records
    (`imported`: only those, or names of those modules, when given)."""
    if linker is None:
        linker = _Linker(records)
    for module, (imports, values, classes, functions, *_) in records.items():
        reached = imported is None or module in imported
        for attr in (*imports, *values, *classes, *functions):
            name = f"{module}.{attr}"
            if not reached and imported is not None and name not in imported:
                continue
            found = linker.value(name)
            if found is None:
                continue
            if found[0] == "alias":
                if found[1] != name and _interesting(found[1]):
                    yield name, found
            elif found[1]:
                yield name, found


def recorded_names(records: dict[str, ModuleRecord], linkers: Linkers | None = None) -> set[str]:
    """The last part of every name of these modules that stands for something
    the model records (a factory, a re-export, a dependency...): a module
    whose text names none of them cannot record anything more (`linkers`:
    made for `records`, to hand over to `link`)."""
    from aiolint.project.blocking import blocking_functions
    from aiolint.project.pooled import pooled_names
    from aiolint.project.sessions import session_names

    if linkers is None or not linkers.fit(records):
        linkers = Linkers(records)
    names = {name.rpartition(".")[2] for name, _ in _exports(records, None, linkers.exports)}
    linker = linkers.linker
    functions = blocking_functions(records, linker) | pooled_names(records, linker)
    names |= session_names(records, linker)
    orm = _link_orm(records, linker)
    mapped = {name.rpartition(".")[2] for name in (*orm.classes, *orm.factories)}
    return names | mapped | {name.rpartition(".")[2] for name in functions}


def link(
    records: dict[str, ModuleRecord],
    roots: tuple[str, ...],
    uses_sqlalchemy: bool = False,
    packages: frozenset[str] = frozenset(),
    linkers: Linkers | None = None,
) -> ProjectModel:
    """The model of a project whose modules (by dotted name) have these records
    (`linkers`: those `recorded_names` used, taken over when they fit)."""
    if linkers is None or not linkers.fit(records):
        linkers = Linkers(records)
    # Only what another module imports can reach a rule: `from app.db import
    # SessionLocal` (the name), `from app import db` (its module).
    imported = {target for record in records.values() for target in record[0].values()}
    uses_sqlalchemy = uses_sqlalchemy or any(t.split(".")[0] in _ROOTS for t in imported)
    aliases: dict[str, str] = {}
    instances: dict[str, str] = {}
    classes: dict[str, str] = {}
    functions: dict[str, tuple[str, bool]] = {}
    for name, found in _exports(records, imported, linkers.exports):
        if found[0] == "alias":
            aliases[name] = found[1]
        elif found[0] == "instance":
            instances[name] = found[1]
        elif found[0] == "class":
            classes[name] = found[1]
        else:
            functions[name] = (found[1], bool(found[2]))
    from aiolint.project.blocking import blocking_table
    from aiolint.project.pooled import pooled_table
    from aiolint.project.sessions import session_table

    linker = linkers.linker
    blocking = blocking_table(records, linker)
    orm = _link_orm(records, linker, imported)
    return ProjectModel(
        roots,
        aliases,
        instances,
        classes,
        functions,
        uses_sqlalchemy,
        packages,
        blocking,
        _factories(records, linker),
        session_table(records, linker),
        pooled_table(records, linker),
        orm.data(),
    )


def _link_orm(
    records: dict[str, ModuleRecord], linker: _Linker, imported: set[str] | None = None
) -> OrmModel:
    """The mapped classes and async session factories (`aiolint.project.orm`)."""
    orm = {module: record[6] for module, record in records.items() if len(record) > 6}
    return link_orm(orm, linker.resolve, linker.follow, imported or ())


def _factories(records: dict[str, ModuleRecord], linker: _Linker) -> dict[str, str]:
    """Functions returning a new engine, pool or client on every call (also
    through another factory), under their names and their re-exports."""
    made: dict[str, str] = {}
    for module, record in records.items():
        for name, function in record[3].items():
            if function[2]:
                made[f"{module}.{name}"] = linker.resolve(module, function[2])
    found: dict[str, str] = {}
    for _ in range(_MAX_DEPTH):
        before = len(found)
        for name, callee in made.items():
            if callee in known_names.RESOURCES:
                found[name] = callee
            elif callee in found:
                found[name] = found[callee]
        for module, record in records.items():
            for name, target in record[0].items():
                if target in found:
                    found[f"{module}.{name}"] = found[target]
        if len(found) == before:
            break
    return found


#: Library names whose re-exports the model keeps: the classes and functions
#: the project-aware rules resolve.
_REEXPORTED = frozenset(
    {
        *known_names.TYPES,
        *known_names.ENGINE_FUNCTIONS,
        *known_names.APP_CLASSES,
        *known_names.AIOHTTP_APPLICATIONS,
    }
)


def _interesting(library: str) -> bool:
    """Re-exports worth keeping (`Session` from `app.db`)."""
    return library in _REEXPORTED

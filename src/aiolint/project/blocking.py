"""Which of the project's sync functions block, and through which calls.

From every module's function summaries (`aiolint.project.summary`): a sync
function blocks when its own body makes a call AIO201-AIO205 flag in async
code (a `time.sleep`, a sync HTTP request, a subprocess, a file open, a sync
database connect, an I/O method of a sync `Session` or `Engine` the linker
resolves), or when it calls a sync function of the project that blocks, to any
depth. The closure is a breadth-first walk back from the functions that block
themselves along the resolved calls, so each function gets its shortest chain
and cycles end. Coroutine functions, generator functions and functions
decorated to run in a thread are never links of a chain: calling them runs
none of their body. An unresolved call is no link.

The answer is a table: function (absolute dotted name, `app.crud.get_users`,
`app.services.Users.list`) -> a `Blocking` entry: where the function is
defined, the next function of its chain (`""` where it blocks itself) and the
line of that call, and where and how the chain ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from aiolint.engine import known_names

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias, TypeVar

    from aiolint.project.model import _Linker
    from aiolint.project.scan import Made, ModuleRecord
    from aiolint.project.summary import Summary

    #: A table's entry (`_other_names` serves AIO206's and the session uses' tables).
    _Entry = TypeVar("_Entry")

    #: (module, def line, next function or "", line of that call, code, what
    #: blocks, module where it blocks, line where it blocks)
    Blocking: TypeAlias = tuple[str, int, str, int, str, str, str, int]

_MAX_DEPTH = 16
#: What a database method on a receiver of this kind does (AIO205's words).
_RECEIVERS: dict[str, tuple[frozenset[str], str]] = {
    "Session": (known_names.SESSION_IO_METHODS, "on a sync Session"),
    "Engine": (known_names.ENGINE_METHODS, "on a sync Engine"),
}


def blocking_table(records: dict[str, ModuleRecord], linker: _Linker) -> dict[str, Blocking]:
    """Every sync function of the project that blocks (see the module doc),
    under each name it is called by."""
    resolver = resolver_of(records, linker)
    found = dict(_closure(resolver))
    if found:
        found.update(_other_names(records, resolver, found))
    return found


def blocking_functions(records: dict[str, ModuleRecord], linker: _Linker) -> set[str]:
    """The functions that block, under their own names only (the project scan
    reads the modules that name one of them)."""
    return set(_closure(resolver_of(records, linker)))


def resolver_of(records: dict[str, ModuleRecord], linker: _Linker) -> _Resolver:
    """The resolver of these records over `linker`: one per linker, so that
    the tables linked from the same records share what it resolved."""
    resolver = linker.resolver
    if resolver is None or resolver.records is not records:
        resolver = linker.resolver = _Resolver(records, linker)
    return resolver


def _closure(resolver: _Resolver) -> dict[str, Blocking]:
    """AIO206's closure, once per resolver (do not change the answer)."""
    found = resolver.tables.get("blocking")
    if found is None:
        found = resolver.tables["blocking"] = _blocking_closure(resolver)
    return found  # type: ignore[return-value]


def _blocking_closure(resolver: _Resolver) -> dict[str, Blocking]:
    def links(key: str, module: str, summary: Summary) -> bool:
        return _links(summary) and "<locals>" not in key  # AIO206 follows no nested function

    def own(module: str, summary: Summary) -> tuple[str, str, str, int] | None:
        found = resolver.own_block(module, summary)
        return None if found is None else (found[0], found[1], module, found[2])

    return close_over_calls(resolver, links, own)  # type: ignore[return-value]


def close_over_calls(
    resolver: _Resolver,
    links: Callable[[str, str, Summary], bool],
    own: Callable[[str, Summary], tuple[object, ...] | None],
) -> dict[str, tuple[object, ...]]:
    """A property closed over the project's calls (AIO206's blocking, AIO106's
    pool use): each function that can be a link of a chain (`links(key,
    module, summary)`) has it through its own body (`own(module, summary)`: the end of
    the chain) or through a call of such a function; its entry is (module, def
    line, next function or "", line of that call, *the end)."""
    summaries = resolver.summaries
    found: dict[str, tuple[object, ...]] = {}
    callers: dict[str, list[tuple[str, int]]] = {}
    for key, (module, owner, summary) in summaries.items():
        if not links(key, module, summary):
            continue
        end = own(module, summary)
        if end is not None:
            found[key] = (module, summary[3], "", 0, *end)
        for call in summary[6]:
            target = resolver.call_target(module, owner, call)
            if target is not None and target != key:
                callers.setdefault(target, []).append((key, int(call[-1])))  # type: ignore[arg-type]
    pending = deque(found)
    while pending:
        callee = pending.popleft()
        end_of_chain = found[callee][4:]
        for caller, line in callers.get(callee, ()):
            if caller in found:
                continue
            module, _, summary = summaries[caller]
            found[caller] = (module, summary[3], callee, line, *end_of_chain)
            pending.append(caller)
    return found


def _other_names(
    records: dict[str, ModuleRecord], resolver: _Resolver, found: dict[str, _Entry]
) -> dict[str, _Entry]:
    """The other names a blocking function is called by: a re-export
    (`app.crud.get_users` for `app.crud.users.get_users`), a method inherited
    from a project base class (`app.Users.list` for `app.Base.list`), a method
    of a module-level instance (`app.services.users.list`), and the same
    through re-exports of the class or of the instance."""
    methods = resolver.tables.get("methods")
    if methods is None:
        methods = resolver.tables["methods"] = _method_names(resolver)
    extra: dict[str, _Entry] = {}

    def add_class(alias: str, class_: str) -> None:
        for name in methods.get(class_, ()):
            key = resolver.method(class_, name)
            if key in found and f"{alias}.{name}" not in found:
                extra[f"{alias}.{name}"] = found[key]

    for module, record in records.items():
        imports, values, defined = record[0], record[1], record[2]
        for name in defined:
            add_class(f"{module}.{name}", f"{module}.{name}")
        for name, target in imports.items():
            function = resolver.function(target)
            if function in found and f"{module}.{name}" not in found:
                extra[f"{module}.{name}"] = found[function]
            class_ = resolver.project_class(target)
            if class_ is not None:
                add_class(f"{module}.{name}", class_)
        for name, made in values.items():
            class_ = resolver.class_of(module, made)
            if class_ is not None:
                add_class(f"{module}.{name}", class_)
    return extra


def _method_names(resolver: _Resolver) -> dict[str, set[str]]:
    """Class (absolute) -> the names of the methods it defines or inherits
    from project base classes."""
    own: dict[str, set[str]] = {}
    for key, (_, owner, _) in resolver.summaries.items():
        if owner is not None:
            own.setdefault(key.rpartition(".")[0], set()).add(key.rpartition(".")[2])
    names = {class_: set(methods) for class_, methods in own.items()}
    for module, record in resolver.records.items():
        for name in record[2]:
            class_ = f"{module}.{name}"
            seen = names.setdefault(class_, set())
            for base in resolver.bases(class_):
                seen |= own.get(base, set())
    return names


def _links(summary: Summary) -> bool:
    """A call of this function runs its body now: sync, no generator, not offloaded."""
    is_async, generator, offloaded = summary[0], summary[1], summary[2]
    return not (is_async or generator or offloaded)


class _Resolver:
    def __init__(self, records: dict[str, ModuleRecord], linker: _Linker) -> None:
        self.records = records
        self.linker = linker
        #: Function (absolute) -> (its module, its class or None, its summary).
        self.summaries: dict[str, tuple[str, str | None, Summary]] = {}
        for module, record in records.items():
            for name, summary in record[4].items():
                # `f.<locals>.g`: a nested function, no method of a class
                owner = name.partition(".")[0] if "." in name and "<" not in name else None
                self.summaries[f"{module}.{name}"] = (module, owner, summary)
        self.memo: dict[tuple[str, ...], str | None] = {}
        #: What was computed from these records (`_closure`'s table...), by name.
        self.tables: dict[str, Any] = {}

    def own_block(self, module: str, summary: Summary) -> tuple[str, str, int] | None:
        """The first blocking call of the function's own body: (code, shown, line)."""
        candidates: list[tuple[int, str, str]] = [
            (line, code, shown) for code, line, shown in summary[4]
        ]
        for mades, method, line, shown in summary[5]:
            kind = self._kind(module, mades)
            if kind in _RECEIVERS and method in _RECEIVERS[kind][0]:
                candidates.append((line, "AIO205", f"{shown} {_RECEIVERS[kind][1]}"))
        if not candidates:
            return None
        line, code, shown = min(candidates)
        return code, shown, line

    def _kind(self, module: str, mades: tuple[Made, ...]) -> str | None:
        """The one instance kind every way of making the receiver gives."""
        kinds = set()
        for made in mades:
            value = self.linker.made(module, made, 0)
            kinds.add(value[1] if value is not None and value[0] == "instance" else None)
        return kinds.pop() if len(kinds) == 1 else None

    def call_target(self, module: str, owner: str | None, call: tuple[object, ...]) -> str | None:
        """The project function a summarised call reaches (None: unknown)."""
        how = call[0]
        if how == "name":
            return self.function(self.linker.resolve(module, str(call[1])))
        if how == "self" and owner is not None:
            return self.method(f"{module}.{owner}", str(call[1]))
        if how == "inst":
            mades: tuple[Made, ...] = call[1]  # type: ignore[assignment]
            classes = {self.class_of(module, made) for made in mades}
            if len(classes) == 1:
                (found,) = classes
                return self.method(found, str(call[2])) if found else None
        return None

    def _memoized(self, key: tuple[str, ...], compute: Callable[[], str | None]) -> str | None:
        """`compute()`, once per key; None while it is being computed (a cycle
        of re-exports or base classes ends there)."""
        if key not in self.memo:
            self.memo[key] = None
            self.memo[key] = compute()
        return self.memo[key]

    def function(self, name: str, depth: int = 0) -> str | None:
        """The function `name` (absolute) stands for, through re-exports."""
        return self._memoized(("function", name), lambda: self._function(name, depth))

    def _function(self, name: str, depth: int) -> str | None:
        if name in self.summaries:
            return name
        if depth > _MAX_DEPTH:
            return None
        module, attr = self.linker.split(name)
        if module is None or attr is None:
            return None
        imports, values, classes = self.records[module][:3]
        head, _, rest = attr.partition(".")
        if head in imports:
            target = imports[head] + (f".{rest}" if rest else "")
            return self.function(target, depth + 1)
        if not rest or "." in rest:
            return None
        if head in classes:  # `Users.list(...)`: a static or class method
            return self.method(f"{module}.{head}", rest)
        if head in values:  # `users.list(...)` on a module-level instance
            found = self.class_of(module, values[head])
            return self.method(found, rest) if found else None
        return None

    def class_of(self, module: str, made: Made, depth: int = 0) -> str | None:
        """The project class (absolute) a value made as `made` is an instance of."""
        if made[0] not in ("ann", "call", "type") or depth > _MAX_DEPTH:
            return None
        return self.project_class(self.linker.resolve(module, made[1]), depth + 1)

    def project_class(self, name: str, depth: int = 0) -> str | None:
        """The project class `name` (absolute) stands for, through re-exports."""
        return self._memoized(("class", name), lambda: self._project_class(name, depth))

    def _project_class(self, name: str, depth: int) -> str | None:
        if depth > _MAX_DEPTH:
            return None
        module, attr = self.linker.split(name)
        if module is None or attr is None or "." in attr:
            return None
        imports, _, classes = self.records[module][:3]
        if attr in classes:
            return f"{module}.{attr}"
        if attr in imports:
            return self.project_class(imports[attr], depth + 1)
        return None

    def bases(self, class_: str, depth: int = 0) -> list[str]:
        """The project base classes of `class_`, nearest first, transitively."""
        if depth > _MAX_DEPTH:
            return []
        module, attr = self.linker.split(class_)
        if module is None or attr is None:
            return []
        found: list[str] = []
        for base in self.records[module][2].get(attr, ()):
            resolved = self.project_class(self.linker.resolve(module, base), depth + 1)
            if resolved is not None and resolved not in found:
                found.append(resolved)
                found.extend(b for b in self.bases(resolved, depth + 1) if b not in found)
        return found

    def method(self, class_: str, name: str, depth: int = 0) -> str | None:
        """`class_.name`, or the first project base class defining it."""
        return self._memoized(("method", class_, name), lambda: self._method(class_, name, depth))

    def _method(self, class_: str, name: str, depth: int) -> str | None:
        key = f"{class_}.{name}"
        if key in self.summaries:
            return key
        if depth > _MAX_DEPTH:
            return None
        module, attr = self.linker.split(class_)
        if module is None or attr is None:
            return None
        for base in self.records[module][2].get(attr, ()):
            found = self.project_class(self.linker.resolve(module, base), depth + 1)
            if found is not None:
                inherited = self.method(found, name, depth + 1)
                if inherited is not None:
                    return inherited
        return None

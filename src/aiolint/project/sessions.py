"""Which parameters and `self` attributes each project function uses as a
session, closed over the calls it passes them on to.

From every module's function summaries (`aiolint.project.summary`): a function
uses a parameter (or `self.<attr>`) as a session when it calls a session
method on it, or passes it on to a project function that uses the matching
parameter as one, or (for `self.<attr>`) calls a method of its own object
that uses it (`self.m()`); to any depth, to a fixed point (cycles end). A
call that resolves to no project function is no use.

The answer is a table: function (absolute dotted name) -> `(params, attrs,
stores)`: the names of the parameters it uses as a session, the `self`
attributes it uses as one, and, for a constructor (`__init__`), the
`(attr, param, position, kind)` it keeps (`self.session = session`: the
object's `session` is the argument at `position` of the call that made it,
counted without `self`; `kind`: what the parameter's annotation makes it,
"AsyncSession", or ""). AIO305 asks it which session `svc.close(a)` works on when
`svc = OrderService(session)`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    from aiolint.project.blocking import _Resolver
    from aiolint.project.model import _Linker
    from aiolint.project.scan import ModuleRecord

    SessionUse: TypeAlias = tuple[
        tuple[str, ...], tuple[str, ...], tuple[tuple[str, str, int, str], ...]
    ]

_MAX_ROUNDS = 32


def session_table(records: dict[str, ModuleRecord], linker: _Linker) -> dict[str, SessionUse]:
    """Every project function that uses a parameter or `self` attribute as a
    session, or keeps a parameter in `self` (see the module doc), under each
    name it is called by (re-exports, inherited methods)."""
    from aiolint.project.blocking import _other_names, resolver_of

    resolver = resolver_of(records, linker)
    table = dict(_own_table(resolver))
    if table:
        table.update(_other_names(records, resolver, table))
    return table


def session_names(records: dict[str, ModuleRecord], linker: _Linker) -> set[str]:
    """The names of the functions, and classes of the methods, that use a
    session (the project scan also reads the modules naming one of them: a
    subclass, a re-export)."""
    from aiolint.project.blocking import resolver_of

    resolver = resolver_of(records, linker)
    names: set[str] = set()
    for key, (params, attrs, _) in _own_table(resolver).items():
        if params or attrs:  # not a constructor alone
            owner = resolver.summaries[key][1]
            names.add(owner if owner is not None else key.rpartition(".")[2])
    return names


def _own_table(resolver: _Resolver) -> dict[str, SessionUse]:
    """`session_table` under the functions' own names, once per resolver (do
    not change the answer)."""
    table = resolver.tables.get("sessions")
    if table is None:
        table = resolver.tables["sessions"] = _sessions_closure(resolver)
    return table  # type: ignore[no-any-return]


def _sessions_closure(resolver: _Resolver) -> dict[str, SessionUse]:
    used: dict[str, set[tuple[str, str]]] = {}
    edges: list[tuple[str, tuple[str, str], str, int | str, str]] = []
    for key, (module, owner, summary) in resolver.summaries.items():
        if len(summary) < 11:
            continue
        if summary[8]:
            used[key] = set(summary[8])
        for call, at, source in summary[9]:
            target = resolver.call_target(module, owner, call)
            if target is None or target == key:
                continue
            edges.append((key, source, target, at, str(call[0])))
        if owner is not None:  # `self.m()`: the methods of the same object
            for call in summary[6]:
                if call[0] == "self":
                    target = resolver.call_target(module, owner, call)
                    if target is not None and target != key:
                        edges.append((key, ("self", "*"), target, "", "self"))
    for _ in range(_MAX_ROUNDS):
        changed = False
        for caller, source, target, at, how in edges:
            target_uses = used.get(target)
            if not target_uses:
                continue
            if source == ("self", "*"):
                attrs = {u for u in target_uses if u[0] == "self"}
                if not attrs <= used.get(caller, set()):
                    used.setdefault(caller, set()).update(attrs)
                    changed = True
                continue
            param = _param_at(resolver, target, at, how)
            known = used.get(caller, set())
            if param is not None and ("param", param) in target_uses and source not in known:
                used.setdefault(caller, set()).add(source)
                changed = True
        if not changed:
            break
    # A constructor's stores matter only for attributes some method uses.
    attributes = {name for uses in used.values() for kind, name in uses if kind == "self"}
    table: dict[str, SessionUse] = {}
    for key, (module, owner, summary) in resolver.summaries.items():
        uses = used.get(key, set())
        stores: tuple[tuple[str, str, int, str], ...] = ()
        if owner is not None and key.endswith(".__init__") and len(summary) >= 11:
            positional = summary[7][1:]
            stores = tuple(
                (
                    attr,
                    param,
                    positional.index(param) if param in positional else -1,
                    _kind(resolver, module, annotation),
                )
                for attr, param, annotation in summary[10]
                if attr in attributes
            )
        if uses or stores:
            table[key] = (
                tuple(sorted(n for kind, n in uses if kind == "param")),
                tuple(sorted(n for kind, n in uses if kind == "self")),
                stores,
            )
    return table


def _kind(resolver: _Resolver, module: str, annotation: str) -> str:
    """The kind of an instance of the annotated class ("": unknown)."""
    if not annotation:
        return ""
    made = resolver.linker.made(module, ("ann", annotation), 0)
    return made[1] if made is not None and made[0] == "instance" else ""


def _param_at(resolver: _Resolver, target: str, at: int | str, how: str) -> str | None:
    """The name of the parameter of `target` an argument at `at` binds."""
    summary = resolver.summaries[target][2]
    if len(summary) < 11:
        return None
    positional: tuple[str, ...] = summary[7]
    if isinstance(at, str):
        return at
    if resolver.summaries[target][1] is not None and how in ("self", "inst"):
        positional = positional[1:]  # bound method: `self` is not an argument
    return positional[at] if 0 <= at < len(positional) else None

"""Which of the project's functions take a connection from a shared pool (AIO106).

From every module's function summaries (`aiolint.project.summary`): a function
uses a pool when its own body opens a session from a session factory
(`SessionLocal()`, `SessionLocal.begin()`), checks a connection out of an
engine (`engine.connect()`, `engine.begin()`) or sends a request on a shared
async HTTP client (`client.get(...)` on a module-level client or a parameter
annotated `httpx.AsyncClient` / `aiohttp.ClientSession`), or when it calls a
project function that does, to any depth. What is made inside the function
itself (`async with httpx.AsyncClient() as client`, `create_async_engine(...)`)
is a pool of its own, not a shared one: no use.

A function that holds a limiter (`async with <name or attribute>:` or `await
x.acquire()` of anything not known to be a session, engine or client: a
semaphore, a lock, a capacity limiter, or a value the scan cannot follow) is
bounded: neither it nor a chain through it uses a pool unbounded. An engine
made with `poolclass=NullPool` (or another pool that never makes a caller
wait) is no pool that can run out.

The answer is a table like `aiolint.project.blocking`'s: function (absolute
dotted name) -> a `Pooled` entry: where the function is defined, the next
function of its chain (`""` where it uses the pool itself) and the line of
that call, what it does ("opens a session from `SessionLocal`"), the call
shown, the module and line where, and the pool's size as the message names it.
"""

from __future__ import annotations

from aiolint.engine import known_names
from aiolint.project.blocking import _other_names, close_over_calls, resolver_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    from aiolint.project.model import _Linker
    from aiolint.project.scan import Made, ModuleRecord, Pool
    from aiolint.project.summary import Summary

    #: (module, def line, next function or "", line of that call, what it
    #: does, the call shown, module where, line where, how the tasks fail:
    #: "wait on <the pool, its size> and fail with <error>")
    Pooled: TypeAlias = tuple[str, int, str, int, str, str, str, int, str]

_MAX_DEPTH = 16
#: SQLAlchemy's QueuePool defaults.
DEFAULT_POOL = "SQLAlchemy's default pool of 5 + 10 overflow connections"
_QUEUE_POOL = "and fail with `TimeoutError: QueuePool limit ... reached`"


def pooled_table(records: dict[str, ModuleRecord], linker: _Linker) -> dict[str, Pooled]:
    """Every function of the project that takes a connection from a shared
    pool unbounded (see the module doc), under each name it is called by."""
    resolver = resolver_of(records, linker)
    pools = _Pools(records, linker)

    def links(key: str, module: str, summary: Summary) -> bool:
        return not (summary[2] or pools.bounded(module, summary))

    found: dict[str, Pooled] = close_over_calls(resolver, links, pools.own_use)  # type: ignore[assignment]
    if found:
        found.update(_other_names(records, resolver, found))  # type: ignore[arg-type]
    return found


def pooled_names(records: dict[str, ModuleRecord], linker: _Linker) -> set[str]:
    """The module-level shared HTTP clients (the project scan reads the modules
    that name one of them). The functions that use a pool are not added: on
    a large application that doubled the scan (most service functions open a
    session, so most modules would be read); a chain through a module that
    names no factory, client or library is not followed (rules stay silent)."""
    pools = _Pools(records, linker)
    return {
        f"{module}.{name}"
        for module, record in records.items()
        for name, made in record[1].items()
        if pools.library_class(module, made) in known_names.POOLED_HTTP_CLIENTS
    }


class _Pools:
    """What the values a function works on are: session factories, engines,
    HTTP clients, limiters; and the size of their pools."""

    def __init__(self, records: dict[str, ModuleRecord], linker: _Linker) -> None:
        self.records = records
        self.linker = linker

    def bounded(self, module: str, summary: Summary) -> bool:
        """The function holds a limiter (or something that may be one)."""
        for mades in summary[12]:
            if not mades:
                return True
            if not any(self._resource(module, made) for made in mades):
                return True
        return False

    def _resource(self, module: str, made: Made) -> bool:
        """`made` is known to be a session, engine, factory or client."""
        value = self.linker.made(module, made, 0)
        if value is not None and value[0] == "instance":
            return True
        return self.library_class(module, made) in known_names.POOLED_HTTP_CLIENTS

    def own_use(self, module: str, summary: Summary) -> tuple[str, str, str, int, str] | None:
        """The first pool use of the function's own body: (what, shown, module,
        line, pool size)."""
        for mades, method, line, shown in summary[11]:
            found = self._use(module, mades, method)
            if found is not None:
                what, size = found
                return what, shown, module, line, size
        return None

    def _use(self, module: str, mades: tuple[Made, ...], method: str) -> tuple[str, str] | None:
        """(what the call does, the pool's size) when every way the receiver is
        made gives the same pooled resource made outside the function."""
        answers = {self._one_use(module, made, method) for made in mades}
        if len(answers) != 1:
            return None
        return answers.pop()

    def _one_use(self, module: str, made: Made, method: str) -> tuple[str, str] | None:
        if made[0] not in ("ref", "ann"):
            return None  # made in the function: its own pool
        value = self.linker.made(module, made, 0)
        if value is not None and value[0] == "instance":
            kind = value[1]
            named = f"`{made[1]}`" if made[0] == "ref" else f"an `{kind}`"
            if kind in known_names.POOLED_FACTORIES and method in ("()", "begin"):
                size = self.factory_pool(module, made)
                return None if size is None else (f"opens a session from {named}", size)
            if kind in known_names.POOLED_ENGINES and method in ("connect", "begin"):
                size = self.engine_pool(module, made)
                return None if size is None else (f"checks out a connection of {named}", size)
            return None
        client = known_names.POOLED_HTTP_CLIENTS.get(self.library_class(module, made) or "")
        if client is not None and method in known_names.HTTP_CLIENT_METHODS:
            on = f"`{made[1]}`" if made[0] == "ref" else f"an `{client}`"
            return f"sends a request on {on}", client_pool(client)
        return None

    def library_class(self, module: str, made: Made, depth: int = 0) -> str | None:
        """The library class a value is an instance of, by annotation or by
        the call that made it (through module-level names and imports)."""
        if depth > _MAX_DEPTH:
            return None
        how = made[0]
        if how in ("ann", "type", "call"):
            found = self.linker.referent(module, made[1], depth)
            return found[1] if found is not None and found[0] == "alias" else None
        if how != "ref":
            return None
        defined = self._defined(self.linker.resolve(module, made[1]))
        if defined is None:
            return None
        owner, attr = defined
        value = self.records[owner][1].get(attr)
        return self.library_class(owner, value, depth + 1) if value is not None else None

    def _defined(self, name: str, depth: int = 0) -> tuple[str, str] | None:
        """The module defining the module-level value `name` (absolute),
        through re-exports, and its name there."""
        if depth > _MAX_DEPTH:
            return None
        module, attr = self.linker.split(name)
        if module is None or attr is None or "." in attr:
            return None
        imports = self.records[module][0]
        if attr in imports:
            return self._defined(imports[attr], depth + 1)
        return module, attr

    def _pool_entry(self, module: str, dotted: str) -> tuple[str, str, Pool] | None:
        defined = self._defined(self.linker.resolve(module, dotted))
        if defined is None:
            return None
        owner, attr = defined
        record = self.records[owner]
        pools: dict[str, Pool] = record[5] if len(record) > 5 else {}  # type: ignore[misc]
        entry = pools.get(attr)
        return (owner, attr, entry) if entry is not None else None

    def factory_pool(self, module: str, made: Made) -> str | None:
        """The pool size of a session factory's engine (None: a pool that never
        makes a caller wait)."""
        unknown = f"wait on the pool of the engine the factory is bound to {_QUEUE_POOL}"
        if made[0] != "ref":
            return unknown
        found = self._pool_entry(module, made[1])
        if found is None or not found[2][0]:
            return unknown
        owner, _, (bind, *_) = found
        return self.engine_pool(owner, ("ref", bind))

    def engine_pool(self, module: str, made: Made) -> str | None:
        """How the message names an engine's pool (None: it never makes a
        caller wait)."""
        if made[0] != "ref":
            return f"wait on the engine's pool {_QUEUE_POOL}"
        found = self._pool_entry(module, made[1])
        if found is None:
            return f"wait on the engine's pool {_QUEUE_POOL}"
        _, attr, (_, size, overflow, poolclass) = found
        if poolclass in known_names.UNBOUNDED_POOLS:
            return None
        if poolclass or size == -1 or overflow == -1:
            return f"wait on the pool of `{attr}` {_QUEUE_POOL}"
        if size == -2 and overflow == -2:
            return f"wait on `{attr}`'s pool, {DEFAULT_POOL}, {_QUEUE_POOL}"
        size = 5 if size == -2 else size
        overflow = 10 if overflow == -2 else overflow
        return f"wait on `{attr}`'s pool of {size} + {overflow} overflow connections {_QUEUE_POOL}"


def client_pool(client: str) -> str:
    """How the tasks sending requests on one `client` fail."""
    if client == "httpx.AsyncClient":
        return (
            "wait on the connection pool of one `httpx.AsyncClient` (100 connections by "
            "default) and fail with `httpx.PoolTimeout`"
        )
    return (
        f"wait on the connection pool of one `{client}` (100 connections by default) and time out"
    )

"""AIO206: a sync project function that blocks, called from async code."""

from __future__ import annotations

import ast

import libcst as cst

from aiolint.engine.gate import AstFacts, dotted_parts
from aiolint.engine.model import Fix, FixAvailability, Location, Related
from aiolint.engine.rule import Rule
from aiolint.fixes.to_thread import to_thread_fix
from aiolint.semantic.async_library import async_library, thread_call
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_function, in_async_code
from aiolint.semantic.project_calls import LONE_MODULE, blocking_table, callee
from aiolint.semantic.project_calls import where as _where

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.project.blocking import Blocking

_MAX_CHAIN = 32


class BlockingCallInHelper(Rule):
    """A sync function of the project that blocks, called from async code.

    ## What it does
    Finds calls, in the body of an `async def`, of a synchronous function or
    method of the project whose body (or a project function it calls, to any
    depth) does what AIO201-AIO205 flag in async code: `time.sleep`, a sync
    HTTP request, a subprocess, a file open, a file-system call
    (`os.path.exists`, `os.listdir`, `shutil.rmtree`...), a sync database
    connect, or an I/O method of a sync SQLAlchemy `Session` or `Engine`
    (`Path` methods count only in async code: AIO204). The message names
    the chain of calls and where it blocks.

    Calls are resolved through imports and re-exports, module attributes
    (`crud.get_users()`), `self.method()`, methods on instances of project
    classes (a module-level instance, a local made by calling the class, a
    parameter annotated with it) and inherited methods; an unresolved call is
    not reported. A chain ends at a coroutine function, a generator function,
    a function decorated to run in a thread (`@sync_to_async`, `@asyncify`),
    and wherever the function is passed, not called (`await
    asyncio.to_thread(helper, x)`, `run_in_threadpool(helper)`). FastAPI runs
    a sync `def` route or dependency in its threadpool: it is not async code.

    ## Why is this bad?
    This is how blocking reaches an event loop in real services: an `async
    def` route calls a `crud` or `service` helper written for sync code. While
    the helper waits, the event loop serves no other request; five concurrent
    requests take five times as long. Direct-call rules (AIO201-AIO205, ruff's
    and flake8-async's ASYNC2xx) cannot see it: the blocking line is in
    another function, often another module.

    ## Example
    ```python
    import requests


    def fetch_rates(base: str) -> dict:
        return requests.get(f"https://rates.example/{base}", timeout=5).json()


    @router.get("/rates/{base}")
    async def rates(base: str) -> dict:
        return fetch_rates(base)
    ```

    ## Use instead
    ```python
    import asyncio


    @router.get("/rates/{base}")
    async def rates(base: str) -> dict:
        return await asyncio.to_thread(fetch_rates, base)
    ```
    or make the helper async (`httpx.AsyncClient`, `AsyncSession`), or declare
    the route with `def` so that FastAPI runs it in its threadpool. The helper
    is usually in another module (`crud.fetch_rates(base)`): the project's
    summaries follow it there.

    ## Fix safety
    The fix is unsafe: `await asyncio.to_thread(helper, *args, **kwargs)` runs
    the helper in a worker thread, which is wrong when the helper touches
    objects bound to the event loop or to the calling thread (an `AsyncSession`,
    a thread-local). It is written for the file's async library (`await
    anyio.to_thread.run_sync(...)` in anyio code, `trio.to_thread.run_sync` in
    trio code, both without keyword arguments), and is not offered inside a
    generator expression, an annotation or a `with` item.

    ## References
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [FastAPI: async def or def](https://fastapi.tiangolo.com/async/#path-operation-functions)
    """

    code = "AIO206"
    name = "blocking-call-in-helper"
    fix_availability = FixAvailability.SOMETIMES
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return any(_may_block(facts, site.node.func) for site in facts.call_sites(in_async=True))

    def visit_Call(self, node: cst.Call) -> None:
        if not in_async_code(self.ctx, node):
            return
        table, module = blocking_table(self.ctx)
        if not table or module is None:
            return
        key = callee(self.ctx, node, module)
        if key is None or key not in table:
            return
        if isinstance(self.ctx.parent(node), cst.Await):
            return  # a sync function whose result is awaited returns an awaitable
        caller = enclosing_function(self.ctx, node)
        name = caller.name.value if caller is not None else "?"
        chain, related = _chain(self.ctx, table, key, module)
        library = async_library(self.ctx)
        self.report(
            node,
            f"Sync helper `{_short(key, module)}()` blocks the event loop: `{name}()` {chain}; "
            f"run it with `{thread_call(library)}`, or make it async",
            fix=self._fix(node),
            related=related,
        )

    def _fix(self, node: cst.Call) -> Fix | None:
        return to_thread_fix(self.ctx, node, "Run the helper in a worker thread")


def _may_block(facts: AstFacts, func: ast.expr) -> bool:
    """Whether a call of `func` may be one of a blocking helper (the `ast`
    gate): a name or attribute chain the file imports resolves to one; else
    (a function of this module, a method on `self`, a local or a parameter)
    its last name is one's. Without a project, a name the file binds."""
    parts = dotted_parts(func)
    if not parts:
        return False
    if facts.blocking is None or facts.blocking_names is None:
        return parts[-1] in facts.bound
    if parts[0] in facts.imports and parts[0] not in facts.bound:
        return not facts.blocking.isdisjoint(facts.names(func))
    return parts[-1] in facts.blocking_names


def _chain(
    ctx: FileContext, table: dict[str, Blocking], key: str, module: str
) -> tuple[str, tuple[Related, ...]]:
    """`calls crud.get_users() (app/crud.py:12) -> _fetch() -> db.execute(...)
    on a sync Session (app/crud.py:30)`, and each step as a related place."""
    entry = table[key]
    hops = [f"calls `{_short(key, module)}()` ({_where(ctx, entry[0], entry[1])})"]
    related = [_related(ctx, entry[0], entry[1], f"`{_short(key, module)}()` is defined here")]
    seen = {key}
    while entry[2] and entry[2] in table and entry[2] not in seen and len(hops) < _MAX_CHAIN:
        seen.add(entry[2])
        callee = _short(entry[2], module)
        hops.append(f"`{callee}()`")
        related.append(_related(ctx, entry[0], entry[3], f"calls `{callee}()`"))
        entry = table[entry[2]]
    call, _, receiver = entry[5].partition(" on ")
    on = f" on {receiver}" if receiver else ""
    hops.append(f"`{call}`{on} ({_where(ctx, entry[6], entry[7])})")
    related.append(_related(ctx, entry[6], entry[7], f"blocks: `{call}`{on}"))
    return " -> ".join(hops), tuple(r for r in related if r is not None)


def _related(ctx: FileContext, module: str, line: int, message: str) -> Related | None:
    project = ctx.project
    path = project.module_path(module) if project is not None else None
    if path is None and module == LONE_MODULE:
        path = ctx.path
    return Related(path, Location(line, 1), message) if path is not None else None


def _short(key: str, module: str) -> str:
    """How a function is named in messages: `Users.list` for a method
    (`app.crud.Users.list`), `get_users` for one of this module, else with its
    module's last name (`crud.get_users`)."""
    if key.startswith(f"{module}."):
        return key[len(module) + 1 :]
    parts = key.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else key

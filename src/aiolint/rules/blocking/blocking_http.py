"""AIO202: synchronous HTTP clients (requests, urllib, httpx.Client, urllib3) inside async code."""

import libcst as cst

from aiolint.engine import known_names
from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.fixes.to_thread import to_thread_fix
from aiolint.semantic.async_library import async_library, thread_call
from aiolint.semantic.bindings import origin
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.names import call_name, dotted

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

#: Module-level functions that send a request and wait for the response.
BLOCKING_FUNCTIONS = known_names.HTTP_FUNCTIONS

_REQUESTS_SESSION = frozenset({*_VERBS, "send"})
_HTTPX_CLIENT = frozenset({*_VERBS, "send", "stream"})
_URLLIB3_POOL = frozenset({"request", "urlopen", "request_encode_url", "request_encode_body"})

#: Origin of a sync client instance (see `semantic.bindings.origin`) -> its I/O methods.
CLIENT_METHODS: dict[str, frozenset[str]] = {
    "requests.Session()": _REQUESTS_SESSION,
    "requests.session()": _REQUESTS_SESSION,
    "requests.sessions.Session()": _REQUESTS_SESSION,
    "requests.sessions.session()": _REQUESTS_SESSION,
    "httpx.Client()": _HTTPX_CLIENT,
    "httpx2.Client()": _HTTPX_CLIENT,
    "urllib3.PoolManager()": _URLLIB3_POOL,
    "urllib3.ProxyManager()": _URLLIB3_POOL,
    "urllib3.poolmanager.PoolManager()": _URLLIB3_POOL,
    "urllib3.poolmanager.ProxyManager()": _URLLIB3_POOL,
    "urllib3.HTTPConnectionPool()": _URLLIB3_POOL,
    "urllib3.HTTPSConnectionPool()": _URLLIB3_POOL,
    "urllib3.connectionpool.HTTPConnectionPool()": _URLLIB3_POOL,
    "urllib3.connectionpool.HTTPSConnectionPool()": _URLLIB3_POOL,
    "urllib3.connection_from_url()": _URLLIB3_POOL,
    "urllib3.proxy_from_url()": _URLLIB3_POOL,
}


#: What makes a `CLIENT_METHODS` receiver: a call of one of these, or an annotation.
CLIENT_TYPES = frozenset(origin.removesuffix("()") for origin in CLIENT_METHODS)
#: Last segment of every callee this rule reports (a cheap syntactic gate; a bare
#: name is always resolved, since `from requests import get as fetch` renames it).
_ATTRIBUTES = frozenset(
    {name.rsplit(".", 1)[1] for name in BLOCKING_FUNCTIONS}.union(*CLIENT_METHODS.values())
)


def blocking_http_call(ctx: FileContext, node: cst.Call) -> str | None:
    """The name to show if `node` is a blocking HTTP call, else None."""
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value not in _ATTRIBUTES:
        return None
    if dotted(func):
        name = call_name(ctx, node)
        if name in BLOCKING_FUNCTIONS:
            return name
    if isinstance(func, cst.Attribute):
        receiver = origin(ctx, func.value)
        if receiver is not None and func.attr.value in CLIENT_METHODS.get(receiver, ()):
            return f"{receiver.removesuffix('()')}.{func.attr.value}"
    return None


def eager_response(node: cst.Call, shown: str) -> bool:
    """Whether the call `node` (shown as `shown`) has read the whole response when
    it returns, so that running it in a thread leaves no blocking I/O behind.
    Not so for `stream` (a context manager whose entry sends the request),
    `urllib.request.urlopen` (the body is read later, on the caller's thread),
    `stream=True` (requests, httpx `send`) and `preload_content=False` (urllib3)."""
    if shown == "urllib.request.urlopen" or shown.endswith(".stream"):
        return False
    for arg in node.args:
        if arg.keyword is None:
            continue
        if arg.keyword.value == "stream" and not _is_constant(arg.value, "False"):
            return False
        if arg.keyword.value == "preload_content" and not _is_constant(arg.value, "True"):
            return False
    return True


def _is_constant(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


class BlockingHttp(Rule):
    """Sync HTTP call (`requests`, `urllib`, `httpx.Client`, `urllib3`) in an `async def`.

    ## What it does
    Finds, in the body of an `async def` (outside nested `def`, `lambda` and
    class bodies), calls that send an HTTP request and wait for the response
    on the calling thread:
    - `requests.get/post/put/patch/delete/head/options/request` (also through
      `requests.api`);
    - `get/post/put/patch/delete/head/options/request/send` on a
      `requests.Session()` / `requests.session()` instance: assigned to a
      name, bound by `with requests.Session() as s`, a parameter annotated
      `requests.Session`, or chained (`requests.Session().get(...)`);
    - `httpx.get/post/put/patch/delete/head/options/request/stream`, and the
      same methods plus `send` on an `httpx.Client()` instance; the same for
      `httpx2`, httpx's successor (Starlette's test client asks for it);
    - `urllib.request.urlopen` and `urllib.request.urlretrieve`;
    - `urllib3.request` and `request/urlopen/request_encode_url/request_encode_body`
      on a `urllib3.PoolManager()`, `ProxyManager()` or connection pool.

    Names are resolved through imports and aliases. Passing a function without
    calling it (`await asyncio.to_thread(requests.get, url)`) is fine, and so
    are `httpx.AsyncClient` and `aiohttp`, whose requests are awaited. A client
    whose origin cannot be resolved (a bare parameter, `self.session`) is not
    reported. Creating a client is not reported here (see AIO303).

    ## Why is this bad?
    A synchronous request holds the thread that runs the event loop until the
    server answers: for that whole round trip (or until the timeout, if one is
    set at all) no other task runs and no other request is served. A slow
    third-party API then stalls the whole service.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/orders/{order_id}/notify")
    async def notify_shipping(order_id: int) -> dict:
        response = requests.post(
            "https://shipping.example.com/hooks", json={"order": order_id}, timeout=5
        )
        return {"status": response.status_code}
    ```

    ## Use instead
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()
    shipping = httpx.AsyncClient(base_url="https://shipping.example.com", timeout=5)


    @app.post("/orders/{order_id}/notify")
    async def notify_shipping(order_id: int) -> dict:
        response = await shipping.post("/hooks", json={"order": order_id})
        return {"status": response.status_code}
    ```

    ## Fix safety
    The fix wraps the call as `await asyncio.to_thread(requests.get, url,
    timeout=5)`, keeping the callee as written (`fetch` under `from requests
    import get as fetch`, `session.get` on a client object) and reusing the
    file's `asyncio` import or adding `import asyncio`. In anyio code (the file
    imports anyio) it is `await anyio.to_thread.run_sync(func, *args)`, in trio
    code (trio, and not asyncio) `await trio.to_thread.run_sync(func, *args)`;
    those pass no keyword arguments on, so a call with keywords gets no fix
    there, and neither does a file importing both trio and asyncio. It is
    unsafe because
    the request then runs on a worker thread:
    - a client shared between tasks (a `requests.Session`, an `httpx.Client`,
      a `urllib3` pool) is now used from several threads at once, and
      `requests` does not promise that a `Session` is thread-safe;
    - the thread gets a copy of the task's context: `contextvars` it sets
      are not seen by the caller, and thread-local state (some tracing and
      auth helpers) is not the event loop thread's;
    - cancelling the task (a timeout, a client disconnect) does not stop
      the request: the thread runs until the call returns, and the default
      executor has a limited number of threads.

    No fix is offered where the body is read after the call returns, so the
    blocking I/O would stay on the event loop: `urllib.request.urlopen`,
    `stream(...)` (a context manager whose entry sends the request),
    `stream=True` and `preload_content=False`; nor for a call that is the
    context manager of a `with`, inside a generator expression (an `await`
    there makes it an async generator) or in an annotation. An `await` in a
    comprehension nested in another one needs Python 3.11:
    below `target-version = py311` no fix is offered there.

    ## References
    - [HTTPX: Async support](https://www.python-httpx.org/async/)
    - [aiohttp client quickstart](https://docs.aiohttp.org/en/stable/client_quickstart.html)
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    """

    code = "AIO202"
    name = "blocking-http"
    peer_codes = ("ASYNC210", "ASYNC212")
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("requests", "httpx", "urllib")
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        if facts.calls_to(BLOCKING_FUNCTIONS, in_async=True):
            return True
        return facts.method_calls(
            _ATTRIBUTES, in_async=True, receiver_types=CLIENT_TYPES
        ) and facts.instantiates(CLIENT_TYPES)

    def visit_Call(self, node: cst.Call) -> None:
        shown = blocking_http_call(self.ctx, node)
        if shown is not None and in_async_code(self.ctx, node):
            self.report(
                node,
                f"Blocking HTTP call `{shown}()` in async code stalls the event loop; "
                "use an async client (`httpx.AsyncClient`, `aiohttp`) or "
                f"`{thread_call(async_library(self.ctx))}`",
                fix=self._fix(node, shown),
            )

    def _fix(self, node: cst.Call, shown: str) -> Fix | None:
        if not eager_response(node, shown):
            return None
        return to_thread_fix(self.ctx, node, "Run the request")

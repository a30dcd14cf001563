"""AIO202: synchronous HTTP clients (requests, urllib, httpx.Client, urllib3) inside async code."""

import libcst as cst

from aiolint.model import FixAvailability
from aiolint.rule import Rule
from aiolint.semantic.bindings import origin
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.names import call_name, dotted

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

#: Module-level functions that send a request and wait for the response.
BLOCKING_FUNCTIONS: frozenset[str] = frozenset(
    {f"requests.{verb}" for verb in _VERBS}
    | {f"requests.api.{verb}" for verb in _VERBS}
    | {f"httpx.{verb}" for verb in (*_VERBS, "stream")}
    | {"urllib.request.urlopen", "urllib.request.urlretrieve", "urllib3.request"}
)

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
      same methods plus `send` on an `httpx.Client()` instance;
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
    No automatic fix yet; a fix (unsafe, wrapping the call as
    `await asyncio.to_thread(requests.get, url, timeout=5)`) is planned. It is
    unsafe because the request then runs on a worker thread, where a shared
    `Session` is not thread-safe.

    ## References
    - [HTTPX: Async support](https://www.python-httpx.org/async/)
    - [aiohttp client quickstart](https://docs.aiohttp.org/en/stable/client_quickstart.html)
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    """

    code = "AIO202"
    name = "blocking-http"
    fix_availability = FixAvailability.NONE
    prefilter = ("requests", "httpx", "urllib")
    async_only = True

    def visit_Call(self, node: cst.Call) -> None:
        shown = blocking_http_call(self.ctx, node)
        if shown is not None and in_async_code(self.ctx, node):
            self.report(
                node,
                f"Blocking HTTP call `{shown}()` in async code stalls the event loop; "
                "use an async client (`httpx.AsyncClient`, `aiohttp`) or "
                "`await asyncio.to_thread(...)`",
            )

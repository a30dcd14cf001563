"""AIO202's and AIO203's fixes (`await asyncio.to_thread(...)`) on real components.

Each test fixes source text with the fix engine (`fix_source`, unsafe fixes on),
execs the original and the fixed code, and runs both while a ticker task counts
how often the event loop gets to run it: the original blocks the loop for the
whole call (the ticker runs once, before it), the fixed code returns the same
result and lets the ticker run meanwhile.
- AIO202: sync `httpx` requests (module function and `httpx.Client` method)
  against a local HTTP server that answers after a delay.
- AIO203: `subprocess.check_output`, `subprocess.run` and `os.system` on a
  child that sleeps.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import textwrap
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

DELAY = 0.3

needs_sh = pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")


def fixed(source: str, code: str) -> str:
    """`source` after `aiolint check --fix --unsafe-fixes --select code`."""
    outcome = fix_source(
        source.encode(), "behaviour.py", resolve_selection([code]), LintOptions(), FixSettings(True)
    )
    assert outcome.error is None, outcome.error
    assert outcome.fixed is not None, "no fix was applied"
    assert not [d for d in outcome.result.diagnostics if d.code == code]
    return outcome.fixed.decode()


def load(source: str, name: str) -> Callable[..., Awaitable[Any]]:
    namespace: dict[str, Any] = {"__name__": "behaviour"}
    exec(compile(source, "behaviour.py", "exec"), namespace)
    return namespace[name]


async def run_with_ticker(func: Callable[..., Awaitable[Any]], *args: object) -> tuple[Any, int]:
    """`func(*args)`'s result, and how many times a 10 ms ticker ran meanwhile."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # the ticker runs once, then waits
    try:
        result = await func(*args)
    finally:
        task.cancel()
    return result, ticks


def compare(source: str, code: str, name: str, *args: object) -> str:
    """Run the original and the fixed `name`; same result, only the fixed one
    lets the loop run. Returns the fixed source."""
    source = textwrap.dedent(source)
    new_source = fixed(source, code)
    before, before_ticks = asyncio.run(run_with_ticker(load(source, name), *args))
    after, after_ticks = asyncio.run(run_with_ticker(load(new_source, name), *args))
    assert after == before
    assert before_ticks == 1, "the original should block the loop"
    assert after_ticks >= 3, "the fixed code should leave the loop free"
    return new_source


class _SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(DELAY)
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_aio202_module_function(server_url: str) -> None:
    source = """
        import httpx


        async def lookup(base: str) -> dict:
            return httpx.get(f"{base}/users/7", trust_env=False).json()
    """
    new = compare(source, "AIO202", "lookup", server_url)
    assert "(await asyncio.to_thread(httpx.get, " in new


def test_aio202_client_method_keeps_the_client(server_url: str) -> None:
    source = """
        import asyncio as aio

        import httpx

        client = httpx.Client(trust_env=False)


        async def lookup(base: str) -> tuple[int, dict]:
            response = client.get(f"{base}/orders", params={"page": 2})
            return response.status_code, response.json()
    """
    new = compare(source, "AIO202", "lookup", server_url)
    assert "await aio.to_thread(client.get, " in new


@needs_sh
def test_aio203_subprocess_calls() -> None:
    source = f"""
        import subprocess
        from subprocess import run as run_process


        async def job() -> tuple[str, int]:
            out = subprocess.check_output(["sh", "-c", "sleep {DELAY}; echo done"], text=True)
            code = run_process(["sh", "-c", "exit 3"]).returncode
            return out.strip(), code
    """
    new = compare(source, "AIO203", "job")
    assert "await asyncio.to_thread(run_process, " in new


@needs_sh
def test_aio203_os_system() -> None:
    source = f"""
        import os


        async def job() -> int:
            return os.system("sleep {DELAY}; exit 2")
    """
    compare(source, "AIO203", "job")

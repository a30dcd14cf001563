"""Which async library a file's code runs on, so that fixes and advice are in
its terms: `await trio.sleep(...)` in trio code, not `asyncio.sleep`.

Told from the file's imports, as flake8-async tells it: a file importing anyio
runs on anyio (whose API works on either backend, so it wins over an asyncio or
trio import beside it); one importing trio, and not asyncio, runs on trio; one
importing both trio and asyncio cannot be told (no fix is right for both); any
other file, most of all the FastAPI and SQLAlchemy modules that import none of
them, runs on asyncio.
"""

from __future__ import annotations

from typing import Literal

from aiolint.semantic.context import FileContext
from aiolint.semantic.names import module_imports

__all__ = [
    "THREAD_FUNCTIONS",
    "Library",
    "async_library",
    "sleep_call",
    "subprocess_advice",
    "thread_call",
]

Library = Literal["asyncio", "anyio", "trio"]

THREAD_FUNCTIONS: dict[Library, str] = {
    "asyncio": "asyncio.to_thread",
    "anyio": "anyio.to_thread.run_sync",
    "trio": "trio.to_thread.run_sync",
}
_SUBPROCESS: dict[Library, str] = {
    "asyncio": "asyncio.create_subprocess_exec",
    "anyio": "anyio.run_process",
    "trio": "trio.run_process",
}


def async_library(ctx: FileContext) -> Library | None:
    """The file's async library (see the module doc); None when it imports
    both trio and asyncio without anyio."""
    if module_imports(ctx, "anyio"):
        return "anyio"
    if module_imports(ctx, "trio"):
        return None if module_imports(ctx, "asyncio") else "trio"
    return "asyncio"


def sleep_call(library: Library | None) -> str:
    """The non-blocking sleep to advise, as code."""
    if library is None:
        return "await asyncio.sleep(...)` / `await trio.sleep(...)"
    return f"await {library}.sleep(...)"


def thread_call(library: Library | None) -> str:
    """The way to run a blocking call in a worker thread, as code."""
    if library is None:
        return "await asyncio.to_thread(...)` / `await trio.to_thread.run_sync(...)"
    return f"await {THREAD_FUNCTIONS[library]}(...)"


def subprocess_advice(library: Library | None) -> str:
    """The async way to run a subprocess, as code."""
    if library is None:
        return "await asyncio.create_subprocess_exec(...)` / `await trio.run_process(...)"
    return f"await {_SUBPROCESS[library]}(...)"

"""One long-lived worker process for the front ends that check a file at a
time inside a process that must not die: the language server and the flake8
plugin.

LibCST's native parser can crash (a segfault on input shaped past the depth
guards); in-process, that took the server (or flake8) with it. A `Child` runs
calls in a separate process started once and kept warm (the engine loaded):
a call is `function(*args)`, both pickled over the child's stdin/stdout, the
function named by reference. When the child dies on a call, a new one is
started and the call retried once (as the CLI's pool retries a file); if it
dies again, `WorkerDied` says why (`pool.describe_death`), and the next call
starts a fresh child.

The child is started with `subprocess`, not `multiprocessing`: flake8's own
worker processes are daemonic, and those may not start `multiprocessing`
children. The child keeps its stdin/stdout for the calls (anything a module
prints goes to stderr), ignores SIGINT (the front end's Ctrl-C is its own),
and exits when its pipe closes or the process that started it is gone
(`pool._watch_owner`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any, TypeVar

from aiolint.cli.pool import MAX_ATTEMPTS, _watch_owner, describe_death

R = TypeVar("R")

#: How a child is started (a test harness may point it at a launcher of its own).
COMMAND: list[str] = [sys.executable, "-m", "aiolint.cli.child"]
_HEADER = struct.Struct(">Q")


class WorkerDied(Exception):
    """The child died on a call, on every attempt; `reason` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CallFailed(Exception):
    """The call raised in the child an exception that could not be sent back."""


def _send(stream: IO[bytes], payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message (EOFError: the other end is gone)."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class Child:
    """A warm worker process that runs calls one at a time (thread-safe)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the child now, if it is not running (to have it warm)."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                COMMAND,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self._process

    def call(self, function: Callable[..., R], *args: object) -> R:
        """`function(*args)` in the child; its exception is raised here.
        Raises WorkerDied when the child dies on it twice."""
        with self._lock:
            reason = ""
            for _ in range(MAX_ATTEMPTS):
                process = self._ensure()
                assert process.stdin is not None and process.stdout is not None
                try:
                    _send(process.stdin, (function, args))
                    ok, payload = _receive(process.stdout)
                except (OSError, EOFError, pickle.UnpicklingError):
                    reason = self._bury(process)
                    continue
                if ok:
                    return payload  # type: ignore[no-any-return]
                raise payload
            raise WorkerDied(reason)

    def _bury(self, process: subprocess.Popen[bytes]) -> str:
        """The child died (or broke the protocol): why; the next call starts another."""
        with contextlib.suppress(OSError):
            process.kill()
        status = process.wait()
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        self._process = None
        return describe_death(status)

    def close(self) -> None:
        """Stop the child (it also stops by itself when this process ends)."""
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(calls: IO[bytes], replies: IO[bytes]) -> None:
    """The child's loop: receive `(function, args)`, send `(ok, result)`."""
    while True:
        try:
            function, args = _receive(calls)
        except EOFError:
            return
        try:
            reply: tuple[bool, object] = (True, function(*args))
        except Exception as exc:
            reply = (False, exc)
        try:
            _send(replies, reply)
        except (OSError, ValueError):
            return
        except Exception as exc:  # the result or the exception does not pickle
            detail = f"cannot send the result: {exc.__class__.__name__}: {exc}"
            _send(replies, (False, CallFailed(detail)))


def main() -> None:
    """The child: keep stdin/stdout for the calls, load the engine, serve."""
    calls = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)  # a print anywhere must not reach the calls' pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_owner(os.getppid())
    from aiolint.cli import worker

    worker.preload()
    serve(calls, replies)


if __name__ == "__main__":
    main()

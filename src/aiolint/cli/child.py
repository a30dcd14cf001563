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

What stays the same from call to call goes to a child once: a value passed
as `Child.share(value)` (the language server's project model, 0.3 MB
pickled on dispatch) is sent with the first call that names it and kept by
the child, then named by a key; a new child (after a crash) is sent it again.
The child runs one lint when it starts (the first lint of a fresh process
costs about twice the next: LibCST's native module, lazy tables) and then
freezes what it holds (`gc.freeze`: the engine's modules and tables, the
shared values), so that the collector no longer scans those on every lint
(measured on a 464-line route module: 4-14 ms of a 60 ms lint). Each reply
carries the CPU seconds the child spent on the call (`Child.cpu`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any, TypeVar

from aiolint.cli.pool import MAX_ATTEMPTS, _watch_owner, describe_death

R = TypeVar("R")

#: How a child is started (a test harness may point it at a launcher of its own).
COMMAND: list[str] = [sys.executable, "-m", "aiolint.cli.child"]
_HEADER = struct.Struct(">Q")
#: The values shared with a child kept at once (the oldest is dropped first).
MAX_SHARED = 4
#: What the child lints when it starts, to have its first real lint warm.
_WARM_UP = b"""import asyncio
import time


async def handler(request):
    time.sleep(1)
    await asyncio.sleep(0)
    return {"ok": request}
"""


class Shared:
    """A value the child keeps between calls (`Child.share`); passed as an
    argument of `Child.call`, the function receives the value itself."""

    __slots__ = ("key", "value")

    def __init__(self, key: int, value: object) -> None:
        self.key = key
        self.value = value


class _Key:
    """What a `Shared` argument travels as: the key the child keeps it by."""

    __slots__ = ("key",)

    def __init__(self, key: int) -> None:
        self.key = key

    def __reduce__(self) -> tuple[type[_Key], tuple[int]]:
        return (_Key, (self.key,))


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
        #: The values shared, by key (most recently shared last).
        self._shared: OrderedDict[int, object] = OrderedDict()
        #: The keys the running child holds, and those it is to drop.
        self._sent: set[int] = set()
        self._dropped: list[int] = []
        #: CPU seconds the child spent on the last call.
        self.cpu = 0.0

    def share(self, value: object) -> Shared:
        """`value` as an argument the child keeps: sent with the first call
        that passes it (to each new child), named by its key after that. The
        last `MAX_SHARED` values shared are kept."""
        key = id(value)  # unique while `_shared` holds the value
        with self._lock:
            if key in self._shared:
                self._shared.move_to_end(key)
            else:
                self._shared[key] = value
                while len(self._shared) > MAX_SHARED:
                    old, _ = self._shared.popitem(last=False)
                    if old in self._sent:
                        self._sent.discard(old)
                        self._dropped.append(old)
        return Shared(key, value)

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
                new = {
                    arg.key: arg.value
                    for arg in args
                    if isinstance(arg, Shared) and arg.key not in self._sent
                }
                sent = tuple(_Key(arg.key) if isinstance(arg, Shared) else arg for arg in args)
                try:
                    _send(process.stdin, (function, sent, new, self._dropped))
                    ok, payload, self.cpu = _receive(process.stdout)
                except (OSError, EOFError, pickle.UnpicklingError):
                    reason = self._bury(process)
                    continue
                # a value dropped from `_shared` since it was passed: the child drops it next
                self._dropped = [key for key in new if key not in self._shared]
                self._sent.update(key for key in new if key in self._shared)
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
        self._sent.clear()
        self._dropped = []
        return describe_death(status)

    def close(self) -> None:
        """Stop the child (it also stops by itself when this process ends)."""
        with self._lock:
            process, self._process = self._process, None
            self._sent.clear()
            self._dropped = []
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
    """The child's loop: receive `(function, args, new shared values, keys
    dropped)`, send `(ok, result, CPU seconds)`."""
    kept: dict[int, object] = {}
    while True:
        started = time.process_time()  # waiting for the call costs none
        try:
            function, args, new, dropped = _receive(calls)
        except EOFError:
            return
        for key in dropped:
            kept.pop(key, None)
        if new:
            kept.update(new)
            _freeze()  # the shared values live on: not scanned by every collection
        try:
            resolved = [kept[arg.key] if isinstance(arg, _Key) else arg for arg in args]
            reply: tuple[bool, object] = (True, function(*resolved))
        except Exception as exc:
            reply = (False, exc)
        try:
            _send(replies, (*reply, time.process_time() - started))
        except (OSError, ValueError):
            return
        except Exception as exc:  # the result or the exception does not pickle
            detail = f"cannot send the result: {exc.__class__.__name__}: {exc}"
            _send(replies, (False, CallFailed(detail), time.process_time() - started))


def _freeze() -> None:
    """Collect what is garbage now (a shared value dropped since the last
    time too), and leave everything alive out of future collections (the
    objects of later calls are still collected). About 20 ms, once per value
    shared (the server's: once per project model, rebuilt on a save)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def warm_up() -> None:
    """Lint a small module with every rule, so that the first real call does
    not pay for what a fresh process does once; then freeze what is loaded."""
    from aiolint.engine.lint import lint_source
    from aiolint.engine.registry import load_rules
    from aiolint.semantic.context import LintOptions

    with contextlib.suppress(Exception):
        lint_source(_WARM_UP, "warm_up.py", list(load_rules().values()), LintOptions())
    _freeze()


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
    warm_up()
    serve(calls, replies)


if __name__ == "__main__":
    # run as `aiolint.cli.child`, not `__main__`: the calls' `_Key`s are that module's
    from aiolint.cli.child import main as _main

    _main()

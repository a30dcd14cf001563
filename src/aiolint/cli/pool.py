"""Worker processes that lose only the file they were on when one dies.

`concurrent.futures.ProcessPoolExecutor` fails every pending future with
`BrokenProcessPool` when one worker dies (a segfault in a native parser, the
OOM killer), and cannot say which item killed it. This pool keeps one pipe
per worker and hands out items one at a time (at most `PREFETCH` unanswered),
so the parent always knows what each worker holds: when a worker dies, the
item it was working on is retried once in a new worker and, if that dies too,
reported through `failure`; the items queued behind it go to the others, and
a new worker takes the dead one's place.

A worker never outlives the run: it watches the process that started it
(`_watch_owner`) and exits within `WATCH_SECONDS` of its end, however it
ended (SIGKILL, SIGTERM), even in the middle of a file.

Ctrl-C: workers ignore SIGINT (it is blocked while they start, so none can
print a traceback), and the parent, on KeyboardInterrupt or any error, kills
every worker at once and waits for them before re-raising. Items go out in
the order given (the caller puts the largest files first); results come back
in any order, keyed by index.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Items sent to a worker and not answered yet (it starts the next one at once).
PREFETCH = 2
#: A worker dying on an item this many times reports the item.
MAX_ATTEMPTS = 2
#: How often the parent wakes while waiting (for the progress line).
TICK_SECONDS = 0.1
#: How often a worker checks that the process that started it is still there.
WATCH_SECONDS = 0.5


def _owner_alive(owner: int, forked: bool) -> bool:
    """Whether the process `owner` still runs. A forked worker's parent is the
    owner: once it dies the worker is reparented (a zombie owner counts as gone).
    Else (forkserver, spawn) the owner is asked for by its pid."""
    if forked:
        return os.getppid() == owner
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else (the pid was reused): gone too
        return False
    return True


def _watch_owner(owner: int) -> None:
    """In a worker: exit at once when `owner` (the run) is gone."""
    forked = os.getppid() == owner

    def watch() -> None:
        while _owner_alive(owner, forked):
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="aiolint-watch-owner", daemon=True).start()


def _serve(conn: Connection, work: Callable[[Any], Any], owner: int | None = None) -> None:
    """A worker's loop: receive `(index, item)`, send `(index, ok, result)`."""
    if owner is not None:
        _watch_owner(owner)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, item = message
        try:
            reply = (index, True, work(item))
        except Exception as exc:
            reply = (index, False, f"{exc.__class__.__name__}: {exc}")
        try:
            conn.send(reply)
        except (OSError, EOFError):
            return
        except Exception as exc:  # the result does not pickle
            conn.send((index, False, f"cannot send the result: {exc.__class__.__name__}: {exc}"))


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT while workers start: they inherit the mask and ignore the
    signal before unblocking it; a Ctrl-C meanwhile reaches the parent after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_context() -> BaseContext:
    """`fork` where it is safe (POSIX, no other thread): workers inherit the
    loaded engine and start in milliseconds. With other threads running (an
    embedding program), `forkserver`, else `spawn`: workers import the engine."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def describe_death(exitcode: int | None) -> str:
    """Why a worker ended, from its exit code (negative: the signal)."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker process was killed by {name}"
    return f"the worker process exited unexpectedly (status {exitcode})"


class _Worker:
    """One worker process, its pipe, and the indices it holds (in order)."""

    def __init__(self, context: BaseContext, work: Callable[[Any], Any]) -> None:
        parent, child = context.Pipe(duplex=True)
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_serve, args=(child, work, os.getpid()), daemon=True
        )
        self.process.start()
        child.close()
        self.conn = parent
        self.held: deque[int] = deque()


class Pool(Generic[T, R]):
    """Run `work` over items in worker processes (see the module doc)."""

    def __init__(
        self,
        work: Callable[[T], R],
        failure: Callable[[T, str], R],
        *,
        workers: int,
        context: BaseContext | None = None,
    ) -> None:
        self._work = work
        self._failure = failure
        self._size = max(1, workers)
        self._context = context or start_context()
        self._workers: list[_Worker] = []
        self._attempts: Counter[int] = Counter()

    def run(
        self,
        items: Sequence[T],
        order: Sequence[int],
        on_result: Callable[[int, R], None],
        tick: Callable[[], None] | None = None,
    ) -> None:
        """Call `on_result(index, result)` once for every index in `order`."""
        self._items = items
        self._on_result = on_result
        self._pending: deque[int] = deque(order)
        try:
            with _sigint_blocked():
                for _ in range(min(self._size, len(self._pending))):
                    self._start()
            for worker in list(self._workers):
                self._feed(worker)
            while self._workers:
                self._step()
                if tick is not None:
                    tick()
            while self._pending:  # no worker could be started: finish here
                index = self._pending.popleft()
                self._on_result(index, self._work(self._items[index]))
            self._stop_all()
        except BaseException:
            self._kill_all()
            raise

    def _start(self) -> bool:
        for stream in (sys.stdout, sys.stderr):  # a forked child would flush them again
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()
        try:
            self._workers.append(_Worker(self._context, self._work))
        except OSError:
            return False
        return True

    def _feed(self, worker: _Worker) -> None:
        while self._pending and len(worker.held) < PREFETCH:
            index = self._pending.popleft()
            try:
                worker.conn.send((index, self._items[index]))
            except OSError:  # the worker is gone; its sentinel says so next
                self._pending.appendleft(index)
                return
            worker.held.append(index)
        if not worker.held:  # nothing left for it
            self._retire(worker)

    def _step(self) -> None:
        by_handle: dict[object, _Worker] = {}
        for worker in self._workers:
            by_handle[worker.conn] = worker
            by_handle[worker.process.sentinel] = worker
        for handle in wait(list(by_handle), timeout=TICK_SECONDS):
            worker = by_handle[handle]  # type: ignore[index]
            if worker not in self._workers:
                continue  # already retired or buried this round
            if handle is worker.conn:
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    self._bury(worker)
                    continue
                self._deliver(worker, message)
                self._feed(worker)
            else:
                self._bury(worker)

    def _deliver(self, worker: _Worker, message: tuple[int, bool, Any]) -> None:
        index, ok, payload = message
        with contextlib.suppress(ValueError):
            worker.held.remove(index)
        result = payload if ok else self._failure(self._items[index], str(payload))
        self._on_result(index, result)

    def _bury(self, worker: _Worker) -> None:
        """A worker died: keep what it sent, retry or report the item it was
        on, give its queued items back, and start a replacement."""
        with contextlib.suppress(EOFError, OSError):
            while worker.conn.poll():
                self._deliver(worker, worker.conn.recv())
        worker.process.join()
        reason = describe_death(worker.process.exitcode)
        self._workers.remove(worker)
        worker.conn.close()
        if worker.held:
            culprit = worker.held.popleft()
            self._pending.extendleft(reversed(worker.held))
            self._attempts[culprit] += 1
            if self._attempts[culprit] >= MAX_ATTEMPTS:
                self._on_result(culprit, self._failure(self._items[culprit], reason))
            else:
                self._pending.append(culprit)  # retried last, when the others are done
        if self._pending and len(self._workers) < self._size:
            with _sigint_blocked():
                started = self._start()
            if started:
                self._feed(self._workers[-1])

    def _retire(self, worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            worker.conn.send(None)
        self._workers.remove(worker)
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()

    def _stop_all(self) -> None:
        for worker in list(self._workers):
            self._retire(worker)

    def _kill_all(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):
                worker.process.kill()
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):
                worker.process.join()
                worker.conn.close()
        self._workers.clear()

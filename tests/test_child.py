"""The warm worker process of the server and the flake8 plugin (`aiolint.cli.child`),
run for real: a value shared with it goes once and is kept, a new process (after
a crash) is sent it again, each reply carries the call's CPU time, and the
process starts warm with what it holds frozen out of the collector's scans."""

from __future__ import annotations

import gc
import os
import signal
import time
import weakref
from pathlib import Path

import pytest

from aiolint.cli.child import MAX_SHARED, Child


def identity(value: object) -> int:
    """In the child: which object it was handed."""
    return id(value)


def described(value: dict[str, int], *more: object) -> tuple[int, int, int]:
    """In the child: the object handed, its size, and how many shared values arrived."""
    return id(value), len(value), len(more)


def frozen() -> int:
    """In the child: objects left out of the collector's scans."""
    return gc.get_freeze_count()


class Cyclic:
    """A value only the collector frees (it refers to itself)."""

    def __init__(self) -> None:
        self.me = self


_watched: list[weakref.ref[object]] = []


def watch(value: object) -> None:
    """In the child: keep a weak reference to the value handed."""
    _watched.append(weakref.ref(value))


def watched_alive() -> bool:
    """In the child: whether the value watched is still in memory."""
    return _watched[-1]() is not None


def pid() -> int:
    return os.getpid()


def spin(seconds: float) -> float:
    """In the child: burn `seconds` of CPU."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return seconds


@pytest.fixture
def child(monkeypatch: pytest.MonkeyPatch) -> object:
    # the calls name functions of this module: the child imports it from here
    path = [str(Path(__file__).parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))
    engine = Child()
    yield engine
    engine.close()


def test_a_shared_value_is_sent_once_and_kept(child: Child) -> None:
    model = {f"name{i}": i for i in range(50_000)}
    first = child.call(described, child.share(model))
    again = child.call(described, child.share(model))
    assert first[1] == 50_000
    assert again == first  # the same object in the child: kept, not sent again
    other = {"x": 1}
    assert child.call(identity, child.share(other)) != first[0]
    assert child.call(identity, child.share(model)) == first[0]


def test_a_new_process_after_a_crash_is_sent_the_value_again(child: Child) -> None:
    model = {"SessionLocal": 1}
    before = child.call(pid)
    assert child.call(described, child.share(model))[1] == 1
    os.kill(before, signal.SIGKILL)
    after = child.call(described, child.share(model))
    assert after[1] == 1
    assert child.call(pid) != before


def test_only_the_last_shared_values_are_kept(child: Child) -> None:
    values = [{"n": n} for n in range(MAX_SHARED + 3)]
    for value in values:
        assert child.call(described, child.share(value))[1] == 1
    # the oldest were dropped on both sides; sharing one again sends it again
    assert child.call(described, child.share(values[0]))[1] == 1
    assert len(child._shared) == MAX_SHARED
    assert child._sent <= set(child._shared)


def test_a_dropped_value_is_freed_in_the_child_though_frozen_and_cyclic(child: Child) -> None:
    child.call(watch, child.share(Cyclic()))
    assert child.call(watched_alive)
    for n in range(MAX_SHARED):  # each new value pushes out an older one
        child.call(described, child.share({"n": n}))
    assert not child.call(watched_alive)


def test_each_reply_carries_the_cpu_time_of_the_call(child: Child) -> None:
    child.call(pid)  # the first imports this module in the child
    child.call(pid)
    assert child.cpu < 0.05
    child.call(spin, 0.2)
    assert 0.2 <= child.cpu < 1.0


def test_the_process_starts_warm_with_its_objects_frozen(child: Child) -> None:
    """The engine's modules and tables (and a first lint's lazy state) are out
    of the collector's scans: the whole engine is loaded and frozen."""
    assert child.call(frozen) > 20_000

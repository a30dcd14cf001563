"""A file's cost grows linearly with its size: the steps that used to redo
whole-file work per finding, per use of a name or per fix are counted, not
timed (speed itself is measured with `scripts/bench.py --lines-scaling`).

Each case lints the same async module repeated 1 and 8 times (one big module
made of many route modules, as a generated or concatenated file is) and checks
that the counted work grows by the factor of the size, not its square.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from aiolint.engine.lint import lint_source
from aiolint.engine.model import Applicability, Diagnostic, Location, TextEdit, TextFix
from aiolint.engine.registry import load_rules
from aiolint.fixes import apply, imports, resolve
from aiolint.rules.asyncio import gather_taskgroup
from aiolint.semantic import model
from aiolint.semantic.context import LintOptions
from aiolint.workspace.fix_settings import FixSettings

RULES = list(load_rules().values())

#: A route module: imports repeated in every copy, blocking calls with fixes,
#: a gather with a fix, names used many times.
HEADER = """\
import asyncio
import logging
import time

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)
router = APIRouter()
"""
ROUTES = """\
from sqlalchemy import text


async def fetch_{i}(session: AsyncSession, user_id: int) -> int:
    time.sleep(0.01)  # a slow call
    result = await session.execute(text("SELECT 1"))
    logger.info("fetched %s", user_id)
    return result.scalar_one()


@router.get("/items/{i}")
async def items_{i}(session: AsyncSession) -> list[int]:
    time.sleep(0.1)
    first, second = await asyncio.gather(fetch_{i}(session, 1), fetch_{i}(session, 2))  # both
    logger.info("items %s %s", first, second)
    return [first, second]
"""


def _module(copies: int) -> str:
    return HEADER + "\n\n" + "\n\n".join(ROUTES.format(i=i) for i in range(copies))


@contextmanager
def _counting(owner: Any, name: str) -> Iterator[list[int]]:
    """Count the calls of `owner.name` while the block runs."""
    calls = [0]
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(owner, name, counted)
    try:
        yield calls
    finally:
        setattr(owner, name, original)


def _counted_lint(owner: Any, name: str, copies: int) -> tuple[int, int]:
    """(calls of `owner.name`, fixes offered) linting `copies` route modules."""
    with _counting(owner, name) as calls:
        result = lint_source(_module(copies), "big.py", RULES, LintOptions())
    assert not result.errors
    return calls[0], sum(d.fix is not None for d in result.diagnostics)


def test_fixes_read_the_imports_once_per_file() -> None:
    """Every fix spelling `asyncio.to_thread` or `asyncio.TaskGroup` walked all
    the module's top-level statements again."""
    calls, fixes = _counted_lint(imports, "runtime_imports", 8)
    assert fixes >= 16
    assert calls <= 2


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        # A name imported by many statements: each use asked every one of them.
        (model, "import_qualified_names"),
    ],
)
def test_per_name_and_per_fix_work_grows_with_the_file(owner: Any, name: str) -> None:
    small, small_fixes = _counted_lint(owner, name, 1)
    big, big_fixes = _counted_lint(owner, name, 8)
    assert big_fixes == 8 * small_fixes
    assert big <= 8 * max(small, 1) * 1.5, (small, big)


def test_comments_are_read_once_per_source() -> None:
    """Each safe fix whose span holds a comment tokenized the whole source
    again (and tested every comment of the file against each edit)."""
    source = "".join(f"x{i} = f({i})  # note {i}\n" for i in range(2000))
    at = Location(1, 1)
    with _counting(resolve.tokenize, "generate_tokens") as calls:
        for i in range(0, 2000, 10):
            start = source.index(f"x{i} =")
            end = source.index("\n", start) + 1
            kept = TextEdit(start, end, f"y{i} = f({i})  # note {i}\n", at, at)
            dropped = TextEdit(start, end, f"y{i} = f({i})\n", at, at)
            assert not resolve.drops_comment(source, [kept])
            assert resolve.drops_comment(source, [dropped])
    assert calls[0] == 1


def test_task_names_are_picked_in_linear_time() -> None:
    """`x, y, ... = await gather(f(0), f(1), ...)`: each `task_f_<n>` name was
    searched from 1 again, N² `free` tests for N tasks."""
    for count in (50, 400):
        args = ", ".join(f"f({i})" for i in range(count))
        targets = ", ".join(f"r{i}" for i in range(count))
        source = (
            "import asyncio\n\n\nasync def f(i):\n    return i\n\n\n"
            f"async def main():\n    {targets} = await asyncio.gather({args})\n"
        )
        with _counting(gather_taskgroup._NamePicker, "free") as calls:
            result = lint_source(source, "gather.py", RULES, LintOptions())
        assert [d.code for d in result.diagnostics if d.fix is not None] == ["AIO101"]
        assert calls[0] <= 2 * count + 5, (count, calls[0])


def _brute_choose(diagnostics: list[Diagnostic], settings: FixSettings) -> list[Diagnostic]:
    """`choose` as it was: each new edit tested against every taken one."""
    chosen: list[Diagnostic] = []
    taken: list[TextEdit] = []
    candidates = [d for d in diagnostics if settings.applies(d)]
    candidates.sort(key=lambda d: (d.fix.edits[0].start if d.fix else 0, d.sort_key))
    for diagnostic in candidates:
        assert diagnostic.fix is not None
        new = [e for e in diagnostic.fix.edits if e not in taken]
        if any(apply._overlap(a, b) for a in new for b in taken):
            continue
        chosen.append(diagnostic)
        taken.extend(new)
    return chosen


def test_choose_matches_testing_every_pair() -> None:
    """The sorted `_Taken` gives exactly the choice of testing every pair
    (insertions at one point, shared import edits, touching spans)."""
    rng = random.Random(17)
    settings = FixSettings(unsafe=True)

    def edit(start: int, end: int) -> TextEdit:
        column = 1 if rng.random() < 0.5 else 2
        content = rng.choice(["x\n", "y", ""])
        return TextEdit(start, end, content, Location(1, column), Location(1, 1))

    for _ in range(3000):
        shared = edit(0, 0)
        diagnostics = []
        for line in range(rng.randint(0, 12)):
            edits, cursor = [], rng.randint(0, 20)
            for _ in range(rng.randint(1, 3)):
                start = cursor + rng.randint(0, 4)
                cursor = start + rng.choice([0, 0, 1, 2, 5])
                edits.append(edit(start, cursor))
            if rng.random() < 0.3:
                edits.insert(0, shared)
            fix = TextFix("t", Applicability.SAFE, tuple(edits))
            at = Location(line + 1, 1)
            diagnostics.append(Diagnostic("p.py", "AIO201", "m", at, at, fix, "r"))
        assert apply.choose(diagnostics, settings) == _brute_choose(diagnostics, settings)


def test_choose_tests_a_few_spans_per_edit() -> None:
    """Choosing among N disjoint fixes costs O(N log N), not N² overlap tests."""
    settings = FixSettings()
    at = Location(1, 1)
    diagnostics = [
        Diagnostic(
            "p.py",
            "AIO201",
            "m",
            at,
            at,
            TextFix("t", Applicability.SAFE, (TextEdit(10 * i, 10 * i + 5, "z", at, at),)),
        )
        for i in range(2000)
    ]
    with _counting(apply, "_overlap") as calls:
        assert len(apply.choose(diagnostics, settings)) == 2000
    assert calls[0] <= 2000


def _random_text(rng: random.Random, alphabet: str, longest: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


@pytest.mark.parametrize("seed", range(4))
def test_splice_diff_is_the_diff_of_the_spliced_text(seed: int) -> None:
    """`_splice_diff` gives `_diff`'s answer without building the new text,
    on texts made of few letters (long common prefixes and suffixes)."""
    rng = random.Random(seed)
    for round_ in range(5000):
        alphabet = rng.choice(["ab\n", "a\n", "abc", "a"])
        longest = 400 if round_ % 10 == 0 else 40
        old = _random_text(rng, alphabet, longest)
        start = rng.randint(0, len(old))
        end = rng.randint(start, len(old))
        content = _random_text(rng, alphabet, longest)
        expected = resolve._diff(old, old[:start] + content + old[end:])
        assert resolve._splice_diff(old, start, end, content) == expected


def test_splice_diff_reads_only_around_the_change() -> None:
    """A one-word change in a long text compares a few hundred characters."""
    old = "x = 1\n" * 200_000
    read: list[int] = []
    spliced_slice: Callable[..., str] = resolve._Spliced.slice

    def counted(self: resolve._Spliced, low: int, high: int) -> str:
        read.append(high - low)
        return spliced_slice(self, low, high)

    resolve._Spliced.slice = counted  # type: ignore[method-assign]
    try:
        middle = len(old) // 2
        start, end, content = resolve._splice_diff(old, middle, middle + 1, "yy")
    finally:
        resolve._Spliced.slice = spliced_slice  # type: ignore[method-assign]
    assert (start, end, content) == resolve._diff(old, old[:middle] + "yy" + old[middle + 1 :])
    assert sum(read) < 5_000

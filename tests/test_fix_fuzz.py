"""Fuzz the fix engine with generated programs (hypothesmith).

Each example is a program from Python's grammar, moved into the body of an
`async def` of a module that imports what the fixable rules look for, with
calls those rules fix substituted for some of its names (so they land in
odd places: decorators, defaults, annotations, comprehensions, f-strings,
`with` items) and statements that trigger them spliced between its
statements. All rules run with unsafe fixes on. The engine must not raise,
must report no internal error except its own refusal of a fix that fails
verification, and whenever the input compiled, a fixed output must compile.
"""

from __future__ import annotations

import warnings

import hypothesmith
import libcst as cst
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from libcst.metadata import ExpressionContext, ExpressionContextProvider, MetadataWrapper

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

RULES = resolve_selection(["ALL"])
PATH = "fuzz.py"

HEADER = """\
import asyncio
import os
import subprocess
import time

import requests
from sqlalchemy import text
from sqlalchemy.orm import Session

from models import User
"""

#: Calls that fixable rules rewrite, to stand where a generated name stood.
CALLS: tuple[str, ...] = (
    "time.sleep(0.1)",
    "requests.get(url, timeout=5)",
    "requests.Session().post(url, json={})",
    "subprocess.run(['true'], check=True)",
    "subprocess.check_output(['ls'])",
    "os.system('true')",
    "session.query(User).all()",
    'session.execute(text(f"SELECT * FROM users WHERE id = {uid}"))',
)

#: Statements that fixable rules rewrite, spliced between generated statements.
STATEMENTS: tuple[str, ...] = (
    *(f"{call}\n" for call in CALLS),
    "data = requests.get(url).json()\n",
    "first, second = await asyncio.gather(job(), job())\n",
    "results = await asyncio.gather(*[job() for _ in range(3)])\n",
    "try:\n    await job()\nexcept asyncio.CancelledError:\n    pass\n",
    "try:\n    await job()\nexcept BaseException:\n    log()\n",
    "user = session.query(User).filter(User.id == uid).first()\n",
)

SIGNATURE = "async def _fuzzed(url: str, uid: int, session: Session) -> None:\n"

#: How the engine refuses a fix whose output fails verification (FIXES.md).
REFUSALS = ("the fixed code does not parse", "the fixed code does not compile")


def compiles(source: str) -> bool:
    """Whether CPython compiles `source` to bytecode (the full compiler: unlike
    an AST-only compile it rejects `await` outside an async function)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, PATH, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


class _Substitute(cst.CSTTransformer):
    """Replace the names read at the given indexes (in reading order) with calls."""

    METADATA_DEPENDENCIES = (ExpressionContextProvider,)

    def __init__(self, replacements: dict[int, str]) -> None:
        super().__init__()
        self.replacements = replacements
        self.seen = 0

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        context = self.get_metadata(ExpressionContextProvider, original_node, None)
        if context is not ExpressionContext.LOAD:
            return updated_node
        index, self.seen = self.seen, self.seen + 1
        if index not in self.replacements:
            return updated_node
        call = cst.parse_expression(self.replacements[index])
        return call.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)


def build(
    program: str, calls: dict[int, str], spliced: list[tuple[int, str]], *, inside: bool = True
) -> str | None:
    """The module to fix: `program` with `calls` substituted for names, as the
    body of an async def (`inside`) or at module level before it, and `spliced`
    statements inserted into that body; None when LibCST cannot take the
    program apart."""
    try:
        module = MetadataWrapper(cst.parse_module(program)).visit(_Substitute(calls))
        top: list[cst.BaseStatement] = [] if inside else list(module.body)
        body: list[cst.BaseStatement] = list(module.body) if inside else []
        for position, statement in spliced:
            body.insert(min(position, len(body)), cst.parse_statement(statement))
        function = cst.parse_statement(SIGNATURE + "    pass\n")
        assert isinstance(function, cst.FunctionDef)
        function = function.with_changes(
            body=function.body.with_changes(body=body or function.body.body)
        )
        return HEADER + "\n" + cst.Module(body=[*top, function]).code
    except (cst.ParserSyntaxError, cst.CSTValidationError, RecursionError):
        return None


def check_fix(source: str) -> None:
    outcome = fix_source(source.encode(), PATH, RULES, LintOptions(), FixSettings(unsafe=True))
    assert not outcome.result.errors, outcome.result.errors
    if outcome.error is not None:
        assert outcome.error.detail.startswith(REFUSALS), outcome.error
        event(f"refused: {outcome.error.where}")
    elif outcome.fixed is not None:
        if compiles(source):
            event("fixed, input compiles")
            fixed = outcome.fixed.decode()
            assert compiles(fixed), f"fixed output does not compile:\n{fixed}"
        else:
            event("fixed, input does not compile")


@settings(
    database=None,
    max_examples=60,
    deadline=None,
    # Grammar-generated programs are slow to draw and often too deep (hypothesmith
    # gives up on those): that is the generator's cost, not a problem of the test.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(
    program=hypothesmith.from_grammar(auto_target=False),
    calls=st.dictionaries(st.integers(0, 30), st.sampled_from(CALLS), max_size=3),
    spliced=st.lists(
        st.tuples(st.integers(0, 10), st.sampled_from(STATEMENTS)), min_size=1, max_size=2
    ),
    inside=st.booleans(),
)
def test_fixes_keep_generated_programs_compiling(
    program: str, calls: dict[int, str], spliced: list[tuple[int, str]], inside: bool
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        source = build(program, calls, spliced, inside=inside)
        if source is None:
            event("not taken apart by LibCST")
            return
        check_fix(source)


def test_a_plain_program_gets_fixed() -> None:
    """The harness does exercise the fixes (a fuzz test that never fixes proves nothing)."""
    source = build("x = y\n", {0: "requests.get(url)"}, [(0, "time.sleep(1)\n")])
    assert source is not None
    outcome = fix_source(source.encode(), PATH, RULES, LintOptions(), FixSettings(unsafe=True))
    assert outcome.error is None and outcome.fixed is not None
    fixed = outcome.fixed.decode()
    assert "x = await asyncio.to_thread(requests.get, url)" in fixed
    assert "await asyncio.sleep(1)" in fixed
    assert compiles(fixed)


def test_compiles_rejects_await_outside_async_code() -> None:
    assert compiles("async def f():\n    await g()\n")
    assert not compiles("def f():\n    await g()\n")

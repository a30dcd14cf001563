"""Shapes of the `await asyncio.to_thread(...)` fix (AIO202, AIO203) the fixtures
do not show: layout of the new first argument, nested blocking calls fixed over
two passes, and names that stop the fix."""

from __future__ import annotations

import textwrap

import pytest

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixSettings, fix_source
from aiolint.semantic.context import LintOptions

HEADER = "import os\nimport subprocess\n\nimport requests\n\n\n"


def fix(body: str, codes: tuple[str, ...] = ("AIO202", "AIO203")) -> str:
    """The fixed module for an async function with `body` (unchanged: no fix)."""
    source = HEADER + "async def handler(url, cmd, opts):\n" + textwrap.indent(body, "    ")
    outcome = fix_source(
        source.encode(), "t.py", resolve_selection(list(codes)), LintOptions(), FixSettings(True)
    )
    assert outcome.error is None, outcome.error
    if outcome.fixed is None:
        return source
    fixed = outcome.fixed.decode()
    compile(fixed, "t.py", "exec")
    return fixed


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("os.wait()\n", "await asyncio.to_thread(os.wait)\n"),
        (
            "subprocess.run(*cmd, **opts)\n",
            "await asyncio.to_thread(subprocess.run, *cmd, **opts)\n",
        ),
        ("(requests.get)(url)\n", "await asyncio.to_thread((requests.get), url)\n"),
        (
            "requests.get(url).status_code ** 2\n",
            "(await asyncio.to_thread(requests.get, url)).status_code ** 2\n",
        ),
        ("x = -os.system('true')\n", "x = -await asyncio.to_thread(os.system, 'true')\n"),
        (
            "requests.post(  # why\n    url,\n    json={},\n)\n",
            "await asyncio.to_thread(  # why\n"
            "        requests.post,\n        url,\n        json={},\n    )\n",
        ),
    ],
    ids=["no-args", "unpacking", "parenthesized-callee", "power", "unary", "comment-after-paren"],
)
def test_layout(body: str, expected: str) -> None:
    fixed = fix(body)
    assert "import asyncio\n" in fixed
    assert fixed.endswith("async def handler(url, cmd, opts):\n    " + expected)


def test_nested_blocking_calls_are_fixed_in_two_passes() -> None:
    fixed = fix("requests.post(url, data=subprocess.check_output(cmd))\n")
    assert fixed.endswith(
        "    await asyncio.to_thread(requests.post, url, "
        "data=await asyncio.to_thread(subprocess.check_output, cmd))\n"
    )
    assert fixed.count("import asyncio\n") == 1


def test_reuses_from_asyncio_import_to_thread() -> None:
    source = "from asyncio import to_thread\n" + HEADER
    outcome = fix_source(
        (source + "async def f(url):\n    requests.get(url)\n").encode(),
        "t.py",
        resolve_selection(["AIO202"]),
        LintOptions(),
        FixSettings(True),
    )
    assert outcome.fixed is not None
    assert outcome.fixed.decode().endswith("    await to_thread(requests.get, url)\n")


@pytest.mark.parametrize(
    "body",
    [
        "asyncio = None\nrequests.get(url)\n",  # the local shadows the module
        "with subprocess.Popen(cmd) as p:\n    p.wait()\n",
        "requests.get(url, stream=opts)\n",  # streaming unless literally False
        "os.spawnv(os.P_NOWAIT, cmd, [cmd])\n",
    ],
    ids=["asyncio-shadowed", "popen-with", "stream-unknown", "spawn-nowait"],
)
def test_no_fix(body: str) -> None:
    source = HEADER + "async def handler(url, cmd, opts):\n" + textwrap.indent(body, "    ")
    assert fix(body) == source


def test_safe_fixes_only_leave_it_alone() -> None:
    source = HEADER + "async def f(url):\n    requests.get(url)\n"
    outcome = fix_source(
        source.encode(), "t.py", resolve_selection(["AIO202"]), LintOptions(), FixSettings()
    )
    assert outcome.fixed is None
    [diagnostic] = outcome.result.diagnostics
    assert diagnostic.fix is not None and diagnostic.fix.applicability.value == "unsafe"

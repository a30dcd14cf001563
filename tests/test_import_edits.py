"""Imports a fix adds land where isort puts them; imports it made unused go."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from aiolint.engine.model import Applicability, Diagnostic, RequiredImport, TextEdit, TextFix
from aiolint.fixes.apply import apply_edits, pass_edits
from aiolint.fixes.import_order import insert_import
from aiolint.fixes.resolve import LineIndex, import_edit
from aiolint.fixes.unused_imports import remove_imports_made_unused

CLI = str(Path(sys.executable).with_name("aiolint"))
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.parametrize(
    ("source", "required", "expected"),
    [
        (
            "import time\n\nimport httpx\n\nx = 1\n",
            RequiredImport("asyncio"),
            "import asyncio\nimport time\n\nimport httpx\n\nx = 1\n",
        ),
        (
            "import httpx\n\n\ndef f(): ...\n",
            RequiredImport("asyncio"),
            "import asyncio\n\nimport httpx\n\n\ndef f(): ...\n",
        ),
        (
            "from __future__ import annotations\n\nimport requests\n",
            RequiredImport("asyncio"),
            "from __future__ import annotations\n\nimport asyncio\n\nimport requests\n",
        ),
        (
            "import os\nfrom sqlalchemy import func, update\n",
            RequiredImport("sqlalchemy", "select"),
            "import os\nfrom sqlalchemy import func, select, update\n",
        ),
        (
            "from asyncio import gather, sleep\n",
            RequiredImport("asyncio", "TaskGroup"),
            "from asyncio import TaskGroup, gather, sleep\n",
        ),
        (
            "from sqlalchemy import delete as sa_delete\n",
            RequiredImport("sqlalchemy", "update"),
            "from sqlalchemy import delete as sa_delete\nfrom sqlalchemy import update\n",
        ),
        (
            '"""Doc."""\ndef f(): ...\n',
            RequiredImport("asyncio"),
            '"""Doc."""\nimport asyncio\n\n\ndef f(): ...\n',
        ),
        (
            "import asyncio\nimport time\n",
            RequiredImport("asyncio"),
            "import asyncio\nimport time\n",
        ),
    ],
)
def test_insert_import_where_isort_puts_it(
    source: str, required: RequiredImport, expected: str
) -> None:
    assert insert_import(cst.parse_module(source), required).code == expected


def test_only_imports_the_fix_made_unused_are_removed() -> None:
    original = (
        "import os\nimport sys\nimport time\nfrom typing import Any\n\n"
        "__all__ = ['Any']\n\n\nasync def f():\n    time.sleep(1)\n    print(sys.argv)\n"
    )
    fixed = original.replace("    time.sleep(1)\n", "    await asyncio.sleep(1)\n")
    fixed = fixed.replace("import os\n", "import asyncio\nimport os\n")
    cleaned = remove_imports_made_unused(original, fixed)
    # `time` lost its last use; `os` was unused before (the user's business);
    # `Any` is named in __all__; `sys` is still used.
    assert cleaned == fixed.replace("import time\n", "")


def _fix(text: str, imports: tuple[RequiredImport, ...], own: TextEdit) -> Diagnostic:
    added = import_edit(text, imports)
    assert added is not None
    edits = tuple(sorted({own, added}, key=lambda e: (e.start, e.end)))
    fix = TextFix("t", Applicability.UNSAFE, edits, imports, added)
    return Diagnostic("x.py", "AIO301", "m", own.location, own.end_location, fix)


def _edit(text: str, old: str, new: str) -> TextEdit:
    start = text.index(old)
    index = LineIndex(text)
    end = start + len(old)
    return TextEdit(start, end, new, index.location(start), index.location(end))


def test_fixes_of_one_pass_add_their_imports_with_one_edit() -> None:
    """Made alone, `.count()`'s import edit (`and_, func, or_, select`) and
    `.all()`'s (`and_, or_, select`) do not overlap, and both landed: `select`
    imported twice (ruff F811). Applied together, one edit adds the union."""
    text = "from sqlalchemy import and_, or_\n\n\ndef f(s):\n    return a, b\n"
    count = _fix(
        text,
        (RequiredImport("sqlalchemy", "select"), RequiredImport("sqlalchemy", "func")),
        _edit(text, "a,", "x,"),
    )
    rows = _fix(text, (RequiredImport("sqlalchemy", "select"),), _edit(text, "b\n", "y\n"))
    assert count.fix is not None and rows.fix is not None
    assert count.fix.import_edit != rows.fix.import_edit
    kept, fixes = pass_edits(text, [count, rows], frozenset())
    assert kept == [count, rows]
    assert apply_edits(text, fixes) == (
        "from sqlalchemy import and_, func, or_, select\n\n\ndef f(s):\n    return x, y\n"
    )


def test_a_fix_editing_where_the_imports_go_waits_for_the_next_pass() -> None:
    text = "import os\n\nx = os.sep\n"
    first = _fix(text, (RequiredImport("asyncio"),), _edit(text, "x =", "y ="))
    second = _fix(text, (RequiredImport("time"),), _edit(text, "import os\n", "import os  # a\n"))
    kept, fixes = pass_edits(text, [first, second], frozenset())
    assert kept == [first]
    assert apply_edits(text, fixes) == "import asyncio\nimport os\n\ny = os.sep\n"


RETRY = """import asyncio
import logging
import time

logger = logging.getLogger(__name__)


async def fetch_with_retry(client, url):
    for attempt in range(3):
        try:
            return await client.get(url)
        except OSError:
            logger.warning("retrying %s", url)
            time.sleep(2**attempt)
    raise RuntimeError(url)
"""

LOCAL = """import asyncio


async def wait_until_ready(probe):
    import time

    while not await probe():
        time.sleep(0.5)
"""


def _json_fixes(tmp_path: Path, name: str, source: str) -> list[dict[str, Any]]:
    """The fixes `aiolint check --output-format json` reports (the real CLI)."""
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    run = subprocess.run(
        [CLI, "check", "--isolated", "--no-cache", "--output-format", "json", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    return [finding["fix"] for finding in json.loads(run.stdout)]


def _apply_json(source: str, fix: dict[str, Any]) -> str:
    lines = source.splitlines(keepends=True)

    def offset(location: dict[str, int]) -> int:
        return sum(map(len, lines[: location["row"] - 1])) + location["column"] - 1

    for edit in sorted(fix["edits"], key=lambda e: offset(e["location"]), reverse=True):
        start, end = offset(edit["location"]), offset(edit["end_location"])
        source = source[:start] + edit["content"] + source[end:]
    return source


def _ruff_unused(tmp_path: Path, source: str) -> str:
    path = tmp_path / "check_me.py"
    path.write_text(source, encoding="utf-8")
    run = subprocess.run(
        [
            RUFF,
            "check",
            "--isolated",
            "--select",
            "F401,F811",
            "--output-format",
            "concise",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return run.stdout if run.returncode else ""


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed")
@pytest.mark.parametrize(
    ("source", "removed"),
    [(RETRY, "import time\n"), (LOCAL, "    import time\n")],
    ids=["module", "local"],
)
def test_the_fix_edits_carry_the_import_it_leaves_unused(
    tmp_path: Path, source: str, removed: str
) -> None:
    """The JSON output (and so the server's quick fix) carries the removal of
    the import the fix leaves unused, module-level or local: applying the
    fix's edits alone leaves no F401, and the fix stays safe."""
    (fix,) = _json_fixes(tmp_path, "app.py", source)
    assert fix["applicability"] == "safe"
    fixed = _apply_json(source, fix)
    assert removed not in fixed and "await asyncio.sleep(" in fixed
    assert _ruff_unused(tmp_path, fixed) == ""
    assert fixed == _cli_fix(tmp_path, source)


@pytest.mark.parametrize(
    "source",
    [
        RETRY.replace("import time\n", "import time  # For delay between retries\n"),
        RETRY.replace("import time\n", "# stdlib, for the retry delay\nimport time\n"),
        LOCAL.replace("import time\n", "import time  # not at module load\n"),
    ],
    ids=["trailing", "above", "local"],
)
def test_an_import_with_a_comment_stays_and_the_fix_stays_safe(tmp_path: Path, source: str) -> None:
    (fix,) = _json_fixes(tmp_path, "app.py", source)
    assert fix["applicability"] == "safe"
    assert len(fix["edits"]) == 1  # the sleep only: no edit near the comment
    fixed = _cli_fix(tmp_path, source)
    assert fixed == _apply_json(source, fix)
    assert fixed == source.replace("time.sleep(", "await asyncio.sleep(")


def _cli_fix(tmp_path: Path, source: str) -> str:
    """What `aiolint check --fix` writes (the real CLI)."""
    path = tmp_path / "fixed_by_cli.py"
    path.write_text(source, encoding="utf-8")
    subprocess.run(
        [CLI, "check", "--isolated", "--no-cache", "--fix", path.name],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    return path.read_text(encoding="utf-8")


def test_the_import_a_fix_removes_from_the_first_line_leaves_no_blank_line_above(
    tmp_path: Path,
) -> None:
    """`import time` stood first and goes; `import asyncio` takes its place at
    the top of the file, with no blank line above it (found in Neovim)."""
    source = (
        "import time\n\nimport httpx\n\n\nasync def f():\n    time.sleep(1)\n    return httpx\n"
    )
    fixed = _cli_fix(tmp_path, source)
    assert fixed == (
        "import asyncio\n\nimport httpx\n\n\nasync def f():\n    await asyncio.sleep(1)\n"
        "    return httpx\n"
    )
    if RUFF:
        sorted_check = subprocess.run(
            [RUFF, "check", "--isolated", "--select", "I", "-"], input=fixed, text=True, check=False
        )
        assert sorted_check.returncode == 0

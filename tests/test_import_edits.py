"""Imports a fix adds land where isort puts them; imports it made unused go."""

from __future__ import annotations

import libcst as cst
import pytest

from aiolint.fixes.apply import apply_edits, pass_edits
from aiolint.fixes.import_order import insert_import
from aiolint.fixes.resolve import LineIndex, import_edit
from aiolint.fixes.unused_imports import remove_imports_made_unused
from aiolint.model import Applicability, Diagnostic, RequiredImport, TextEdit, TextFix


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

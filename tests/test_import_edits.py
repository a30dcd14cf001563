"""Imports a fix adds land where isort puts them; imports it made unused go."""

from __future__ import annotations

import libcst as cst
import pytest

from aiolint.fixes.import_order import insert_import
from aiolint.fixes.unused_imports import remove_imports_made_unused
from aiolint.model import RequiredImport


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

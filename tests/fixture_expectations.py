"""Inline expectations in fixture files, read with `tokenize` (never `eval`).

    time.sleep(1)  # error: AIO201
    gather(a(), b())  # error: AIO101 -- return_exceptions=True

A comment `# error: CODE[, CODE...]` expects each code once on that line; text
after ` -- ` must appear in each of those messages. One comment may hold
several (`# error: AIO205 -- sync  # error: AIO402`). A header comment
`# aiolint-fixture: target-version = py310` sets lint options for the file.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ERROR_RE = re.compile(
    r"#\s*error:\s*(?P<codes>AIO\d{3}(?:\s*,\s*AIO\d{3})*)"
    r"(?:\s+--\s+(?P<text>.+?)(?=\s+#\s*error:|$))?"
)
OPTION_RE = re.compile(r"#\s*aiolint-fixture:\s*(?P<key>[a-z-]+)\s*=\s*(?P<value>\S+)")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@dataclass
class Expectations:
    errors: Counter[tuple[int, str]] = field(default_factory=Counter)
    substrings: dict[tuple[int, str], str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)


def read_expectations(source: bytes) -> Expectations:
    found = Expectations()
    tokens = tokenize.tokenize(io.BytesIO(source).readline)
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        if option := OPTION_RE.search(tok.string):
            found.options[option["key"]] = option["value"]
            continue
        for match in ERROR_RE.finditer(tok.string):
            for code in re.split(r"\s*,\s*", match["codes"]):
                found.errors[(tok.start[0], code)] += 1
                if match["text"]:
                    found.substrings[(tok.start[0], code)] = match["text"].strip()
    return found


#: Multi-module fixture projects (each linted as a project: tests/test_projects.py).
PROJECTS = FIXTURES / "projects"


def fixture_files() -> list[Path]:
    """Every single-file fixture (`.fixed.py` expected outputs and the modules
    of fixture projects excluded), sorted."""
    return sorted(
        p
        for p in FIXTURES.rglob("*.py")
        if not p.name.endswith(".fixed.py") and PROJECTS not in p.parents
    )

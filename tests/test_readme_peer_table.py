"""The README's "Side by side with ruff and flake8-async" table stays true: a
row for every rule code, named as the rule is, and its "noqa also honoured"
column lists exactly the rule's `peer_codes` (the codes whose `# noqa`
suppresses it), each a rule the installed ruff knows."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_expectations import ROOT

from aiolint.engine.registry import load_rules

HEADING = "### Side by side with ruff and flake8-async"
#: ruff beside the interpreter (the dev extra installs it), else on PATH.
RUFF = next(
    (
        str(path)
        for path in (Path(sys.executable).with_name("ruff"), shutil.which("ruff"))
        if path is not None and Path(path).exists()
    ),
    None,
)
CODE = re.compile(r"\b(?:ASYNC|RUF|S)\d{3}\b")


def table_rows() -> dict[str, tuple[str, str, str]]:
    """Rule code -> (rule name, overlapping codes cell, noqa cell)."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(HEADING) :]
    section = section[: section.index("\n## ")]
    rows: dict[str, tuple[str, str, str]] = {}
    for line in section.splitlines():
        match = re.match(r"^\| (AIO\d{3}) ([a-z0-9-]+) \| (.*) \| (.*) \|$", line)
        if match:
            code, name, overlap, noqa = match.groups()
            assert code not in rows, f"{code} has two rows"
            rows[code] = (name, overlap, noqa)
    return rows


def test_every_rule_has_one_row_with_its_name() -> None:
    rows = table_rows()
    rules = load_rules()
    assert sorted(rows) == sorted(rules), "add a row per rule code to the README table"
    for code, rule in rules.items():
        assert rows[code][0] == rule.name


def test_the_noqa_column_lists_exactly_the_peer_codes() -> None:
    rows = table_rows()
    for code, rule in load_rules().items():
        _, overlap, noqa = rows[code]
        assert set(CODE.findall(noqa)) == set(rule.peer_codes), code
        for peer in rule.peer_codes:
            assert peer in overlap, f"{code}: {peer} is honoured but not named as an overlap"


@pytest.mark.skipif(RUFF is None, reason="needs ruff")
def test_the_peer_codes_are_ruff_rules() -> None:
    peers = {peer for rule in load_rules().values() for peer in rule.peer_codes}
    for peer in sorted(peers):
        proc = subprocess.run([RUFF, "rule", peer], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"ruff does not know {peer}: {proc.stderr}"

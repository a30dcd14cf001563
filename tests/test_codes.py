"""The code table `aiolint.engine.codes` (read without importing the rules) matches the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiolint.docs import render_codes
from aiolint.engine.codes import CODES
from aiolint.engine.registry import load_rules, resolve_layers
from aiolint.workspace.selection import SelectionLayer, UnknownSelectorError, resolve_codes

ROOT = Path(__file__).resolve().parent.parent


def test_table_matches_the_registry() -> None:
    rules = load_rules()
    assert list(CODES) == list(rules), (
        "run `python -m aiolint.docs` and commit aiolint/engine/codes.py"
    )
    for code, rule in rules.items():
        info = CODES[code]
        assert (info.name, info.summary, info.fix) == (
            rule.name,
            rule.summary,
            rule.fix_availability.value,
        ), code


def test_table_file_is_generated() -> None:
    assert (ROOT / "src" / "aiolint" / "engine" / "codes.py").read_text() == render_codes()


@pytest.mark.parametrize(
    "layers",
    [
        [SelectionLayer()],
        [SelectionLayer(["AIO2"], (), ["AIO201"])],
        [SelectionLayer(None, (), ["AIO"]), SelectionLayer(None, ["AIO101"])],
        [SelectionLayer(["ALL"]), SelectionLayer(["AIO3"], ["AIO0"], ["AIO304"])],
    ],
)
def test_selection_by_code_is_the_registrys(layers: list[SelectionLayer]) -> None:
    assert resolve_codes(layers) == tuple(rule.code for rule in resolve_layers(layers))


def test_unknown_selector() -> None:
    with pytest.raises(UnknownSelectorError, match="AIO999"):
        resolve_codes([SelectionLayer(["AIO999"])])

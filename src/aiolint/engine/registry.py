"""Rule discovery: from codes to rule classes.

Rules register themselves when their module is imported (`Rule.__init_subclass__`);
`load_rules()` imports every module under `aiolint.rules`, so adding a rule is
adding a file (then `python -m aiolint.docs` regenerates the code table
`aiolint.engine.codes`, which selection reads without importing the rules). Selection
itself (`SelectionLayer`, `validate_selector`, prefix matching) lives in
`aiolint.workspace.selection`, re-exported here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from functools import cache

from aiolint.engine.rule import Rule, registered_rules
from aiolint.workspace.selection import (
    SELECTOR_RE,
    SelectionLayer,
    UnknownSelectorError,
    resolve_codes,
)
from aiolint.workspace.selection import validate_selector as _validate_selector

__all__ = [
    "SELECTOR_RE",
    "SelectionLayer",
    "UnknownSelectorError",
    "load_rules",
    "resolve_layers",
    "resolve_selection",
    "rule_for",
    "rules_for",
    "validate_selector",
]


@cache
def load_rules() -> dict[str, type[Rule]]:
    """Import all rule modules once; return the rules by code, sorted."""
    import aiolint.rules as package

    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
    return dict(sorted(registered_rules().items()))


def rule_for(code: str) -> type[Rule] | None:
    return load_rules().get(code.upper())


def rules_for(codes: Iterable[str]) -> list[type[Rule]]:
    """The rule classes of `codes` (codes chosen by `aiolint.workspace.selection`)."""
    rules = load_rules()
    return [rules[code] for code in codes]


def validate_selector(selector: str) -> str:
    """Normalise a selector against the registered rules, or raise UnknownSelectorError."""
    return _validate_selector(selector, load_rules())


def resolve_layers(layers: Iterable[SelectionLayer]) -> list[type[Rule]]:
    """The enabled rule classes (see `aiolint.workspace.selection.resolve_codes`)."""
    rules = load_rules()
    return [rules[code] for code in resolve_codes(layers, rules)]


def resolve_selection(
    select: Sequence[str] | None,
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> list[type[Rule]]:
    """The enabled rules for one layer of selectors (default select: every rule)."""
    return resolve_layers([SelectionLayer(select, tuple(extend_select), tuple(ignore))])

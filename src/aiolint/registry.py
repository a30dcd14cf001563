"""Rule discovery and selection.

Rules register themselves when their module is imported (`Rule.__init_subclass__`);
`load_rules()` imports every module under `aiolint.rules`, so adding a rule is
adding a file. Selection follows ruff: a selector is `ALL` or a code prefix
(`AIO`, `AIO2`, `AIO201`); for each code the most specific matching selector
decides, and on a tie `ignore` wins.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from aiolint.rule import Rule, registered_rules

SELECTOR_RE = re.compile(r"^(ALL|AIO[0-9]{0,3})$")


class UnknownSelectorError(ValueError):
    """A selector that matches no rule code."""


@cache
def load_rules() -> dict[str, type[Rule]]:
    """Import all rule modules once; return the rules by code, sorted."""
    import aiolint.rules as package

    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
    return dict(sorted(registered_rules().items()))


def rule_for(code: str) -> type[Rule] | None:
    return load_rules().get(code.upper())


def validate_selector(selector: str) -> str:
    """Normalise a selector, or raise UnknownSelectorError naming it."""
    value = selector.strip().upper()
    if not SELECTOR_RE.match(value) or not any(
        value == "ALL" or code.startswith(value) for code in load_rules()
    ):
        raise UnknownSelectorError(f"unknown rule selector {selector!r}")
    return value


def _specificity(selector: str, code: str) -> int:
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


@dataclass(frozen=True, slots=True)
class SelectionLayer:
    """One source of selectors (the config file, then the command line)."""

    select: Sequence[str] | None = None
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()


def resolve_layers(layers: Iterable[SelectionLayer]) -> list[type[Rule]]:
    """Apply layers in order, as ruff does: a layer's `select` replaces what came
    before; within a layer the most specific selector wins (a tie: ignore);
    a layer without `select` only adds its extend-select and removes its ignores."""
    rules = load_rules()
    enabled = set(rules)
    for layer in layers:
        chosen = [validate_selector(s) for s in (layer.select or ())]
        extended = [validate_selector(s) for s in layer.extend_select]
        ignored = [validate_selector(s) for s in layer.ignore]
        for code in rules:
            best_select = max((_specificity(s, code) for s in chosen + extended), default=-1)
            best_ignore = max((_specificity(s, code) for s in ignored), default=-1)
            if best_select >= 0 and best_select > best_ignore:
                enabled.add(code)
            elif best_ignore >= 0 or layer.select is not None:
                enabled.discard(code)
    return [rule for code, rule in rules.items() if code in enabled]


def resolve_selection(
    select: Sequence[str] | None,
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> list[type[Rule]]:
    """The enabled rules for one layer of selectors (default select: every rule)."""
    return resolve_layers([SelectionLayer(select, tuple(extend_select), tuple(ignore))])

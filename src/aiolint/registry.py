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


def resolve_selection(
    select: Sequence[str] | None,
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> list[type[Rule]]:
    """The enabled rules for these selectors (default select: every rule)."""
    chosen = [validate_selector(s) for s in (select if select is not None else ["AIO"])]
    chosen += [validate_selector(s) for s in extend_select]
    ignored = [validate_selector(s) for s in ignore]
    enabled: list[type[Rule]] = []
    for code, rule in load_rules().items():
        best_select = max((_specificity(s, code) for s in chosen), default=-1)
        best_ignore = max((_specificity(s, code) for s in ignored), default=-1)
        if best_select >= 0 and best_select > best_ignore:
            enabled.append(rule)
    return enabled

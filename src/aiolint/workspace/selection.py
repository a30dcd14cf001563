"""Rule selection by code, standard library only.

Selection follows ruff: a selector is `ALL` or a code prefix (`AIO`, `AIO2`,
`AIO201`); for each code the most specific matching selector decides, and on a
tie `ignore` wins. It works on codes (the generated table `aiolint.engine.codes`), so
the CLI, the configuration and the cache choose rules without importing a rule
module; `aiolint.engine.registry` maps the chosen codes to rule classes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from aiolint.engine.codes import CODES
from aiolint.engine.record import Record

SELECTOR_RE = re.compile(r"^(ALL|AIO[0-9]{0,3})$")


class UnknownSelectorError(ValueError):
    """A selector that matches no rule code."""


def validate_selector(selector: str, codes: Collection[str] = CODES) -> str:
    """Normalise a selector, or raise UnknownSelectorError naming it."""
    value = selector.strip().upper()
    if not SELECTOR_RE.match(value) or not any(
        value == "ALL" or code.startswith(value) for code in codes
    ):
        raise UnknownSelectorError(f"unknown rule selector {selector!r}")
    return value


def _specificity(selector: str, code: str) -> int:
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


class SelectionLayer(Record):
    """One source of selectors (the config file, then the command line)."""

    __slots__ = _fields = ("select", "extend_select", "ignore")
    select: Sequence[str] | None
    extend_select: Sequence[str]
    ignore: Sequence[str]

    def __init__(
        self,
        select: Sequence[str] | None = None,
        extend_select: Sequence[str] = (),
        ignore: Sequence[str] = (),
    ) -> None:
        self._set(select=select, extend_select=extend_select, ignore=ignore)


def resolve_codes(
    layers: Iterable[SelectionLayer], codes: Collection[str] = CODES
) -> tuple[str, ...]:
    """Apply layers in order, as ruff does: a layer's `select` replaces what came
    before; within a layer the most specific selector wins (a tie: ignore);
    a layer without `select` only adds its extend-select and removes its ignores.
    Returns the enabled codes, sorted."""
    ordered = sorted(codes)
    enabled = set(ordered)
    for layer in layers:
        chosen = [validate_selector(s, ordered) for s in (layer.select or ())]
        extended = [validate_selector(s, ordered) for s in layer.extend_select]
        ignored = [validate_selector(s, ordered) for s in layer.ignore]
        for code in ordered:
            best_select = max((_specificity(s, code) for s in chosen + extended), default=-1)
            best_ignore = max((_specificity(s, code) for s in ignored), default=-1)
            if best_select >= 0 and best_select > best_ignore:
                enabled.add(code)
            elif best_ignore >= 0 or layer.select is not None:
                enabled.discard(code)
    return tuple(code for code in ordered if code in enabled)

"""`[tool.aiolint]` in pyproject.toml -> a frozen Config (filled in below)."""

from __future__ import annotations

import re

SUPPORTED_TARGETS = ((3, 10), (3, 11), (3, 12), (3, 13), (3, 14))
_TARGET_RE = re.compile(r"^py3(1[0-4])$")


class ConfigError(ValueError):
    """A bad setting; the message names its source (file and key, or flag)."""


def parse_target_version(value: str) -> tuple[int, int]:
    """`py311` -> (3, 11); only py310..py314."""
    match = _TARGET_RE.match(value.strip().lower())
    if match is None:
        raise ConfigError(f"invalid target-version {value!r} (expected one of py310..py314)")
    return (3, int(match.group(1)))

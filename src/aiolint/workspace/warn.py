"""Warnings about a run's input (an unreadable folder, a malformed pattern) on
stderr, each said once per process however many walks meet it."""

from __future__ import annotations

import sys

_said: set[str] = set()


def warn_once(message: str, about: str | None = None) -> None:
    """Print `aiolint: warning: <message>` unless this process said it already
    (or, given `about`, said something about it: two walks may spell one
    folder two ways)."""
    key = message if about is None else f"\0{about}"
    if key in _said:
        return
    _said.add(key)
    print(f"aiolint: warning: {message}", file=sys.stderr)

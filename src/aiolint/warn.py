"""Warnings about a run's input (an unreadable folder, a malformed pattern) on
stderr, each said once per process however many walks meet it."""

from __future__ import annotations

import sys

_said: set[str] = set()


def warn_once(message: str) -> None:
    """Print `aiolint: warning: <message>` unless this process said it already."""
    if message in _said:
        return
    _said.add(message)
    print(f"aiolint: warning: {message}", file=sys.stderr)

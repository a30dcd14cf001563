"""The progress line: `aiolint: 120/3400 files` on stderr while a long run goes.

Shown only on a terminal (never in CI logs or a pipe), never with `--quiet`,
and only once the run has taken `DELAY` seconds; redrawn at most ten times a
second, and erased before the report prints.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

#: Seconds before the line first appears (short runs never show it).
DELAY = 1.0
#: Seconds between redraws.
INTERVAL = 0.1
_ERASE = "\r\x1b[K"


def wanted(stream: TextIO, quiet: bool) -> bool:
    """Whether to show progress on `stream`: a terminal that can erase a line."""
    if quiet or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """Files done out of `total`, drawn on `stream` when `enabled`."""

    def __init__(
        self,
        total: int = 0,
        stream: TextIO | None = None,
        *,
        enabled: bool,
        delay: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.done = 0
        self._stream = stream
        self._enabled = enabled and stream is not None
        self._clock = clock
        self._start = clock()
        self._delay = DELAY if delay is None else delay
        self._drawn_at: float | None = None

    def advance(self) -> None:
        """One more file done."""
        self.done += 1
        self.tick()

    def tick(self) -> None:
        """Redraw if it is time to."""
        if not self._enabled:
            return
        now = self._clock()
        if now - self._start < self._delay:
            return
        if self._drawn_at is not None and now - self._drawn_at < INTERVAL:
            return
        self._drawn_at = now
        self._write(f"{_ERASE}aiolint: {self.done}/{self.total} files")

    def clear(self) -> None:
        """Erase the line (if it was drawn)."""
        if self._drawn_at is not None:
            self._write(_ERASE)
            self._drawn_at = None

    def _write(self, text: str) -> None:
        assert self._stream is not None
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            self._enabled = False

"""`--color auto|always|never`: whether the human formats paint their output.

`always` and `never` win over the environment (as ruff's `--color`). `auto`
decides as ruff does: `FORCE_COLOR` set to anything but the empty string turns
colour on, so does `CLICOLOR_FORCE` other than `0`; otherwise `NO_COLOR` (any
non-empty value) or `CLICOLOR=0` turn it off, and it is on when the report goes
to a terminal."""

from __future__ import annotations

from collections.abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

CHOICES = ("auto", "always", "never")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if environ is None:
        import os

        environ = os.environ
    if environ.get("FORCE_COLOR", ""):
        return True
    if environ.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    if environ.get("NO_COLOR", "") or environ.get("CLICOLOR") == "0":
        return False
    return _isatty(stream)

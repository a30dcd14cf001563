"""ANSI styles for the human formats, written as ruff writes them (its
`colored` crate): `\\x1b[1m` bold, `\\x1b[36m` cyan, `\\x1b[1;31m` red and bold,
`\\x1b[4m` underlined, each closed by `\\x1b[0m`; the code frame of `full` in
the colours of ruff's snippet renderer (bold bright blue gutter, bold bright
red carets, bold bright cyan `help`). A disabled `Style` returns the text unchanged."""

from __future__ import annotations

from aiolint.engine.record import Record

RESET = "\x1b[0m"


class Style(Record):
    """Paints text when `enabled` (`--color`, see `aiolint.cli.color`)."""

    __slots__ = _fields = ("enabled",)
    enabled: bool

    def __init__(self, enabled: bool = False) -> None:
        self._set(enabled=enabled)

    def _paint(self, text: str, codes: str) -> str:
        return f"\x1b[{codes}m{text}{RESET}" if self.enabled and text else text

    def bold(self, text: str) -> str:
        return self._paint(text, "1")

    def cyan(self, text: str) -> str:
        return self._paint(text, "36")

    def red_bold(self, text: str) -> str:
        return self._paint(text, "1;31")

    def underline(self, text: str) -> str:
        return self._paint(text, "4")

    def _snippet(self, text: str, color: str) -> str:
        """The snippet renderer's spelling: bold, then the colour, then the text."""
        return f"\x1b[1m\x1b[{color}m{text}{RESET}" if self.enabled and text else text

    def gutter(self, text: str) -> str:
        """Line numbers and the `|` of a code frame (bold bright blue)."""
        return self._snippet(text, "94")

    def marker(self, text: str) -> str:
        """The `^^^` under a range, and its label (bold bright red)."""
        return self._snippet(text, "91")

    def help(self, text: str) -> str:
        """`help` in the frame's footer (bold bright cyan)."""
        return self._snippet(text, "96")

    def fix_mark(self) -> str:
        """`[*] `, the star cyan."""
        return f"[{self.cyan('*')}] "

"""What every output format shares: the writer signature, the run facts some
formats need (`ReportContext`), rule URLs and whether a fix would be applied."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from aiolint.engine.model import Applicability, Diagnostic, TextFix
from aiolint.engine.record import Record
from aiolint.reporters.style import Style

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol, TextIO

    from aiolint.workspace.paths import StrPath

    class Writer(Protocol):
        """One output format: write the whole report for `diagnostics` to `out`
        (for type checkers only: `typing` is not imported at run time)."""

        def __call__(
            self, out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext, /
        ) -> None: ...


#: Where each rule's documentation lives (docs/rules/AIOxxx.md in the repository).
DOCS_URL = "https://github.com/aiolint/aiolint/blob/main/docs/rules/{code}.md"
#: The project's home page (SARIF `informationUri`).
HOME_URL = "https://github.com/aiolint/aiolint"


def rule_url(code: str) -> str:
    return DOCS_URL.format(code=code)


def absolute_filename(path: str) -> str:
    """A diagnostic's path as ruff's `filename` holds it: absolute (stdin stays `-`)."""
    if path == "-" or os.path.isabs(path):
        return path
    return os.path.join(os.getcwd(), path)


def _no_source(diagnostic: Diagnostic) -> str | None:
    return None


class ReportContext(Record):
    """Facts about the run that some formats need besides the diagnostics."""

    __slots__ = _fields = (
        "root",
        "unsafe_fixes",
        "show_source",
        "source_line",
        "fixable",
        "source_text",
        "color",
    )
    #: Paths in SARIF are relative to this folder (`%SRCROOT%`).
    root: str
    #: `--unsafe-fixes` was given: unsafe fixes count as applicable.
    unsafe_fixes: bool
    #: `--show-source`: the text format prints the source line and a caret.
    show_source: bool
    #: The physical line a diagnostic starts on (None when unreadable).
    source_line: Callable[[Diagnostic], str | None]
    #: Whether the run would fix a diagnostic (the fix settings' own test, which
    #: also knows `--fixable`/`--unfixable`); None: `fix_applies` with `unsafe_fixes`.
    fixable: Callable[[Diagnostic], bool] | None
    #: The whole decoded source of a diagnostic's file (None when unreadable),
    #: for the code frames of `full`.
    source_text: Callable[[Diagnostic], str | None]
    #: `--color`: the human formats paint their output (ANSI escapes).
    color: bool

    def __init__(
        self,
        root: StrPath | None = None,
        unsafe_fixes: bool = False,
        show_source: bool = False,
        source_line: Callable[[Diagnostic], str | None] = _no_source,
        fixable: Callable[[Diagnostic], bool] | None = None,
        source_text: Callable[[Diagnostic], str | None] = _no_source,
        color: bool = False,
    ) -> None:
        self._set(
            root=os.getcwd() if root is None else os.fspath(root),
            unsafe_fixes=unsafe_fixes,
            show_source=show_source,
            source_line=source_line,
            fixable=fixable,
            source_text=source_text,
            color=color,
        )

    @property
    def style(self) -> Style:
        return Style(self.color)

    def would_fix(self, diagnostic: Diagnostic) -> bool:
        """Whether `--fix` would apply this diagnostic's fix (`[*]` in line formats)."""
        if self.fixable is not None:
            return self.fixable(diagnostic)
        return fix_applies(diagnostic.fix, unsafe_fixes=self.unsafe_fixes)


def fix_applies(fix: TextFix | None, *, unsafe_fixes: bool) -> bool:
    """Whether `--fix` would apply `fix`: safe fixes always, unsafe ones only
    with `--unsafe-fixes`, display-only ones never."""
    if fix is None:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return fix.applicability is Applicability.UNSAFE and unsafe_fixes

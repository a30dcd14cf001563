"""`FixSettings`: which fixes a run applies (`--unsafe-fixes`, `--fixable`).

Standard library only, so the CLI and the reporters can weigh fixes without
loading LibCST; `aiolint.fixes.apply` re-exports it."""

from __future__ import annotations

from aiolint.engine.model import Applicability, Diagnostic
from aiolint.engine.record import Record


class FixSettings(Record):
    """Which fixes a run applies."""

    __slots__ = _fields = ("unsafe", "fixable")
    unsafe: bool
    #: Codes whose fixes may be applied (after --fixable/--unfixable).
    fixable: frozenset[str] | None

    def __init__(self, unsafe: bool = False, fixable: frozenset[str] | None = None) -> None:
        self._set(unsafe=unsafe, fixable=fixable)

    def applies(self, diagnostic: Diagnostic) -> bool:
        fix = diagnostic.fix
        if fix is None or (self.fixable is not None and diagnostic.code not in self.fixable):
            return False
        if fix.applicability is Applicability.SAFE:
            return True
        return fix.applicability is Applicability.UNSAFE and self.unsafe

    def hidden(self, diagnostic: Diagnostic) -> bool:
        """An unsafe fix that `--unsafe-fixes` would apply."""
        return (
            not self.unsafe
            and diagnostic.fix is not None
            and diagnostic.fix.applicability is Applicability.UNSAFE
            and (self.fixable is None or diagnostic.code in self.fixable)
        )

"""`FixSettings`: which fixes a run applies (`--unsafe-fixes`, `--fixable`).

Standard library only, so the CLI and the reporters can weigh fixes without
loading LibCST; `aiolint.fixes.apply` re-exports it."""

from __future__ import annotations

from dataclasses import dataclass

from aiolint.model import Applicability, Diagnostic


@dataclass(frozen=True, slots=True)
class FixSettings:
    """Which fixes a run applies."""

    unsafe: bool = False
    #: Codes whose fixes may be applied (after --fixable/--unfixable).
    fixable: frozenset[str] | None = None

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

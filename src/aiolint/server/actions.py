"""Code actions: a quick fix per fixable finding, "Disable AIOxxx for this line",
and `source.fixAll.aiolint`.

A quick fix applies its finding's fix as one `aiolint check --fix` pass would
(verified, imports it left unused removed); an unsafe fix is offered only when
unsafe fixes are on (the client's `unsafeFixes`, else the configuration's
`unsafe-fixes`), and says so in its title; `fixable`/`unfixable` are honoured.
The fix-all action's text is exactly what `aiolint check --fix` writes. The
disable action adds `# noqa: CODE` as `aiolint check --add-noqa` does.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from aiolint.engine.model import INVALID_FILE, Applicability
from aiolint.server.edits import text_edits, workspace_edit
from aiolint.server.linting import add_noqa, fix_one
from aiolint.server.snapshot import Snapshot

FIX_ALL = "source.fixAll.aiolint"
FIX_ALL_TITLE = "aiolint: Fix all auto-fixable problems"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL]


def wanted(only: Sequence[str] | None, kind: str) -> bool:
    """`kind` is among (or below) the kinds the client asked for (None: any)."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    a_start, a_end = (a.start.line, a.start.character), (a.end.line, a.end.character)
    b_start, b_end = (b.start.line, b.start.character), (b.end.line, b.end.character)
    return a_start <= b_end and b_start <= a_end


def quick_fix_title(code: str, title: str, applicability: Applicability) -> str:
    unsafe = " (unsafe)" if applicability is Applicability.UNSAFE else ""
    return f"aiolint ({code}): {title}{unsafe}"


def noqa_title(code: str) -> str:
    return f"aiolint: Disable {code} for this line"


def code_actions(
    snapshot: Snapshot,
    rng: types.Range,
    only: Sequence[str] | None,
    versioned: bool,
) -> list[types.CodeAction]:
    """The actions for the findings overlapping `rng`, and fix-all."""
    actions: list[types.CodeAction] = []

    def edit(new_text: str) -> types.WorkspaceEdit:
        edits = text_edits(snapshot.text, new_text, snapshot.index)
        return workspace_edit(snapshot.uri, snapshot.version, edits, versioned)

    here = [(d, lsp) for d, lsp in snapshot.pairs() if _overlaps(lsp.range, rng)]
    if wanted(only, types.CodeActionKind.QuickFix):
        for diagnostic, lsp in here:
            fix = diagnostic.fix
            if fix is None or not snapshot.setup.fixes.applies(diagnostic):
                continue
            fixed = fix_one(snapshot.text, diagnostic)
            if fixed is None or fixed == snapshot.text:
                continue
            actions.append(
                types.CodeAction(
                    title=quick_fix_title(diagnostic.code, fix.title, fix.applicability),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp],
                    is_preferred=fix.applicability is Applicability.SAFE,
                    edit=edit(fixed),
                )
            )
        disabled: set[tuple[str, int]] = set()
        for diagnostic, lsp in here:
            key = (diagnostic.code, diagnostic.start.line)
            if diagnostic.code == INVALID_FILE or key in disabled:
                continue
            disabled.add(key)
            suppressed = add_noqa(snapshot.text, diagnostic)
            if suppressed is not None:
                actions.append(
                    types.CodeAction(
                        title=noqa_title(diagnostic.code),
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp],
                        edit=edit(suppressed),
                    )
                )
    if wanted(only, FIX_ALL) and any(snapshot.setup.fixes.applies(d) for d in snapshot.diagnostics):
        fixed_all = snapshot.fixed_all()
        if fixed_all.text is not None:
            actions.append(
                types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL, edit=edit(fixed_all.text))
            )
    return actions

"""From an old and a new text of one document to LSP text edits and workspace edits.

Edits are computed by a line diff (`difflib`), so a fix that adds an import at
the top and rewrites a call further down is two small edits, not one
replacement of everything between them. Each edit replaces whole lines,
given as LSP ranges of the old text.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from lsprotocol import types

from aiolint.server.diagnostics import lsp_range
from aiolint.server.positions import LineIndex

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def text_edits(old: str, new: str, index: LineIndex) -> list[types.TextEdit]:
    """The edits that turn `old` (whose `index` it is) into `new`."""
    old_lines, new_lines = _LINE.findall(old), _LINE.findall(new)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits: list[types.TextEdit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            types.TextEdit(
                range=lsp_range(index, starts[i1], starts[i2]),
                new_text="".join(new_lines[j1:j2]),
            )
        )
    return edits


def workspace_edit(
    uri: str, version: int | None, edits: list[types.TextEdit], versioned: bool
) -> types.WorkspaceEdit:
    """The edits to one document: versioned `documentChanges` when the client
    supports them (it refuses them if the document moved on), else `changes`."""
    if versioned:
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(
            document_changes=[types.TextDocumentEdit(text_document=document, edits=list(edits))]
        )
    return types.WorkspaceEdit(changes={uri: list(edits)})

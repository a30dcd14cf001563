"""Hover: the documentation of the rules whose findings cover a position,
the text `aiolint rule CODE` prints, after the places those findings point to
(AIO309's relationship declaration, AIO206's chain) with their source."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types

from aiolint.docs import render_rule
from aiolint.engine.model import Related
from aiolint.engine.registry import rule_for
from aiolint.server.snapshot import Snapshot

#: The most lines of a related place's statement shown.
_MAX_LINES = 8


def _covers(rng: types.Range, position: types.Position) -> bool:
    start, end = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
    return start <= (position.line, position.character) <= end


def hover(snapshot: Snapshot, position: types.Position) -> types.Hover | None:
    """The Markdown docs of each rule with a finding at `position` (None: no
    finding), each finding's related places first."""
    covering = [
        (lsp, found)
        for lsp, found in zip(snapshot.lsp, snapshot.diagnostics, strict=True)
        if _covers(lsp.range, position)
    ]
    places: list[str] = []
    docs: list[str] = []
    for diagnostic, found in covering:
        for related in found.related:
            place = _place(snapshot, related)
            if place not in places:
                places.append(place)
        rule = rule_for(str(diagnostic.code))
        if rule is not None and render_rule(rule) not in docs:
            docs.append(render_rule(rule))
    if not docs:
        return None
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n---\n\n".join([*places, *docs])
        ),
        range=covering[0][0].range,
    )


def _place(snapshot: Snapshot, related: Related) -> str:
    """`**message** (path:line)` and the statement there, as a Python block."""
    shown = os.path.relpath(related.path) if os.path.isabs(related.path) else related.path
    header = f"**{related.message}** (`{shown}:{related.start.line}`)\n"
    source = _statement(snapshot, related)
    return header + (f"\n```python\n{source}\n```\n" if source else "")


def _statement(snapshot: Snapshot, related: Related) -> str:
    """The lines of the statement starting at the related place (brackets closed)."""
    own = unquote(urlparse(snapshot.uri).path)
    try:
        same = os.path.samefile(own, related.path)
    except OSError:
        same = False
    try:
        text = snapshot.text if same else Path(related.path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    lines = text.splitlines()[related.start.line - 1 :][:_MAX_LINES]
    taken: list[str] = []
    depth = 0
    for line in lines:
        taken.append(line)
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        if depth <= 0:
            break
    indent = min((len(t) - len(t.lstrip()) for t in taken if t.strip()), default=0)
    return "\n".join(t[indent:] for t in taken).strip("\n")

"""Hover: the documentation of the rules whose findings cover a position,
the text `aiolint rule CODE` prints."""

from __future__ import annotations

from lsprotocol import types

from aiolint.docs import render_rule
from aiolint.engine.registry import rule_for
from aiolint.server.snapshot import Snapshot


def _covers(rng: types.Range, position: types.Position) -> bool:
    start, end = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
    return start <= (position.line, position.character) <= end


def hover(snapshot: Snapshot, position: types.Position) -> types.Hover | None:
    """The Markdown docs of each rule with a finding at `position` (None: no finding)."""
    covering = [d for d in snapshot.lsp if _covers(d.range, position)]
    docs: list[str] = []
    for diagnostic in covering:
        rule = rule_for(str(diagnostic.code))
        if rule is not None and render_rule(rule) not in docs:
            docs.append(render_rule(rule))
    if not docs:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n\n".join(docs)),
        range=covering[0].range,
    )

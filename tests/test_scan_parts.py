"""The project model's scan of a large module reads it in parts
(`engine.chunks.module_parts`) and answers the record the whole module's
`ast` gives. The chunk size is lowered so the project fixtures' modules,
concatenated, make a module of many parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiolint.engine import chunks
from aiolint.project import scan as scan_module
from aiolint.project.scan import scan

PROJECTS = Path(__file__).parent.parent / "fixtures" / "projects"


def _module() -> str:
    """Every project fixture module that compiles, one after the other."""
    texts = []
    for path in sorted(PROJECTS.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            compile(text, str(path), "exec", dont_inherit=True)
        except SyntaxError:
            continue
        texts.append(text)
    return "\n\n".join(texts)


def _comparable(record: tuple[object, ...] | None) -> tuple[object, ...]:
    assert record is not None
    *head, orm = record
    classes, bases, expiry, uses_async = orm  # type: ignore[misc]
    return (*head, classes, bases, set(expiry), uses_async)


def test_a_module_read_in_parts_has_the_whole_modules_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _module()
    monkeypatch.setattr(chunks, "CHUNK_TOKENS", 20)  # every text is large
    monkeypatch.setattr(chunks, "CHUNK_LINES", 40)
    parts = chunks.module_parts(text)
    assert parts is not None and len(parts) > 20
    read: list[int] = []
    real = scan_module._scan_parts

    def spy(*args: object) -> object:
        read.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_module, "_scan_parts", spy)
    whole = scan(text, "app.everything", False, whole=True)
    in_parts = scan(text, "app.everything", False)
    assert read == [1]
    assert whole is not None and len(whole[4]) > 50  # summaries of many functions
    assert _comparable(in_parts) == _comparable(whole)

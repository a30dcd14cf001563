"""Every fixture file, through the engine with all rules: exactly the expected
diagnostics (line and code), with the expected message text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from fixture_expectations import FIXTURES, fixture_files, read_expectations

from aiolint.engine.lint import lint_source
from aiolint.engine.registry import resolve_selection
from aiolint.semantic.context import LintOptions
from aiolint.workspace.config import parse_target_version

FILES = fixture_files()


def lint_fixture(path: Path) -> tuple[Counter[tuple[int, str]], dict[tuple[int, str], list[str]]]:
    source = path.read_bytes()
    expected = read_expectations(source)
    options = LintOptions()
    if "target-version" in expected.options:
        options = LintOptions(
            target_version=parse_target_version(expected.options["target-version"])
        )
    result = lint_source(source, str(path), resolve_selection(None), options)
    assert not result.errors, result.errors
    messages: dict[tuple[int, str], list[str]] = {}
    for d in result.diagnostics:
        messages.setdefault((d.start.line, d.code), []).append(d.message)
    return Counter((d.start.line, d.code) for d in result.diagnostics), messages


def test_fixtures_exist() -> None:
    assert len(FILES) > 0


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture(path: Path) -> None:
    expected = read_expectations(path.read_bytes())
    actual, messages = lint_fixture(path)
    missing = sorted((expected.errors - actual).elements())
    unexpected = sorted((actual - expected.errors).elements())
    assert not missing and not unexpected, (
        f"\nmissing (line, code): {missing}\nunexpected (line, code): {unexpected}\n"
        + "\n".join(f"  {k}: {v}" for k, v in sorted(messages.items()))
    )
    for key, text in expected.substrings.items():
        assert any(text in m for m in messages[key]), f"{key}: {text!r} not in {messages[key]}"

"""Run the fix engine on fixture files (shared by the fix fixture tests).

A fixture `X.py` with a sibling `X.fixed.py` is a fix fixture: fixing `X.py`
with only its rule enabled (the code its name starts with) must give exactly
`X.fixed.py`. A header `# aiolint-fixture: fix = unsafe` applies unsafe fixes
too. In the expected output, a diagnostic may remain only on a line whose
`# error:` comment says `nofix`.

Regenerate expected outputs for review: `AIOLINT_UPDATE_FIXED=1 pytest tests/test_fix_fixtures.py`.
"""

from __future__ import annotations

from pathlib import Path

from fixture_expectations import fixture_files, read_expectations

from aiolint.engine.registry import resolve_selection
from aiolint.fixes.apply import FixOutcome, FixSettings, fix_source
from aiolint.semantic.context import LintOptions
from aiolint.workspace.config import parse_target_version


def fix_fixtures() -> list[Path]:
    return [p for p in fixture_files() if expected_path(p).exists()]


def expected_path(path: Path) -> Path:
    return path.with_name(path.stem + ".fixed.py")


def rule_code(path: Path) -> str:
    return path.name[:6]


def settings_for(source: bytes) -> tuple[LintOptions, FixSettings]:
    options = read_expectations(source).options
    target = options.get("target-version")
    lint = LintOptions(parse_target_version(target)) if target else LintOptions()
    return lint, FixSettings(unsafe=options.get("fix") == "unsafe")


def run_fix(source: bytes, path: Path, codes: list[str] | None = None) -> FixOutcome:
    options, settings = settings_for(source)
    rules = resolve_selection(codes or [rule_code(path)])
    return fix_source(source, str(path), rules, options, settings)

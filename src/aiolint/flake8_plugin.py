"""flake8 front end: `flake8 --select AIO` reports what `aiolint check` reports.

flake8 reads the file and handles `# noqa` and its own select/ignore; the plugin
reads `[tool.aiolint]` from the nearest pyproject.toml for rule settings
(target-version) and the selection it configures, so both front ends agree.
flake8 reports files that do not parse itself (E999), so the plugin never sees
them; an internal error in a rule is reported as an AIO000 line, not a crash.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from aiolint import __version__
from aiolint.config import Config, ConfigError, find_pyproject, load_config
from aiolint.engine import lint_source
from aiolint.registry import SelectionLayer, rules_for
from aiolint.runner import RuleSets, lint_options
from aiolint.semantic.context import LintOptions


@lru_cache(maxsize=256)
def _settings_for(folder: Path) -> tuple[RuleSets, LintOptions]:
    found = find_pyproject(folder)
    try:
        config = load_config(found) if found else Config(root=folder)
    except ConfigError as exc:
        raise SystemExit(f"aiolint: error: {exc}") from None
    return RuleSets(config, SelectionLayer()), LintOptions(**lint_options(config, folder))


class Plugin:
    """The flake8 `AIO` extension."""

    name = "aiolint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Plugin]]]:
        path = Path(self.filename)
        folder = path.parent if self.filename not in ("-", "stdin") else Path.cwd()
        rule_sets, options = _settings_for(folder.resolve())
        result = lint_source(
            "".join(self.lines),
            self.filename,
            rules_for(rule_sets.for_path(path)),
            options,
            apply_noqa=False,
            resolve_fixes=False,
            tree=self.tree if isinstance(self.tree, ast.Module) else None,
        )
        for error in result.errors:  # keep flake8 running; make the failure visible
            yield (
                1,
                0,
                f"AIO000 aiolint internal error in {error.where}: {error.detail}",
                type(self),
            )
        for d in result.diagnostics:
            yield d.start.line, d.start.column - 1, f"{d.code} {d.message}", type(self)

"""flake8 front end: `flake8 --select AIO` reports what `aiolint check` reports.

flake8 reads the file and handles `# noqa` and its own select/ignore; the plugin
checks each file with its closest configuration (`aiolint.workspace.hierarchy`: rule
settings, the target Python its nearest pyproject.toml declares, the selection
it configures) and the library versions its project declares, as `aiolint
check` does, so both front ends agree.
flake8 reports files that do not parse itself (E999), so the plugin never sees
them; an internal error in a rule is reported as an AIO000 line, not a crash.
Files are parsed and checked in a worker process (`aiolint.cli.child`), so a
native crash (LibCST's parser) is an AIO000 line for that file, not the end of
flake8's run.
"""

from __future__ import annotations

import argparse
import ast
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from aiolint import __version__
from aiolint.cli.child import Child, WorkerDied
from aiolint.cli.runner import RuleSets, lint_options
from aiolint.engine.model import FileResult, InternalError
from aiolint.engine.registry import SelectionLayer, rules_for
from aiolint.engine.rule import Rule
from aiolint.semantic.context import LintOptions
from aiolint.workspace.config import ConfigError
from aiolint.workspace.hierarchy import ConfigResolver


@lru_cache(maxsize=1)
def _resolver() -> ConfigResolver:
    return ConfigResolver()


@lru_cache(maxsize=256)
def _settings_for(folder: Path, checked: tuple[str, ...]) -> tuple[RuleSets, LintOptions]:
    """The selection and lint options of the files in `folder`; the project is
    found from the paths flake8 checks (`checked`), as `aiolint check` finds it
    from its own (else from `folder`)."""
    from aiolint.project.build import project_for

    try:
        config = _resolver().for_path(folder)
        rule_sets = RuleSets(config, SelectionLayer())
    except ConfigError as exc:
        raise SystemExit(f"aiolint: error: {exc}") from None
    project = project_for(config, list(checked) if checked else str(folder))
    options = lint_options(config, str(folder), project=project)
    return rule_sets, LintOptions(**options)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _engine() -> Child:
    """The worker process this flake8 process checks files in (started on
    the first file): a native crash costs that file, never flake8's run."""
    return Child()


def _lint_here(
    text: str, filename: str, rules: tuple[type[Rule], ...], options: LintOptions
) -> FileResult:
    """In the worker: flake8 handles noqa and never fixes."""
    from aiolint.engine.lint import lint_source

    return lint_source(text, filename, rules, options, apply_noqa=False, resolve_fixes=False)


class Plugin:
    """The flake8 `AIO` extension."""

    name = "aiolint"
    version = __version__
    #: The paths flake8 was given (absolute), where the project is found.
    checked: tuple[str, ...] = ()

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """flake8 hands over its options once, before checking: keep the paths."""
        filenames = [str(f) for f in getattr(options, "filenames", None) or ["."]]
        cls.checked = () if "-" in filenames else tuple(os.path.abspath(f) for f in filenames)

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Plugin]]]:
        path = Path(self.filename)
        folder = path.parent if self.filename not in ("-", "stdin") else Path.cwd()
        rule_sets, options = _settings_for(folder.resolve(), self.checked)
        rules = tuple(rules_for(rule_sets.for_path(path)))
        try:
            result = _engine().call(_lint_here, "".join(self.lines), self.filename, rules, options)
        except WorkerDied as died:
            crash = InternalError(
                self.filename, "worker", f"{died.reason} while checking this file"
            )
            result = FileResult(self.filename, errors=[crash])
        for error in result.errors:  # keep flake8 running; make the failure visible
            yield (
                1,
                0,
                f"AIO000 aiolint internal error in {error.where}: {error.detail}",
                type(self),
            )
        for d in result.diagnostics:
            yield d.start.line, d.start.column - 1, f"{d.code} {d.message}", type(self)

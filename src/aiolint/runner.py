"""Run the engine over many files: discovery, per-file rule sets, worker processes."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from aiolint.config import Config
from aiolint.engine import decode_source, lint_path, lint_source
from aiolint.files import FileFilter, PathMatcher, discover
from aiolint.fixes.apply import FixSettings, detect_encoding, fix_source
from aiolint.fixes.write import unified_diff, write_atomic
from aiolint.model import Diagnostic, FileResult, InternalError
from aiolint.registry import SelectionLayer, resolve_layers
from aiolint.rule import Rule
from aiolint.semantic.context import LintOptions

#: Below this many files, worker processes cost more than they save.
PARALLEL_THRESHOLD = 24


@dataclass(frozen=True, slots=True)
class FixMode:
    """How a run fixes: which fixes, and whether to write files or print diffs."""

    settings: FixSettings
    diff: bool = False


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    files_checked: int = 0
    sources: dict[str, str] = field(default_factory=dict)
    #: Fixed diagnostics per file, by code (with --fix; with --diff: would be fixed).
    fixed: dict[str, Counter[str]] = field(default_factory=dict)
    #: Unified diffs (with --diff), in path order.
    diffs: list[str] = field(default_factory=list)
    #: The fixed source read from stdin (with --fix on stdin).
    stdin_output: bytes | None = None

    def source_line(self, diagnostic: Diagnostic) -> str | None:
        """The physical line a diagnostic starts on (for --show-source)."""
        text = self.sources.get(diagnostic.path)
        if text is None:
            try:
                text = decode_source(Path(diagnostic.path).read_bytes())
            except (OSError, ValueError):
                return None
            self.sources[diagnostic.path] = text
        lines = text.splitlines()
        index = diagnostic.start.line - 1
        return lines[index] if 0 <= index < len(lines) else None

    def add(self, outcome: JobOutcome) -> None:
        self.diagnostics.extend(outcome.result.diagnostics)
        self.errors.extend(outcome.result.errors)
        if outcome.counts:
            self.fixed[outcome.result.path] = outcome.counts
        if outcome.diff:
            self.diffs.append(outcome.diff)


@dataclass
class JobOutcome:
    """One file's lint (or fix) result, as sent back from a worker."""

    result: FileResult
    counts: Counter[str] = field(default_factory=Counter)
    diff: str | None = None
    fixed: bytes | None = None


def display_path(path: Path) -> str:
    """Paths under the working folder print relative to it, others as given."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


class RuleSets:
    """The rules enabled for each file (the run's selection minus per-file ignores)."""

    def __init__(self, config: Config, layer: SelectionLayer) -> None:
        layers = [SelectionLayer(config.select, config.extend_select, config.ignore), layer]
        self._layers = layers
        self.base = resolve_layers(layers)
        self._matchers = [
            (PathMatcher.build(config.root, [entry.pattern]), entry)
            for entry in config.all_per_file_ignores
        ]

    def for_path(self, path: Path) -> list[type[Rule]]:
        ignored = tuple(sorted({c for m, e in self._matchers if m.matches(path) for c in e.codes}))
        return self._with_ignores(ignored) if ignored else self.base

    @lru_cache(maxsize=64)  # noqa: B019 - one RuleSets per run
    def _with_ignores(self, ignored: tuple[str, ...]) -> list[type[Rule]]:
        return resolve_layers([*self._layers, SelectionLayer(ignore=ignored)])


def lint_files(
    paths: Sequence[Path],
    config: Config,
    layer: SelectionLayer,
    *,
    force_exclude: bool = False,
    fix: FixMode | None = None,
) -> RunResult:
    rule_sets = RuleSets(config, layer)
    filters = FileFilter(
        PathMatcher.build(config.root, config.all_excludes), config.respect_gitignore
    )
    options = LintOptions(target_version=config.effective_target)
    files = list(discover(paths, filters, force_exclude=force_exclude))
    jobs = [(path, rule_sets.for_path(path), options, display_path(path), fix) for path in files]
    result = RunResult(files_checked=len(files))
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) >= PARALLEL_THRESHOLD and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(_lint_job, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
    else:
        outcomes = [_lint_job(job) for job in jobs]
    for outcome in outcomes:
        result.add(outcome)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


Job = tuple[Path, list[type[Rule]], LintOptions, str, FixMode | None]


def _lint_job(job: Job) -> JobOutcome:
    path, rules, options, shown, fix = job
    try:
        if fix is None:
            return JobOutcome(lint_path(path, rules, options, display_path=shown))
        return _fix_path(path, rules, options, shown, fix)
    except Exception as exc:  # the engine isolates rules; this guards the engine itself
        result = FileResult(shown)
        result.errors.append(InternalError(shown, "engine", f"{exc.__class__.__name__}: {exc}"))
        return JobOutcome(result)


def _fix_path(
    path: Path, rules: list[type[Rule]], options: LintOptions, shown: str, fix: FixMode
) -> JobOutcome:
    try:
        source = path.read_bytes()
    except OSError:
        return JobOutcome(lint_path(path, rules, options, display_path=shown))
    outcome = _fix(source, shown, rules, options, fix)
    if outcome.fixed is not None and not fix.diff:
        try:
            write_atomic(path, source, outcome.fixed)
        except OSError as exc:
            outcome.result.errors.append(InternalError(shown, "write", str(exc)))
            outcome.counts.clear()
            outcome.result.diagnostics = lint_path(
                path, rules, options, display_path=shown
            ).diagnostics
    return outcome


def _fix(
    source: bytes, shown: str, rules: list[type[Rule]], options: LintOptions, fix: FixMode
) -> JobOutcome:
    fixed = fix_source(source, shown, rules, options, fix.settings)
    result = fixed.result
    if fixed.error is not None:
        result.errors.append(fixed.error)
    outcome = JobOutcome(result, fixed.counts, fixed=fixed.fixed)
    if fixed.fixed is not None and fix.diff:
        encoding = detect_encoding(source)
        outcome.diff = unified_diff(shown, source.decode(encoding), fixed.fixed.decode(encoding))
    return outcome


def lint_stdin(
    source: bytes,
    filename: str,
    config: Config,
    layer: SelectionLayer,
    *,
    fix: FixMode | None = None,
) -> RunResult:
    rules = RuleSets(config, layer).for_path(Path(filename))
    options = LintOptions(target_version=config.effective_target)
    result = RunResult(files_checked=1)
    if fix is None:
        result.add(JobOutcome(lint_source(source, filename, rules, options)))
        text_source = source
    else:
        outcome = _fix(source, filename, rules, options, fix)
        result.add(outcome)
        result.stdin_output = outcome.fixed if outcome.fixed is not None else source
        text_source = result.stdin_output
    with contextlib.suppress(ValueError):
        result.sources[filename] = decode_source(text_source)
    return result

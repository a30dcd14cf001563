"""Run one job: lint a file (or fix it) with the engine.

This is the module that loads LibCST and the rules; the parent process
imports it on the first cache miss (and before starting worker processes, so
forked workers inherit the loaded modules).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiolint.cli.jobs import FixMode, Job, JobOutcome, failed
from aiolint.engine.lint import lint_path, lint_source
from aiolint.engine.model import InternalError
from aiolint.engine.registry import load_rules, rules_for
from aiolint.engine.rule import Rule
from aiolint.fixes.apply import detect_encoding, fix_source
from aiolint.fixes.write import unified_diff, write_atomic
from aiolint.semantic.context import LintOptions
from aiolint.workspace.files import read_source


def preload() -> None:
    """Import every rule module now (before forking workers)."""
    load_rules()


def lint_options(job: Job) -> LintOptions:
    return LintOptions(**dict(job.options))  # type: ignore[arg-type]


def run_job(job: Job) -> JobOutcome:
    """Lint or fix one file; a crash of the engine becomes an internal error."""
    try:
        rules = rules_for(job.codes)
        options = lint_options(job)
        if job.fix is None:
            return _lint(job, rules, options)
        return _fix_path(job.path, rules, options, job.shown, job.fix)
    except Exception as exc:  # the engine isolates rules; this guards the engine itself
        return failed(job, "engine", f"{exc.__class__.__name__}: {exc}")


def run_source(job: Job, source: bytes) -> JobOutcome:
    """Lint or fix `source` (read from stdin) as the file `job` names."""
    rules = rules_for(job.codes)
    options = lint_options(job)
    if job.fix is None:
        return JobOutcome(lint_source(source, job.shown, rules, options, fix_text=job.fix_text))
    return fix_bytes(source, job.shown, rules, options, job.fix)


def run_stdin(item: tuple[Job, bytes]) -> JobOutcome:
    """`run_source` for the pool: the job and the bytes read from stdin."""
    job, source = item
    return run_source(job, source)


def _lint(job: Job, rules: list[type[Rule]], options: LintOptions) -> JobOutcome:
    """Lint the file's bytes, and say which bytes (their hash) for the cache."""
    try:
        source = read_source(job.path)
    except OSError:  # the engine reports why (AIO000)
        return JobOutcome(lint_path(job.path, rules, options, display_path=job.shown))
    outcome = JobOutcome(lint_source(source, job.shown, rules, options, fix_text=job.fix_text))
    outcome.digest = hashlib.sha256(source).hexdigest()
    return outcome


def _fix_path(
    path: Path, rules: list[type[Rule]], options: LintOptions, shown: str, fix: FixMode
) -> JobOutcome:
    try:
        source = read_source(path)
    except OSError:
        return JobOutcome(lint_path(path, rules, options, display_path=shown))
    outcome = fix_bytes(source, shown, rules, options, fix)
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


def fix_bytes(
    source: bytes, shown: str, rules: list[type[Rule]], options: LintOptions, fix: FixMode
) -> JobOutcome:
    """Fix one file's content (stdin, or a file's bytes); with --diff, the diff."""
    fixed = fix_source(source, shown, rules, options, fix.settings)
    result = fixed.result
    if fixed.error is not None:
        result.errors.append(fixed.error)
    outcome = JobOutcome(result, fixed.counts, fixed=fixed.fixed)
    if fixed.fixed is not None and fix.diff:
        encoding = detect_encoding(source)
        outcome.diff = unified_diff(shown, source.decode(encoding), fixed.fixed.decode(encoding))
    return outcome

"""What a worker is given and gives back: one file to lint or fix, its outcome.

Plain data, standard library only: the parent process builds jobs and reads
outcomes (and the cache stores them) without loading the engine, which only
`aiolint.worker` imports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aiolint.fix_settings import FixSettings
from aiolint.model import FileResult, InternalError


@dataclass(frozen=True, slots=True)
class FixMode:
    """How a run fixes: which fixes, and whether to write files or print diffs."""

    settings: FixSettings
    diff: bool = False


@dataclass(frozen=True, slots=True)
class Job:
    """One file: where it is, the path reports show, the enabled codes, the
    `LintOptions` keywords, and how to fix it (None: only lint)."""

    path: Path
    shown: str
    codes: tuple[str, ...]
    options: tuple[tuple[str, object], ...] = ()
    fix: FixMode | None = None


@dataclass
class JobOutcome:
    """One file's lint (or fix) result, as sent back from a worker."""

    result: FileResult
    counts: Counter[str] = field(default_factory=Counter)
    diff: str | None = None
    fixed: bytes | None = None
    #: SHA-256 of the bytes linted (a check run), to cache the result under;
    #: None when the file could not be read.
    digest: str | None = None


def failed(job: Job, where: str, detail: str) -> JobOutcome:
    """The outcome of a file whose check crashed: one internal error."""
    result = FileResult(job.shown)
    result.errors.append(InternalError(job.shown, where, detail))
    return JobOutcome(result)

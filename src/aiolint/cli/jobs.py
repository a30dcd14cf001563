"""What a worker is given and gives back: one file to lint or fix, its outcome.

Plain data, standard library only: the parent process builds jobs and reads
outcomes (and the cache stores them) without loading the engine, which only
`aiolint.cli.worker` imports.
"""

from __future__ import annotations

from collections import Counter

from aiolint.engine.model import FileResult, InternalError
from aiolint.engine.record import MutableRecord, Record
from aiolint.workspace.fix_settings import FixSettings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


class FixMode(Record):
    """How a run fixes: which fixes, and whether to write files or print diffs."""

    __slots__ = _fields = ("settings", "diff")
    settings: FixSettings
    diff: bool

    def __init__(self, settings: FixSettings, diff: bool = False) -> None:
        self._set(settings=settings, diff=diff)


class Job(Record):
    """One file: where it is, the path reports show, the enabled codes, the
    `LintOptions` keywords, how to fix it (None: only lint), and whether the
    report shows the fixes' text (False: their summaries will do, see
    `engine.model.FixSummary`; fixing always computes the text)."""

    __slots__ = _fields = ("path", "shown", "codes", "options", "fix", "fix_text")
    path: Path
    shown: str
    codes: tuple[str, ...]
    options: tuple[tuple[str, object], ...]
    fix: FixMode | None
    fix_text: bool

    def __init__(
        self,
        path: Path,
        shown: str,
        codes: tuple[str, ...],
        options: tuple[tuple[str, object], ...] = (),
        fix: FixMode | None = None,
        fix_text: bool = True,
    ) -> None:
        self._set(path=path, shown=shown, codes=codes, options=options, fix=fix, fix_text=fix_text)


class JobOutcome(MutableRecord):
    """One file's lint (or fix) result, as sent back from a worker."""

    __slots__ = _fields = ("result", "counts", "diff", "fixed", "digest")
    result: FileResult
    counts: Counter[str]
    diff: str | None
    fixed: bytes | None
    #: SHA-256 of the bytes linted (a check run), to cache the result under;
    #: None when the file could not be read.
    digest: str | None

    def __init__(
        self,
        result: FileResult,
        counts: Counter[str] | None = None,
        diff: str | None = None,
        fixed: bytes | None = None,
        digest: str | None = None,
    ) -> None:
        self.result = result
        self.counts = Counter() if counts is None else counts
        self.diff = diff
        self.fixed = fixed
        self.digest = digest


def failed(job: Job, where: str, detail: str) -> JobOutcome:
    """The outcome of a file whose check crashed: one internal error."""
    result = FileResult(job.shown)
    result.errors.append(InternalError(job.shown, where, detail))
    return JobOutcome(result)

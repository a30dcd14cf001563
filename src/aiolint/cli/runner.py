"""Run a check over many files: discovery, per-file codes, the cache, workers.

Standard library only: the engine (`aiolint.cli.worker`) is imported on the first
file the cache cannot answer, so a run served from the cache never loads
LibCST or a rule module.

The files the cache misses run in a `aiolint.cli.pool.Pool` of worker processes,
largest files first: one worker, or, when their bytes add up to enough work to
pay for starting more (`PARALLEL_MIN_BYTES`), up to `jobs`. Even one file (and
stdin) is checked in a worker, so a native crash (LibCST's parser) costs that
file, reported as an internal error, never the run. Results are put back in
discovery order and diagnostics sorted, so the output is the same for any
number of jobs.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache

from aiolint.cli.jobs import FixMode, Job, JobOutcome, failed
from aiolint.cli.progress import Progress
from aiolint.engine.model import Diagnostic, InternalError
from aiolint.workspace.cache import ResultCache
from aiolint.workspace.config import Config
from aiolint.workspace.files import FileFilter, PathMatcher, discover, patterns_source, read_source
from aiolint.workspace.hierarchy import ConfigResolver
from aiolint.workspace.paths import as_posix, relative_posix
from aiolint.workspace.selection import SelectionLayer, resolve_codes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.project.model import ProjectModel
    from aiolint.workspace.paths import StrPath

__all__ = [
    "FixMode",
    "RuleSets",
    "RunResult",
    "default_jobs",
    "files_to_check",
    "lint_files",
    "lint_stdin",
]

#: Below this many bytes of files to lint, starting workers costs more than it
#: saves. Measured on 2 cores: two forked workers are ready in 5-7 ms (the
#: engine is loaded before forking) and each file costs about 60 us of round
#: trip; linting costs 0.2-0.3 us per byte for a file the prefilters skip and
#: 25-40 us per byte for one that reaches LibCST (4 us on average over the
#: corpus of fastapi/starlette/httpx/anyio), so 32 KB is 10 to 1000 ms of work.
PARALLEL_MIN_BYTES = 32_000
#: Each worker started should have at least this much to do.
BYTES_PER_WORKER = 16_000


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


_NO_PROJECT: object = object()


def lint_options(
    config: Config,
    path: StrPath | None = None,
    *,
    project: object = _NO_PROJECT,
    memo: dict[str, dict[str, str]] | None = None,
    nearest: dict[str, dict[str, str]] | None = None,
    resolved: bool = False,
    ignore_noqa: bool = False,
) -> dict[str, object]:
    """The `LintOptions` keywords a file is linted with. Every option that
    changes what rules report comes from here, since these are in the cache
    key. `path`: the file (or a checked path), whose folder's declared library
    versions count; `project`: the run's project model (default: the one found
    from `path`, see `project.build.project_for`); `memo`: the dependency
    files read so far in this run, by folder, and `nearest` what each folder
    and those above declare (see `declared.library_versions`); `resolved`:
    `path` is a folder as it resolves; `ignore_noqa`: `--ignore-noqa`."""
    from aiolint.workspace.declared import library_versions

    if project is _NO_PROJECT:
        from aiolint.project.build import project_for

        project = project_for(config, None if path is None else os.fspath(path))
    return {
        "target_version": config.effective_target,
        "target_explicit": config.target_explicit,
        "peer_noqa": config.peer_noqa,
        "ignore_noqa": ignore_noqa,
        "libraries": ()
        if path is None
        else library_versions(os.fspath(path), memo=memo, nearest=nearest, resolved=resolved),
        "project": project,
    }


class FileSettings:
    """Each file's configuration (`hierarchy.ConfigResolver`), enabled codes
    and lint options, worked out once per folder and configuration: a file
    costs one lookup of its folder (and its per-file ignores, when any)."""

    __slots__ = (
        "_declarations",
        "_folders",
        "_ignore_noqa",
        "_layer",
        "_nearest",
        "_project",
        "_resolver",
        "_rule_sets",
    )

    def __init__(
        self,
        resolver: ConfigResolver,
        layer: SelectionLayer,
        project: ProjectModel | None,
        *,
        ignore_noqa: bool = False,
    ) -> None:
        self._resolver = resolver
        self._ignore_noqa = ignore_noqa
        self._layer = layer
        self._project = project
        self._rule_sets: dict[int, tuple[Config, RuleSets]] = {}
        #: Each folder (as the files name it): its configuration, rule sets, options.
        self._folders: dict[str, tuple[Config, RuleSets, tuple[tuple[str, object], ...]]] = {}
        #: What each folder's dependency files declare, read once per run.
        self._declarations: dict[str, dict[str, str]] = {}
        #: What each folder and those above it declare (`declared.library_versions`).
        self._nearest: dict[str, dict[str, str]] = {}

    def _folder(self, path: StrPath) -> tuple[Config, RuleSets, tuple[tuple[str, object], ...]]:
        folder = os.path.dirname(os.fspath(path)) or "."
        found = self._folders.get(folder)
        if found is None:
            resolved = os.path.realpath(folder)  # once for the configuration and the options
            config = self._resolver.for_folder(resolved)
            held = self._rule_sets.get(id(config))
            if held is None:  # the config is kept with its rule sets: its id stays its own
                held = self._rule_sets[id(config)] = (config, RuleSets(config, self._layer))
            found = self._folders[folder] = (config, held[1], self._options_of(config, resolved))
        return found

    def config(self, path: StrPath) -> Config:
        return self._folder(path)[0]

    def codes(self, path: StrPath) -> tuple[str, ...]:
        return self._folder(path)[1].for_path(path)

    def options(self, path: StrPath) -> tuple[tuple[str, object], ...]:
        return self._folder(path)[2]

    def _options_of(self, config: Config, folder: str) -> tuple[tuple[str, object], ...]:
        """The lint options of the files in `folder`, a folder as it resolves."""
        found = lint_options(
            config,
            folder,
            project=self._project,
            memo=self._declarations,
            nearest=self._nearest,
            resolved=True,
            ignore_noqa=self._ignore_noqa,
        )
        return tuple(found.items())


class RunResult:
    """What a run found, fixed and read, for the report."""

    __slots__ = (
        "cached",
        "diagnostics",
        "diffs",
        "errors",
        "files_checked",
        "fixed",
        "sources",
        "stdin_output",
    )
    diagnostics: list[Diagnostic]
    errors: list[InternalError]
    files_checked: int
    sources: dict[str, str]
    #: Fixed diagnostics per file, by code (with --fix; with --diff: would be fixed).
    fixed: dict[str, Counter[str]]
    #: Unified diffs (with --diff), in path order.
    diffs: list[str]
    #: The fixed source read from stdin (with --fix on stdin).
    stdin_output: bytes | None
    #: Files answered by the cache.
    cached: int

    def __init__(self, files_checked: int = 0) -> None:
        self.diagnostics = []
        self.errors = []
        self.files_checked = files_checked
        self.sources = {}
        self.fixed = {}
        self.diffs = []
        self.stdin_output = None
        self.cached = 0

    def source_text(self, diagnostic: Diagnostic) -> str | None:
        """The decoded source of a diagnostic's file (None when unreadable)."""
        text = self.sources.get(diagnostic.path)
        if text is None:
            from aiolint.engine.decoding import decode_source

            try:
                text = decode_source(read_source(diagnostic.path))
            except (OSError, ValueError):
                return None
            self.sources[diagnostic.path] = text
        return text

    def source_line(self, diagnostic: Diagnostic) -> str | None:
        """The physical line a diagnostic starts on (for --show-source)."""
        text = self.source_text(diagnostic)
        if text is None:
            return None
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


def display_path(path: str, cwd: str | None = None) -> str:
    """Paths under the working folder (`cwd`, default `os.getcwd()`) print
    relative to it, others as given (`path` spelled as `str(Path(path))`)."""
    if not os.path.isabs(path):
        return as_posix(path)  # relative to the working folder already
    shown = relative_posix(path, os.getcwd() if cwd is None else cwd)
    return path if shown is None else shown


class RuleSets:
    """The codes enabled for each file (the run's selection minus per-file ignores)."""

    def __init__(self, config: Config, layer: SelectionLayer) -> None:
        layers = [SelectionLayer(config.select, config.extend_select, config.ignore), layer]
        self._layers = layers
        self.base = resolve_codes(layers)
        source = patterns_source(config, "per-file-ignores")
        self._matchers = [
            (PathMatcher.build(config.root, [entry.pattern], source), entry)
            for entry in config.all_per_file_ignores
        ]

    def for_path(self, path: StrPath) -> tuple[str, ...]:
        if not self._matchers:
            return self.base
        name, resolved = os.path.basename(path), os.path.realpath(path)
        matched = [e for m, e in self._matchers if m.matches_resolved(name, resolved)]
        codes = {code for entry in matched for code in entry.codes}
        return self._with_ignores(tuple(sorted(codes))) if codes else self.base

    @lru_cache(maxsize=64)  # noqa: B019 - one RuleSets per run
    def _with_ignores(self, ignored: tuple[str, ...]) -> tuple[str, ...]:
        return resolve_codes([*self._layers, SelectionLayer(ignore=ignored)])


def _size(path: StrPath) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def plan_workers(sizes: Sequence[int], jobs: int) -> int:
    """How many worker processes the files of these sizes are worth (0: just
    the one that isolates the run from a crash)."""
    total = sum(sizes)
    if jobs < 2 or len(sizes) < 2 or total < PARALLEL_MIN_BYTES:
        return 0
    return min(jobs, len(sizes), max(2, total // BYTES_PER_WORKER))


def _crashed(job: Job, reason: str) -> JobOutcome:
    return failed(job, "worker", f"{reason} while checking this file")


def _stdin_crashed(item: tuple[Job, bytes], reason: str) -> JobOutcome:
    return _crashed(item[0], reason)


def run_jobs(
    jobs: Sequence[Job],
    workers: int,
    on_result: Callable[[int, JobOutcome], None],
    tick: Callable[[], None] | None = None,
) -> None:
    """Run every job in worker processes (one when `workers` is 0), largest file first."""
    from aiolint.cli import worker  # the engine: LibCST and the rules
    from aiolint.cli.pool import Pool

    worker.preload()  # before forking, so workers inherit it
    sizes = [_size(job.path) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda i: (-sizes[i], i))
    Pool(worker.run_job, _crashed, workers=max(1, workers)).run(jobs, order, on_result, tick)


class ConfigFilter:
    """`files.FileFilter` with each folder's own configuration: an entry is
    skipped by the `exclude` and `respect-gitignore` of the configuration of
    the folder it sits in (as ruff excludes during its walk)."""

    __slots__ = ("_by_folder", "_filters", "_resolver")

    def __init__(self, resolver: ConfigResolver) -> None:
        self._resolver = resolver
        self._filters: dict[int, tuple[Config, FileFilter]] = {}
        self._by_folder: dict[str, FileFilter] = {}

    def _filter(self, folder: str) -> FileFilter:
        found = self._by_folder.get(folder)
        if found is None:
            found = self._by_folder[folder] = self._filter_of(folder)
        return found

    def _filter_of(self, folder: str) -> FileFilter:
        config = self._resolver.for_folder(folder)
        held = self._filters.get(id(config))
        if held is None:
            held = self._filters[id(config)] = (config, FileFilter.of(config))
        return held[1]

    def skip(self, path: StrPath, is_dir: bool) -> bool:
        return self.skip_resolved(os.path.basename(path), os.path.realpath(path), is_dir)

    def skip_resolved(self, name: str, resolved: str, is_dir: bool) -> bool:
        return self._filter(os.path.dirname(resolved)).skip_resolved(name, resolved, is_dir)

    def in_folder(self, folder: str) -> Callable[[str, str, bool], bool]:
        return self._filter(folder).in_folder(folder)

    def skip_explicit(self, path: StrPath, is_dir: bool) -> bool:
        folder = os.path.dirname(os.path.realpath(path))
        return self._filter(folder).skip_explicit(path, is_dir)


def files_to_check(
    paths: Sequence[StrPath],
    config: Config,
    *,
    force_exclude: bool = False,
    resolver: ConfigResolver | None = None,
) -> list[str]:
    """The files a check of `paths` lints, in discovery order (`--show-files`
    too): with `resolver`, each folder's own configuration decides what is
    excluded in it; without, `config` everywhere."""
    filters: FileFilter | ConfigFilter = (
        ConfigFilter(resolver) if resolver is not None else FileFilter.of(config)
    )
    return list(discover(paths, filters, force_exclude=force_exclude))


def lint_files(
    paths: Sequence[StrPath],
    config: Config,
    layer: SelectionLayer,
    *,
    force_exclude: bool = False,
    fix: FixMode | None = None,
    cache: ResultCache | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    resolver: ConfigResolver | None = None,
    ignore_noqa: bool = False,
    fix_text: bool = True,
) -> RunResult:
    """Check (or fix) the files under `paths`; `cache` answers what it can
    (check runs only: a fixing run never reads or writes it). Each file is
    checked with its own configuration (`resolver`; default: `config` for
    every file); `config` decides which files are found. `fix_text=False`:
    the report shows no fix edits, and the fixes of a check run come as
    summaries (`engine.model.FixSummary`), their text never generated."""
    from aiolint.project.build import project_for

    project = project_for(config, [os.fspath(p) for p in paths])
    settings = FileSettings(
        resolver or ConfigResolver.fixed(config), layer, project, ignore_noqa=ignore_noqa
    )
    files = files_to_check(paths, config, force_exclude=force_exclude, resolver=resolver)
    cache = cache if fix is None else None
    result = RunResult(files_checked=len(files))
    progress = progress or Progress(len(files), enabled=False)
    progress.total = len(files)
    outcomes: list[JobOutcome | None] = [None] * len(files)
    missed: list[int] = []
    todo: list[tuple[str, str, tuple[str, ...], tuple[tuple[str, object], ...]]] = []
    cwd = os.getcwd()
    for index, path in enumerate(files):
        shown, codes = display_path(path, cwd), settings.codes(path)
        options = settings.options(path)
        hit = None
        if cache is not None:
            hit = cache.lookup(path, shown, codes, options, fix_text=fix_text)
        if hit is not None:
            outcomes[index] = JobOutcome(hit)
            progress.advance()
        else:
            missed.append(index)
            todo.append((path, shown, codes, options))
    result.cached = len(files) - len(missed)
    work: list[Job] = []
    if todo:
        from pathlib import Path  # a job names its file with a Path, as the engine takes it

        work = [
            Job(Path(path), shown, codes, options, fix, fix_text)
            for path, shown, codes, options in todo
        ]

    def done(position: int, outcome: JobOutcome) -> None:
        job = work[position]
        outcomes[missed[position]] = outcome
        if cache is not None and outcome.digest is not None:
            cache.store(job.path, job.shown, job.codes, outcome.digest, outcome.result, job.options)
        progress.advance()

    try:
        if work:
            workers = plan_workers([_size(job.path) for job in work], jobs)
            run_jobs(work, workers, done, progress.tick)
    finally:
        progress.clear()
    if cache is not None:
        cache.save()
        if cache.stores:
            cache.prune()
    for outcome in outcomes:
        if outcome is not None:
            result.add(outcome)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


def lint_stdin(
    source: bytes,
    filename: str,
    config: Config,
    layer: SelectionLayer,
    *,
    fix: FixMode | None = None,
    resolver: ConfigResolver | None = None,
    ignore_noqa: bool = False,
    fix_text: bool = True,
) -> RunResult:
    """Check (or fix) `source`, read from stdin, as the file `filename` (never
    cached), with the configuration `resolver` gives that file (default:
    `config`); `fix_text` as for `lint_files`."""
    from pathlib import Path

    from aiolint.cli import worker
    from aiolint.cli.pool import Pool

    if filename != "-" and resolver is not None:
        config = resolver.for_path(filename)
    codes = RuleSets(config, layer).for_path(Path(filename))
    options = lint_options(config, filename if filename != "-" else None, ignore_noqa=ignore_noqa)
    job = Job(Path(filename), filename, codes, tuple(options.items()), fix, fix_text)
    result = RunResult(files_checked=1)
    outcomes: list[JobOutcome] = []
    worker.preload()
    # in a worker, as files are: a native crash is reported, not the run's end
    Pool(worker.run_stdin, _stdin_crashed, workers=1).run(
        [(job, source)], [0], lambda _, outcome: outcomes.append(outcome)
    )
    (outcome,) = outcomes
    result.add(outcome)
    text_source = source
    if fix is not None:
        result.stdin_output = outcome.fixed if outcome.fixed is not None else source
        text_source = result.stdin_output
    from aiolint.engine.decoding import decode_source

    with contextlib.suppress(ValueError):
        result.sources[filename] = decode_source(text_source)
    return result

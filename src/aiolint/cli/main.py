"""The `aiolint` command: `check`, `rule`, `rules`, `clean`, `server`, `version`.

Exit codes (ruff's): 0 no findings, 1 findings, 2 usage, config or internal error.
Standard library only up to the first file the cache cannot answer (the
engine, LibCST and the rules load then), so `aiolint --version` and a run
served from the cache start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from aiolint import __version__
from aiolint.cli.color import CHOICES as COLOR_CHOICES
from aiolint.cli.color import use_color
from aiolint.cli.progress import Progress, wanted
from aiolint.cli.runner import (
    FixMode,
    RuleSets,
    RunResult,
    default_jobs,
    files_to_check,
    lint_files,
    lint_stdin,
)
from aiolint.engine.codes import CODES
from aiolint.engine.model import Diagnostic
from aiolint.reporters import FIX_TEXT_FORMATS, FORMATS, ReportContext
from aiolint.reporters.output import OutputFileError, report_stream
from aiolint.reporters.summary import summary, write_fixes
from aiolint.workspace.cache import ResultCache
from aiolint.workspace.cache_dir import cache_disabled, cache_root, clean
from aiolint.workspace.config import (
    Config,
    ConfigError,
    parse_per_file_ignores,
    parse_target_version,
)
from aiolint.workspace.config_args import ConfigArguments
from aiolint.workspace.fix_settings import FixSettings
from aiolint.workspace.hierarchy import ConfigResolver
from aiolint.workspace.paths import absolute, normalized
from aiolint.workspace.selection import SelectionLayer, UnknownSelectorError, resolve_codes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn, TextIO

    from aiolint.cli.verbose import Verbose

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _append_codes(namespace_list: list[str] | None, value: str) -> list[str]:
    return [*(namespace_list or []), *_codes(value)]


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes >= 1, got {value!r}")
    return jobs


class _CommaList(argparse.Action):
    """`--select AIO1,AIO2 --select AIO3` -> ["AIO1", "AIO2", "AIO3"]."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, _append_codes(getattr(namespace, self.dest), str(values)))


def _terminal_columns() -> int:
    """`shutil.get_terminal_size().columns`: $COLUMNS, else the width of the
    terminal on stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout at the width argparse would choose. argparse
    imports shutil to find it, in every formatter, and builds one per
    `add_argument`: that import is a few percent of a run served from the cache."""

    def __init__(self, prog: str, **kwargs: Any) -> None:
        kwargs.setdefault("width", _terminal_columns() - 2)
        super().__init__(prog, **kwargs)


class _Parser(argparse.ArgumentParser):
    """argparse, reporting a wrong argument with the usage of the command it was
    given to (`aiolint check --bogus`: `aiolint check`'s usage), as ruff does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The subcommands' parsers, by name (on the top-level parser).
        self.commands: dict[str, _Parser] = {}
        #: A subcommand's parser reports arguments it does not know itself
        #: (argparse would leave them to the top-level parser and its usage).
        self.strict = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self.strict:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(
            EXIT_ERROR,
            f"{self.prog}: error: {message}\nFor more information, try '{self.prog} --help'.\n",
        )


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command takes, before or after its name (ruff's global
    options and log levels: `aiolint --config X check` = `aiolint check --config
    X`), on the top-level parser (`top`) or a command's. A
    command's leave what is not given on its command line unset (SUPPRESS), so
    the value given before the command stands; its `--config` values are kept
    apart (`sub_config`) and appended to those given before the command."""
    unset: Any = argparse.SUPPRESS

    logs = parser.add_argument_group("log levels")
    for short, name, text in (
        ("-v", "verbose", "also print, on stderr, the configuration used, the files and timings"),
        ("-q", "quiet", "print diagnostics, nothing else"),
        ("-s", "silent", "print nothing (the exit code still tells: 1 on findings)"),
    ):
        logs.add_argument(
            short, f"--{name}", action="store_true", default=False if top else unset, help=text
        )
    options = parser.add_argument_group("global options")
    options.add_argument(
        "--config",
        action="append",
        dest="config" if top else "sub_config",
        default=None if top else unset,
        metavar="CONFIG_OPTION",
        help="a pyproject.toml or aiolint.toml to use, or a TOML 'KEY = VALUE' override "
        "(may be repeated; overrides win over the file)",
    )
    options.add_argument(
        "--isolated",
        action="store_true",
        default=False if top else unset,
        help="ignore all configuration files",
    )
    options.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto" if top else unset,
        help="paint text, concise, full and grouped output (auto: on a terminal)",
    )


def build_parser() -> _Parser:
    parser = _Parser(
        prog="aiolint",
        usage="%(prog)s [OPTIONS] COMMAND ...",
        description="A linter for async Python backends (asyncio, FastAPI, SQLAlchemy 2.0).",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"aiolint {__version__}")
    _global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, summary: str, usage: str = "") -> _Parser:
        made = sub.add_parser(
            name,
            prog=f"aiolint {name}",
            help=summary,
            usage=f"%(prog)s [OPTIONS]{usage}",
            formatter_class=_HelpFormatter,
        )
        assert isinstance(made, _Parser)
        made.strict = True
        parser.commands[name] = made
        return made

    check = command("check", "lint files and folders (default: .)", " [PATH ...]")
    check.add_argument(
        "paths", nargs="*", type=normalized, metavar="PATH", help="files or folders; - for stdin"
    )
    rules_group = check.add_argument_group("rule selection")
    rules_group.add_argument(
        "--select", action=_CommaList, metavar="CODES", help="enable only these codes or prefixes"
    )
    rules_group.add_argument(
        "--extend-select", action=_CommaList, metavar="CODES", help="enable these in addition"
    )
    rules_group.add_argument(
        "--ignore", action=_CommaList, metavar="CODES", help="disable these codes or prefixes"
    )
    rules_group.add_argument(
        "--per-file-ignores",
        metavar="PATTERN:CODES",
        help="e.g. 'tests/*:AIO201,AIO202 scripts/*:AIO3' (replaces config)",
    )
    rules_group.add_argument(
        "--extend-per-file-ignores",
        metavar="PATTERN:CODES",
        help="like --per-file-ignores, added to the config's",
    )
    files_group = check.add_argument_group("file selection")
    files_group.add_argument(
        "--exclude", action=_CommaList, metavar="PATTERNS", help="replace the exclude list"
    )
    files_group.add_argument(
        "--extend-exclude", action=_CommaList, metavar="PATTERNS", help="add exclude patterns"
    )
    files_group.add_argument(
        "--force-exclude",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="apply excludes to files named on the command line too (for pre-commit)",
    )
    files_group.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip .gitignore'd files",
    )
    files_group.add_argument(
        "--stdin-filename", metavar="PATH", help="the name of the file read from stdin"
    )
    fixes = check.add_argument_group("fixes")
    fixes.add_argument(
        "--fix", action=argparse.BooleanOptionalAction, default=None, help="apply safe fixes"
    )
    fixes.add_argument(
        "--unsafe-fixes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also apply (with --fix) or show unsafe fixes",
    )
    fixes.add_argument(
        "--diff", action="store_true", help="print the fixes as unified diffs; write nothing"
    )
    fixes.add_argument(
        "--fix-only",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="apply fixes, do not report what is left",
    )
    fixes.add_argument(
        "--show-fixes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="list what was fixed, per file",
    )
    fixes.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when something was fixed, even if nothing is left",
    )
    fixes.add_argument(
        "--fixable", action=_CommaList, metavar="CODES", help="only these codes may be fixed"
    )
    fixes.add_argument(
        "--extend-fixable", action=_CommaList, metavar="CODES", help="add to the fixable codes"
    )
    fixes.add_argument(
        "--unfixable", action=_CommaList, metavar="CODES", help="never fix these codes"
    )
    settings = check.add_argument_group("settings")
    settings.add_argument(
        "--target-version", metavar="VERSION", help="py310, py311, py312, py313 or py314"
    )
    settings.add_argument(
        "--ignore-noqa",
        action="store_true",
        help="ignore every noqa comment, inline and file-wide (`# aiolint: noqa`)",
    )
    settings.add_argument(
        "--show-settings",
        action="store_true",
        help="print the settings the first file is checked with, and exit",
    )
    settings.add_argument(
        "--show-files", action="store_true", help="print the files a check would lint, and exit"
    )
    run = check.add_argument_group("cache and processes")
    run.add_argument(
        "-n", "--no-cache", action="store_true", help="neither read nor write the result cache"
    )
    run.add_argument(
        "--cache-dir",
        type=normalized,
        metavar="PATH",
        help="the cache folder (default: .aiolint_cache)",
    )
    run.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        metavar="N",
        help="worker processes (default: the CPU count; 1: none)",
    )
    output = check.add_argument_group("output")
    output.add_argument(
        "--show-source",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the source line and a caret",
    )
    output.add_argument(
        "--output-format",
        choices=list(FORMATS),
        default=None,
        help=f"{', '.join(FORMATS)} (default: text)",
    )
    output.add_argument(
        "-o",
        "--output-file",
        type=normalized,
        metavar="PATH",
        help="write the report to PATH, not stdout",
    )
    output.add_argument(
        "--statistics", action="store_true", help="print a count per code instead of the findings"
    )
    output.add_argument(
        "-w",
        "--watch",
        action="store_true",
        help="check again whenever a Python or configuration file changes (Ctrl-C ends it)",
    )
    output.add_argument(
        "-e", "--exit-zero", action="store_true", help="exit 0 even when there are findings"
    )

    adopt = check.add_argument_group("new code only")
    adopt.add_argument(
        "--baseline",
        type=normalized,
        metavar="FILE",
        help="report only findings FILE does not record",
    )
    adopt.add_argument(
        "--write-baseline",
        type=normalized,
        metavar="FILE",
        help="record the current findings in FILE",
    )
    adopt.add_argument(
        "--since", metavar="REF", help="report only findings on lines changed since a git ref"
    )
    adopt.add_argument(
        "--add-noqa", action="store_true", help="add `# noqa: CODE` to every current finding"
    )

    rule = command("rule", "show a rule's documentation (or every rule's)", " <CODE|NAME|--all>")
    which = rule.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "code", nargs="?", metavar="CODE|NAME", help="a rule's code or name: AIO201, blocking-sleep"
    )
    which.add_argument("--all", action="store_true", help="every rule's documentation")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")
    command("rules", "list all rules")
    clean_cmd = command("clean", "remove the result cache")
    clean_cmd.add_argument("--cache-dir", type=normalized, metavar="PATH", help="the cache folder")
    command("server", "run the language server on stdio (for editors)")
    version = command("version", "print aiolint's version")
    version.add_argument("--output-format", choices=("text", "json"), default="text")
    for made in parser.commands.values():
        _global_options(made, top=False)
    return parser


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line, with the global options given before the command and
    after it merged (after it wins; `--config` values add up, in order)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.config = [*(args.config or ()), *getattr(args, "sub_config", ())] or None
    levels = [name for name in ("verbose", "quiet", "silent") if getattr(args, name)]
    if len(levels) > 1:
        where = parser.commands.get(args.command or "", parser)
        where.error(f"--{levels[0]} does not go with --{levels[1]}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        if args.command == "check":
            return _watch(args) if args.watch else _check(args)
        if args.command == "rule":
            return _rule(args.code, every=args.all, output_format=args.output_format)
        if args.command == "rules":
            return _rules()
        if args.command == "clean":
            return _clean(args)
        if args.command == "server":
            return _server()
        if args.command == "version":
            return _version(args.output_format)
        build_parser().print_help(sys.stderr)
        return EXIT_ERROR
    except _user_errors() as exc:
        print(f"aiolint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback: report and exit 2
        print(f"aiolint: internal error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _user_errors() -> tuple[type[Exception], ...]:
    """The errors reported as `aiolint: error: ...`, not as internal errors.
    Called only when something was raised: `--baseline` and `--since` are
    imported when a run uses them, not on every start."""
    from aiolint.cli.baseline import BaselineError
    from aiolint.cli.since import SinceError

    return (ConfigError, UnknownSelectorError, OutputFileError, BaselineError, SinceError)


def _resolver(args: argparse.Namespace, *, flags: bool = True) -> ConfigResolver:
    """Each file's configuration (`hierarchy`): `--isolated`, `--config FILE`
    for every file, or the closest configuration file; then the `--config`
    overrides and (with `flags`) the command-line flags over each."""
    config_args = ConfigArguments.parse(args.config, isolated=args.isolated)

    def adjust(config: Config) -> Config:
        config = config_args.apply(config)
        return _apply_flags(args, config) if flags else config

    return ConfigResolver(adjust, config_file=config_args.file, isolated=args.isolated)


def _start(paths: Sequence[str]) -> str:
    """Where the run's own settings (output, cache, excludes) are looked for:
    the common folder of the checked paths, else the working folder."""
    start = normalized(os.path.commonpath([absolute(p) for p in paths])) if paths else os.getcwd()
    return start if os.path.exists(start) else os.getcwd()


def _find_config(args: argparse.Namespace, paths: Sequence[str]) -> Config:
    """The configuration file's settings for the checked paths (`--isolated`,
    `--config`, or the closest configuration), with the `--config` overrides."""
    return _resolver(args, flags=False).for_path(_start(paths))


def _apply_flags(args: argparse.Namespace, config: Config) -> Config:
    """`config` with the command-line flags applied over it (they win)."""
    updates: dict[str, object] = {}
    try:
        if args.target_version is not None:
            updates["target_version"] = parse_target_version(args.target_version)
        if args.per_file_ignores is not None:
            updates["per_file_ignores"] = parse_per_file_ignores(args.per_file_ignores)
        if args.extend_per_file_ignores is not None:
            updates["extend_per_file_ignores"] = (
                config.extend_per_file_ignores
                + parse_per_file_ignores(args.extend_per_file_ignores)
            )
    except ConfigError as exc:
        raise ConfigError(f"command line: {exc}") from None
    if args.exclude is not None:
        updates["exclude"] = tuple(args.exclude)
    if args.extend_exclude is not None:
        updates["extend_exclude"] = config.extend_exclude + tuple(args.extend_exclude)
    if args.respect_gitignore is not None:
        updates["respect_gitignore"] = args.respect_gitignore
    if args.show_source is not None:
        updates["show_source"] = args.show_source
    if args.output_format is not None:
        updates["output_format"] = args.output_format
    for flag in ("fix", "unsafe_fixes", "show_fixes"):
        if getattr(args, flag) is not None:
            updates[flag] = getattr(args, flag)
    if args.fixable is not None:
        updates["fixable"] = tuple(args.fixable)
    if args.extend_fixable is not None:
        updates["extend_fixable"] = config.extend_fixable + tuple(args.extend_fixable)
    if args.unfixable is not None:
        updates["unfixable"] = config.unfixable + tuple(args.unfixable)
    return config.replace(**updates)


def _check(args: argparse.Namespace) -> int:
    raw_paths: list[str] = list(args.paths)  # spelled as str(Path(...)): see build_parser
    stdin = args.stdin_filename is not None and (not raw_paths or raw_paths == ["-"])
    stdin = stdin or raw_paths == ["-"]
    paths = [] if stdin else (raw_paths or ["."])
    config_paths = [normalized(args.stdin_filename)] if stdin and args.stdin_filename else paths
    resolver = _resolver(args)
    config = resolver.for_path(_start(config_paths))
    from aiolint.project.build import set_record_cache  # the project model's records

    set_record_cache(None)  # kept only by a run that uses the result cache (_open_cache)
    layer = SelectionLayer(args.select, tuple(args.extend_select or ()), tuple(args.ignore or ()))
    if stdin and (args.since or args.add_noqa):
        raise ConfigError("command line: --since and --add-noqa do not read stdin")
    if args.add_noqa and (args.fix or args.diff or args.fix_only or args.write_baseline):
        raise ConfigError(
            "command line: --add-noqa does not go with --fix, --diff, --fix-only, --write-baseline"
        )
    if args.write_baseline and args.diff:
        raise ConfigError("command line: --write-baseline does not go with --diff")
    _check_statistics(args, config)
    if args.show_files or args.show_settings:
        return _show(args, config, layer, paths, stdin, resolver)
    verbose = _verbose(args, config) if args.verbose else None
    jobs = args.jobs or default_jobs()
    try:
        fix = None if args.add_noqa else _fix_mode(config, args)
        fix_text = _needs_fix_text(args, config, fix)
        if stdin:
            result = lint_stdin(
                sys.stdin.buffer.read(),
                args.stdin_filename or "-",
                config,
                layer,
                fix=fix,
                resolver=resolver,
                ignore_noqa=args.ignore_noqa,
                fix_text=fix_text,
            )
        else:
            cache = None if fix is not None else _open_cache(args, config)
            if verbose is not None:
                verbose.log(f"Cache: {cache.root}" if cache is not None else "Cache: not used")
                verbose.files(paths, config, resolver, force_exclude=args.force_exclude)
            quiet = args.quiet or args.silent
            result = lint_files(
                paths,
                config,
                layer,
                force_exclude=args.force_exclude,
                fix=fix,
                cache=cache,
                jobs=jobs,
                progress=Progress(stream=sys.stderr, enabled=wanted(sys.stderr, quiet)),
                resolver=resolver,
                ignore_noqa=args.ignore_noqa,
                fix_text=fix_text,
            )
    except UnknownSelectorError as exc:
        raise ConfigError(f"command line: {exc}") from None
    if verbose is not None:
        verbose.done(result, 1 if stdin else jobs)
    done = _new_code_only(result, args, paths)
    return done if done is not None else _report(result, config, args, fix, stdin)


def _needs_fix_text(args: argparse.Namespace, config: Config, fix: FixMode | None) -> bool:
    """Whether the run needs its fixes' text: to apply or diff them, or for a
    report printing their edits (`FIX_TEXT_FORMATS`); any other report (and
    `--statistics`) needs only their summaries, which cost no code generation."""
    if fix is not None:
        return True
    return not args.statistics and config.output_format in FIX_TEXT_FORMATS


def _verbose(args: argparse.Namespace, config: Config) -> Verbose:
    """`-v`: the configuration the run starts from, on stderr (then the files,
    the cache and the timings)."""
    from aiolint.cli.verbose import Verbose

    verbose = Verbose(sys.stderr)
    overrides = ConfigArguments.parse(args.config, isolated=args.isolated).overrides
    verbose.settings(config, isolated=args.isolated, overrides=[text for text, _ in overrides])
    return verbose


def _watch(args: argparse.Namespace) -> int:
    """`check --watch`: check, then again on each change (`cli.watch`). A
    configuration or usage error in between is reported, and the watch goes on."""
    if args.paths == ["-"] or args.stdin_filename is not None:
        raise ConfigError("command line: --watch does not read stdin")
    if args.add_noqa or args.write_baseline or args.show_files or args.show_settings:
        raise ConfigError(
            "command line: --watch does not go with --add-noqa, --write-baseline, "
            "--show-files or --show-settings"
        )
    from aiolint.cli.watch import watch, watched_folders

    paths = list(args.paths) or ["."]
    resolver = _resolver(args)
    sources = [resolver.for_path(path).source for path in paths]
    explicit = ConfigArguments.parse(args.config, isolated=args.isolated).file
    errors = _user_errors()

    def once() -> None:
        try:
            _check(args)
        except errors as exc:
            print(f"aiolint: error: {exc}", file=sys.stderr)
        sys.stderr.flush()

    folders = watched_folders(paths, [*sources, explicit])
    if not folders:
        raise ConfigError(f"command line: --watch: no such folder or file: {' '.join(paths)}")
    caches = {cache_root(args.cache_dir, resolver.for_path(path)) for path in paths}
    return watch(once, folders, sys.stdout, ignore=sorted(caches))


def _check_statistics(args: argparse.Namespace, config: Config) -> None:
    """`--statistics` prints a table (text, concise, full) or JSON, as ruff's does."""
    if not args.statistics:
        return
    from aiolint.reporters.statistics import STATISTICS_FORMATS

    if args.diff or args.add_noqa:
        raise ConfigError("command line: --statistics does not go with --diff or --add-noqa")
    if config.output_format not in STATISTICS_FORMATS:
        raise ConfigError(
            f"command line: --statistics prints {', '.join(STATISTICS_FORMATS[:-1])} or "
            f"{STATISTICS_FORMATS[-1]}, not the {config.output_format} output format"
        )


def _show(
    args: argparse.Namespace,
    config: Config,
    layer: SelectionLayer,
    paths: list[str],
    stdin: bool,
    resolver: ConfigResolver,
) -> int:
    """`--show-files`, `--show-settings`: print, lint nothing, exit 0 (the
    settings are those of the first file, from its own configuration)."""
    from aiolint.cli.show import write_files, write_settings

    if args.show_files and args.show_settings:
        raise ConfigError("command line: --show-files does not go with --show-settings")
    if stdin or args.add_noqa or args.statistics:
        raise ConfigError(
            "command line: --show-files and --show-settings do not go with stdin, "
            "--add-noqa or --statistics"
        )
    files = files_to_check(paths, config, force_exclude=args.force_exclude, resolver=resolver)
    if files and args.show_settings:
        from aiolint.cli.show import absolute_sorted

        config = resolver.for_path(absolute_sorted(files)[0])
    try:
        rule_sets = RuleSets(config, layer)
    except UnknownSelectorError as exc:
        raise ConfigError(f"command line: {exc}") from None
    if args.show_files:
        if not files:
            print("aiolint: warning: No Python files found under the given paths", file=sys.stderr)
        write_files(sys.stdout, files)
        return EXIT_CLEAN
    try:
        write_settings(
            sys.stdout,
            config,
            rule_sets,
            files,
            isolated=args.isolated,
            cache_dir=cache_root(args.cache_dir, config),
            force_exclude=args.force_exclude,
            fix_only=args.fix_only,
        )
    except LookupError as exc:
        raise ConfigError(str(exc)) from None
    return EXIT_CLEAN


def _open_cache(args: argparse.Namespace, config: Config) -> ResultCache | None:
    """The result cache for a check run, unless turned off; a cache that cannot
    be created only costs a warning. Each file's own lint options are in its
    entries' keys (`runner.FileSettings`)."""
    if cache_disabled(args.no_cache):
        return None
    root = cache_root(args.cache_dir, config)
    from aiolint.project.build import set_record_cache

    set_record_cache(root)
    try:
        return ResultCache.open(root, {})
    except OSError as exc:
        print(
            f"aiolint: warning: not caching: cannot create {root}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return None


def _new_code_only(result: RunResult, args: argparse.Namespace, paths: list[str]) -> int | None:
    """--since and --baseline drop old findings; --write-baseline and --add-noqa
    act on what is left and end the run (their exit code); None: report as usual."""
    chosen = (args.since, args.write_baseline, args.baseline)
    if all(option is None for option in chosen) and not args.add_noqa:
        return None
    from pathlib import Path  # these options read files: not on every run

    if args.since is not None:
        from aiolint.cli.since import changed_lines, since_filter

        changed = changed_lines(args.since, [Path(p) for p in paths])
        result.diagnostics = since_filter(result.diagnostics, changed)
    if args.write_baseline is None and args.baseline is None and not args.add_noqa:
        return None
    from aiolint.cli.baseline import (
        entries_for,
        lines_reader,
        new_diagnostics,
        read_baseline,
        write_baseline,
    )

    lines_of = lines_reader(result.sources)
    if args.write_baseline is not None:
        entries = entries_for(result.diagnostics, lines_of, Path.cwd())
        write_baseline(Path(args.write_baseline), entries)
        message = f"Wrote {_plural(len(entries), 'finding')} to {args.write_baseline}."
        failed = False
    else:
        if args.baseline is not None:
            recorded = read_baseline(Path(args.baseline))
            result.diagnostics = new_diagnostics(result.diagnostics, recorded, lines_of, Path.cwd())
        if not args.add_noqa:
            return None
        from aiolint.cli.add_noqa import add_noqa

        noqa = add_noqa(result.diagnostics)
        for path, reason in noqa.failed.items():
            print(f"aiolint: error: {path}: no noqa added: {reason}", file=sys.stderr)
        message = f"Added {_plural(noqa.count, 'noqa directive')}."
        failed = bool(noqa.failed)
    for error in result.errors:
        print(
            f"aiolint: internal error in {error.where} while checking {error.path}: {error.detail}",
            file=sys.stderr,
        )
    if not args.silent:
        print(message, file=sys.stderr)
    return EXIT_ERROR if failed or result.errors else EXIT_CLEAN


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _fix_mode(config: Config, args: argparse.Namespace) -> FixMode | None:
    """What to fix: --fix, --fix-only and --diff turn fixing on (--diff writes nothing)."""
    if not (config.fix or args.fix_only or args.diff):
        return None
    codes = resolve_codes([SelectionLayer(config.fixable, config.extend_fixable, config.unfixable)])
    fixable = frozenset(codes)
    return FixMode(FixSettings(unsafe=config.unsafe_fixes, fixable=fixable), diff=args.diff)


def _report(
    result: RunResult,
    config: Config,
    args: argparse.Namespace,
    fix: FixMode | None,
    stdin: bool,
) -> int:
    # With --fix on stdin the fixed source goes to stdout, so the report goes to stderr.
    fixing_stdin = stdin and fix is not None and not fix.diff
    out = sys.stderr if fixing_stdin else sys.stdout
    settings = fix.settings if fix is not None else FixSettings(unsafe=config.unsafe_fixes)
    if fix is not None and fix.diff:
        sys.stdout.write("".join(result.diffs))
    elif not args.fix_only and not args.silent:
        _write_report(out, result, config, args, fixable=settings.applies)
    if fixing_stdin and result.stdin_output is not None:
        sys.stdout.buffer.write(result.stdin_output)
    for error in result.errors:
        print(
            f"aiolint: internal error in {error.where} while checking {error.path}: {error.detail}",
            file=sys.stderr,
        )
    if config.show_fixes and fix is not None and not fix.diff and not args.silent:
        write_fixes(sys.stderr, result.fixed)
    if not (args.quiet or args.silent):
        print(
            summary(
                result.diagnostics,
                result.files_checked,
                fix=fix,
                fixed=result.fixed,
                settings=settings,
                fix_only=args.fix_only,
            ),
            file=sys.stderr,
        )
    sys.stdout.flush()
    if result.errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    if fix is not None and fix.diff:
        return EXIT_FINDINGS if result.diffs else EXIT_CLEAN
    if args.exit_non_zero_on_fix and result.fixed:
        return EXIT_FINDINGS
    if result.diagnostics and not args.fix_only:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _write_report(
    out: TextIO,
    result: RunResult,
    config: Config,
    args: argparse.Namespace,
    fixable: Callable[[Diagnostic], bool] | None = None,
) -> None:
    """The report in the configured format, to `out` or `--output-file`; with
    `--statistics`, the count per code instead (a table, or JSON with `json`)."""
    with report_stream(args.output_file, out) as stream:
        ctx = ReportContext(
            root=os.getcwd(),
            unsafe_fixes=bool(config.unsafe_fixes),
            show_source=config.show_source,
            source_line=result.source_line,
            fixable=fixable,
            source_text=result.source_text,
            color=use_color(args.color, stream),
        )
        if not args.statistics:
            FORMATS[config.output_format](stream, result.diagnostics, ctx)
            return
        from aiolint.reporters.statistics import statistics, write_json, write_table

        found = statistics(result.diagnostics, ctx.would_fix)
        if config.output_format == "json":
            write_json(stream, found)
        else:
            write_table(stream, found, ctx.style)


def _rule(name: str | None, *, every: bool, output_format: str) -> int:
    """`aiolint rule CODE|NAME` and `aiolint rule --all`: the rules' pages, as
    Markdown (ruff's `rule`) or, with `--output-format json`, as JSON."""
    from aiolint.docs import render_rule, rule_json
    from aiolint.engine.registry import load_rules

    if every:
        rules = list(load_rules().values())
    else:
        code = _rule_code(name or "")
        if code is None:
            return EXIT_ERROR
        rules = [load_rules()[code]]
    if output_format == "json":
        import json

        found = [rule_json(rule) for rule in rules]
        json.dump(found if every else found[0], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n".join(render_rule(rule) for rule in rules))
    return EXIT_CLEAN


def _rule_code(name: str) -> str | None:
    """The code of the rule `name` names (a code, any case, or a rule's name);
    None, after saying so and what is close, when it names none."""
    if name.upper() in CODES:
        return name.upper()
    by_name = {info.name: code for code, info in CODES.items()}
    if name.lower() in by_name:
        return by_name[name.lower()]
    import difflib

    close = difflib.get_close_matches(name.lower(), list(by_name), n=1)
    hint = f"; did you mean {close[0]} ({by_name[close[0]]})?" if close else ""
    print(f"aiolint: error: unknown rule {name!r} (see `aiolint rules`){hint}", file=sys.stderr)
    return None


def _version(output_format: str) -> int:
    """`aiolint version`: as `aiolint --version`, or JSON (ruff's `version`)."""
    if output_format == "json":
        import json

        print(json.dumps({"version": __version__}))
    else:
        print(f"aiolint {__version__}")
    return EXIT_CLEAN


def _rules() -> int:
    width = max(len(info.name) for info in CODES.values())
    for code, info in CODES.items():
        print(f"{code}  {info.name:<{width}}  fix: {info.fix:<9}  {info.summary}")
    return EXIT_CLEAN


def _server() -> int:
    """`aiolint server`: the language server (pygls is imported only here)."""
    try:
        from aiolint.server.app import main as serve
    except ImportError as exc:
        print(
            f"aiolint: error: the language server needs pygls and lsprotocol ({exc}); "
            "install aiolint with the `server` extra: pip install '.[server]'",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return serve()


def _clean(args: argparse.Namespace) -> int:
    """`aiolint clean`: remove the cache folder a check here would use, and
    every `.aiolint_cache` below the working folder (as `ruff clean`)."""
    config = _find_config(args, ["."])
    removed: list[str] = []
    refused: list[str] = []
    clean(cache_root(args.cache_dir, config), removed, refused)
    for line in removed:
        print(line)
    for line in refused:
        print(f"aiolint: error: {line}", file=sys.stderr)
    return EXIT_ERROR if refused else EXIT_CLEAN

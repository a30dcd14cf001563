"""One document through the engine, configured as `aiolint check` would be.

The configuration is found as the CLI finds it for a file named on its command
line (the closest configuration file above the document, the target Python
its nearest pyproject.toml declares: `aiolint.workspace.hierarchy`; `configPath` plays
`--config`), the client's settings
are applied as the flags would be, the codes enabled for the file come from
`runner.RuleSets` (select, ignore, per-file-ignores) and the `LintOptions` from
`runner.lint_options` (target-version, peer-noqa, the library versions the
project declares, the project found above the document): the same code paths as
`aiolint check -  --stdin-filename FILE`. Fixing goes through
`fixes.apply.fix_source`, as `aiolint check --fix` does.
"""

from __future__ import annotations

import os
import tokenize
from dataclasses import replace
from io import BytesIO

from aiolint.cli.add_noqa import NoqaUpdateError, add_noqa_bytes
from aiolint.cli.child import Child, Shared, WorkerDied
from aiolint.cli.runner import RuleSets, lint_options
from aiolint.engine.model import (
    INVALID_FILE,
    Diagnostic,
    FileResult,
    InternalError,
    invalid_file,
)
from aiolint.engine.record import Record
from aiolint.engine.registry import rules_for
from aiolint.engine.rule import Rule
from aiolint.fixes.apply import VerificationError, apply_edits, compiles, fix_source, verify
from aiolint.fixes.unused_imports import remove_imports_made_unused
from aiolint.semantic.context import LintOptions
from aiolint.server.settings import Settings
from aiolint.workspace.config import Config, ConfigError
from aiolint.workspace.fix_settings import FixSettings
from aiolint.workspace.hierarchy import ConfigResolver
from aiolint.workspace.selection import SelectionLayer, resolve_codes

#: The name a document without a file path is linted as (stdin's).
NO_PATH = "-"
#: The process documents are parsed and checked in: a native crash (LibCST's
#: parser) costs the document, never the server (started warm by `app.main`).
#: The project model goes to it once (`Child.share`), not with every lint.
ENGINE = Child()


class Setup(Record):
    """How one document is linted: its rules, options and fix settings."""

    __slots__ = _fields = ("path", "config", "rules", "options", "fixes")
    path: str
    config: Config
    rules: tuple[type[Rule], ...]
    options: LintOptions
    fixes: FixSettings

    def __init__(
        self,
        path: str,
        config: Config,
        rules: tuple[type[Rule], ...],
        options: LintOptions,
        fixes: FixSettings,
    ) -> None:
        self._set(path=path, config=config, rules=rules, options=options, fixes=fixes)


def find_config(path: str | None, settings: Settings, root: str | None) -> Config:
    """The configuration `aiolint check PATH` would read (`configPath`: `--config`,
    relative to the workspace root); a document without a path: the root's."""
    config_file: str | None = None
    if settings.config_path is not None:
        config_file = os.path.join(root or os.getcwd(), os.path.expanduser(settings.config_path))
        if not os.path.isfile(config_file):
            raise ConfigError(f"{config_file}: config file not found")
    resolver = ConfigResolver(config_file=config_file)  # new each time: sees edits
    return resolver.for_path(path if path is not None else (root or os.getcwd()))


def setup(path: str | None, settings: Settings, root: str | None = None) -> Setup:
    """Everything the engine needs for the document at `path` (raises ConfigError
    or UnknownSelectorError for a bad configuration)."""
    config = find_config(path, settings, root)
    if settings.unsafe_fixes is not None:
        config = config.replace(unsafe_fixes=settings.unsafe_fixes)
    layer = SelectionLayer(settings.select, settings.extend_select, settings.ignore)
    shown = path if path is not None else NO_PATH
    codes = RuleSets(config, layer).for_path(shown)
    fixable = resolve_codes(
        [SelectionLayer(config.fixable, config.extend_fixable, config.unfixable)]
    )
    return Setup(
        path=shown,
        config=config,
        rules=tuple(rules_for(codes)),
        options=LintOptions(**lint_options(config, path)),  # type: ignore[arg-type]
        fixes=FixSettings(unsafe=config.unsafe_fixes, fixable=frozenset(fixable)),
    )


def encode(text: str) -> tuple[bytes, str]:
    """The document's bytes as they would be saved: in the encoding its coding
    cookie declares (UTF-8 without one), and that encoding."""
    raw = text.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(raw).readline)
    except SyntaxError:
        return raw, "utf-8"
    if encoding in ("utf-8", "utf-8-sig"):
        return raw, encoding
    try:
        return text.encode(encoding), encoding
    except (LookupError, UnicodeEncodeError):
        return raw, "utf-8"  # the engine reports the mismatch (AIO000)


def lint(text: str, how: Setup) -> FileResult:
    """The document's findings, as `aiolint check` reports them (checked in
    `ENGINE`; if it dies on the document, an AIO000 and an internal error say so)."""
    source, _ = encode(text)
    try:
        return ENGINE.call(_lint_here, source, how.path, how.rules, *_sent_options(how))
    except WorkerDied as died:
        return _crashed(how, died.reason)


def _sent_options(how: Setup) -> tuple[LintOptions, Shared | None]:
    """The document's options as they go to `ENGINE`: without the project
    model, which goes beside them as a value the process keeps."""
    project = how.options.project
    if project is None:
        return how.options, None
    return replace(how.options, project=None), ENGINE.share(project)


def _received_options(options: LintOptions, project: object) -> LintOptions:
    """In `ENGINE`'s process: the options with their project model back."""
    return options if project is None else replace(options, project=project)


def _lint_here(
    source: bytes,
    path: str,
    rules: tuple[type[Rule], ...],
    options: LintOptions,
    project: object = None,
) -> FileResult:
    """In `ENGINE`'s process."""
    from aiolint.engine.lint import lint_source

    return lint_source(source, path, rules, _received_options(options, project))


def _crash(how: Setup, reason: str) -> InternalError:
    return InternalError(how.path, "worker", f"{reason} while checking this file")


def _crashed(how: Setup, reason: str) -> FileResult:
    """The result of a document the engine's process died on: the CLI's
    internal error (logged), and an AIO000 on the document saying so."""
    result = FileResult(how.path, errors=[_crash(how, reason)])
    if any(rule.code == INVALID_FILE for rule in how.rules):
        message = f"aiolint's worker process died checking this document ({reason}); not checked"
        result.diagnostics.append(invalid_file(how.path, message))
    return result


class Fixed(Record):
    """A document's text after fixing (None: nothing changed), and why it failed."""

    __slots__ = _fields = ("text", "error")
    text: str | None
    error: InternalError | None

    def __init__(self, text: str | None, error: InternalError | None = None) -> None:
        self._set(text=text, error=error)


def fix_all(text: str, how: Setup) -> Fixed:
    """The text `aiolint check --fix` would leave (the configuration's `fixable`,
    `unfixable` and `unsafe-fixes`, the client's `unsafeFixes`)."""
    try:
        options, project = _sent_options(how)
        return ENGINE.call(_fix_all_here, text, how.path, how.rules, options, how.fixes, project)
    except WorkerDied as died:
        return Fixed(None, _crash(how, died.reason))


def _fix_all_here(
    text: str,
    path: str,
    rules: tuple[type[Rule], ...],
    options: LintOptions,
    fixes: FixSettings,
    project: object = None,
) -> Fixed:
    """In `ENGINE`'s process."""
    source, encoding = encode(text)
    outcome = fix_source(source, path, rules, _received_options(options, project), fixes)
    if outcome.error is not None:
        return Fixed(None, outcome.error)
    if outcome.result.errors:
        return Fixed(None, outcome.result.errors[0])
    if outcome.fixed is None:
        return Fixed(None)
    return Fixed(outcome.fixed.decode(encoding))


def fix_one(text: str, diagnostic: Diagnostic) -> str | None:
    """The text with one diagnostic's fix applied as one `--fix` pass applies it
    (verified, then the imports it made unused removed); None if it fails."""
    if diagnostic.fix is None:
        return None
    try:  # verifying parses with LibCST: in `ENGINE`
        return ENGINE.call(_fix_one_here, text, diagnostic)
    except WorkerDied:
        return None


def _fix_one_here(text: str, diagnostic: Diagnostic) -> str | None:
    """In `ENGINE`'s process."""
    fix = diagnostic.text_fix
    assert fix is not None
    must_compile = compiles(text, diagnostic.path)
    fixed = apply_edits(text, [fix])
    try:
        verify(fixed, diagnostic.path, must_compile)
    except VerificationError:
        return None
    cleaned = remove_imports_made_unused(text, fixed, diagnostic.path)
    if cleaned != fixed:
        try:
            verify(cleaned, diagnostic.path, must_compile)
        except VerificationError:
            return fixed
    return cleaned


def add_noqa(text: str, diagnostic: Diagnostic) -> str | None:
    """The text with `# noqa: CODE` for the diagnostic's line, as `--add-noqa`
    writes it (an existing `# noqa: X` extended, the code otherwise unchanged);
    None if it cannot take one."""
    source, encoding = encode(text)
    try:
        new_source, changed = add_noqa_bytes(source, [diagnostic])
    except NoqaUpdateError:
        return None
    return new_source.decode(encoding) if changed else None

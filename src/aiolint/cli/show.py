"""`--show-files` and `--show-settings`, as ruff prints them.

`--show-files`: the files a check would lint, absolute, sorted, one per line.
`--show-settings`: the settings the first of those files (in sorted order)
is checked with: `Resolved settings for: "FILE"`, `Settings path: "CONFIG"`
when a configuration file was read, then `key = value` lines in sections
(`# General Settings`, `# File Resolver Settings`, `# Linter Settings`), lists
one item a line, tab-indented. With `--isolated` and no file, the settings alone."""

from __future__ import annotations

import os
from collections.abc import Sequence

from aiolint.engine.codes import CODES
from aiolint.workspace.config import Config, PerFileIgnore
from aiolint.workspace.selection import SelectionLayer, resolve_codes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from aiolint.cli.runner import RuleSets


def absolute_sorted(files: Sequence[str]) -> list[str]:
    return sorted(os.path.abspath(path) for path in files)


def write_files(out: TextIO, files: Sequence[str]) -> None:
    for path in absolute_sorted(files):
        out.write(path + "\n")


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(items: Sequence[str]) -> str:
    if not items:
        return "[]"
    return "[\n" + "".join(f"\t{item},\n" for item in items) + "]"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _per_file(entries: Sequence[PerFileIgnore]) -> str:
    if not entries:
        return "{}"
    lines = "".join(f"\t{_quoted(e.pattern)} = [{', '.join(e.codes)}],\n" for e in entries)
    return "{\n" + lines + "}"


def _rules(codes: Sequence[str]) -> list[str]:
    return [f"{CODES[code].name} ({code})" for code in codes if code in CODES]


def settings_lines(
    config: Config, codes: Sequence[str], *, cache_dir: str, force_exclude: bool, fix_only: bool
) -> list[str]:
    """The `key = value` lines of `--show-settings` (`codes`: enabled for the file)."""
    fixable = resolve_codes(
        [SelectionLayer(config.fixable, config.extend_fixable, config.unfixable)]
    )
    target = config.effective_target
    return [
        "# General Settings",
        f"cache_dir = {_quoted(cache_dir)}",
        f"fix = {_bool(config.fix)}",
        f"fix_only = {_bool(fix_only)}",
        f"output_format = {config.output_format}",
        f"show_fixes = {_bool(config.show_fixes)}",
        f"show_source = {_bool(config.show_source)}",
        f"unsafe_fixes = {_bool(config.unsafe_fixes)}",
        "",
        "# File Resolver Settings",
        f"file_resolver.exclude = {_list([_quoted(p) for p in config.exclude])}",
        f"file_resolver.extend_exclude = {_list([_quoted(p) for p in config.extend_exclude])}",
        f"file_resolver.force_exclude = {_bool(force_exclude)}",
        f"file_resolver.respect_gitignore = {_bool(config.respect_gitignore)}",
        f"file_resolver.project_root = {_quoted(config.root)}",
        "",
        "# Linter Settings",
        f"linter.target_version = py{target[0]}{target[1]}",
        f"linter.rules.enabled = {_list(_rules(codes))}",
        f"linter.fixable = {_list(_rules(fixable))}",
        f"linter.per_file_ignores = {_per_file(config.all_per_file_ignores)}",
        f"linter.peer_noqa = {_bool(config.peer_noqa)}",
    ]


def write_settings(
    out: TextIO,
    config: Config,
    rule_sets: RuleSets,
    files: Sequence[str],
    *,
    isolated: bool,
    cache_dir: str,
    force_exclude: bool,
    fix_only: bool,
) -> None:
    """Raises LookupError when there is no file to show the settings of."""
    codes = rule_sets.base
    if not files and not isolated:
        raise LookupError("No files found under the given path")
    if files:
        first = absolute_sorted(files)[0]
        codes = rule_sets.for_path(first)
        out.write(f"Resolved settings for: {_quoted(first)}\n")
        if config.source is not None:
            out.write(f"Settings path: {_quoted(os.path.abspath(config.source))}\n")
        out.write("\n")
    lines = settings_lines(
        config, codes, cache_dir=cache_dir, force_exclude=force_exclude, fix_only=fix_only
    )
    out.write("\n".join(lines) + "\n")

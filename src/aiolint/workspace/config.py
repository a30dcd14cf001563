"""`[tool.aiolint]` in pyproject.toml (or an `aiolint.toml`), merged with
command-line flags, into a frozen Config.

Keys are kebab-case and mirror the CLI flags; `extend = "PATH"` (relative to
the file's folder) names a configuration file whose settings this one starts
from, as ruff's `extend` does. An unknown key, a bad code or a
bad value is a `ConfigError` naming the file and the key. Paths in the file
(`exclude`, `per-file-ignores`, `cache-dir`) are relative to the file's folder.
Standard library only (codes are checked against the table `aiolint.engine.codes`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping

from aiolint.engine.record import Record
from aiolint.reporters import DEFAULT_FORMAT, FORMATS
from aiolint.workspace.paths import expanduser, normalized
from aiolint.workspace.selection import UnknownSelectorError, validate_selector

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from aiolint.workspace.paths import StrPath

SUPPORTED_TARGETS = ((3, 10), (3, 11), (3, 12), (3, 13), (3, 14))
DEFAULT_TARGET = (3, 11)
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".env",
    "env",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".aiolint_cache",
    "__pypackages__",
    ".eggs",
    "*.egg-info",
)
_TARGET_RE = re.compile(r"^py3(1[0-4])$")
_RUFF_TARGET_RE = re.compile(r"^py3(\d+)$")
#: The files holding aiolint settings, in the order one folder's are preferred
#: (as ruff prefers `ruff.toml` to `pyproject.toml`).
SETTINGS_FILES = ("aiolint.toml", "pyproject.toml")


class ConfigError(ValueError):
    """A bad setting; the message names its source (file and key, or flag)."""


class PerFileIgnore(Record):
    __slots__ = _fields = ("pattern", "codes")
    pattern: str
    codes: tuple[str, ...]

    def __init__(self, pattern: str, codes: tuple[str, ...]) -> None:
        self._set(pattern=pattern, codes=codes)


class Config(Record):
    """Effective settings for one run."""

    __slots__ = _fields = (
        "root",
        "source",
        "has_settings",
        "select",
        "extend_select",
        "ignore",
        "per_file_ignores",
        "extend_per_file_ignores",
        "exclude",
        "extend_exclude",
        "respect_gitignore",
        "target_version",
        "peer_noqa",
        "requires_python_target",
        "show_source",
        "output_format",
        "fix",
        "unsafe_fixes",
        "show_fixes",
        "fixable",
        "extend_fixable",
        "unfixable",
        "cache_dir",
    )
    #: Paths are `str`, spelled as `str(Path(...))` spells them.
    root: str
    source: str | None
    #: `source` holds aiolint settings (a `[tool.aiolint]` table, or an
    #: `aiolint.toml`): `root` is the project root, where the cache goes.
    has_settings: bool
    select: tuple[str, ...] | None
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[PerFileIgnore, ...]
    extend_per_file_ignores: tuple[PerFileIgnore, ...]
    exclude: tuple[str, ...]
    extend_exclude: tuple[str, ...]
    respect_gitignore: bool
    target_version: tuple[int, int] | None
    #: A noqa comment for an overlapping ruff / flake8-async code suppresses the
    #: aiolint finding too (`peer-noqa`).
    peer_noqa: bool
    requires_python_target: tuple[int, int] | None
    show_source: bool
    output_format: str
    fix: bool
    unsafe_fixes: bool
    show_fixes: bool
    fixable: tuple[str, ...] | None
    extend_fixable: tuple[str, ...]
    unfixable: tuple[str, ...]
    #: `cache-dir`, absolute (relative to the config file's folder when given so).
    cache_dir: str | None

    def __init__(
        self,
        root: StrPath | None = None,
        source: StrPath | None = None,
        has_settings: bool = False,
        select: tuple[str, ...] | None = None,
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        per_file_ignores: tuple[PerFileIgnore, ...] = (),
        extend_per_file_ignores: tuple[PerFileIgnore, ...] = (),
        exclude: tuple[str, ...] = DEFAULT_EXCLUDE,
        extend_exclude: tuple[str, ...] = (),
        respect_gitignore: bool = True,
        target_version: tuple[int, int] | None = None,
        peer_noqa: bool = True,
        requires_python_target: tuple[int, int] | None = None,
        show_source: bool = False,
        output_format: str = DEFAULT_FORMAT,
        fix: bool = False,
        unsafe_fixes: bool = False,
        show_fixes: bool = False,
        fixable: tuple[str, ...] | None = None,
        extend_fixable: tuple[str, ...] = (),
        unfixable: tuple[str, ...] = (),
        cache_dir: StrPath | None = None,
    ) -> None:
        self._set(
            root=os.getcwd() if root is None else os.fspath(root),
            source=None if source is None else os.fspath(source),
            has_settings=has_settings,
            select=select,
            extend_select=extend_select,
            ignore=ignore,
            per_file_ignores=per_file_ignores,
            extend_per_file_ignores=extend_per_file_ignores,
            exclude=exclude,
            extend_exclude=extend_exclude,
            respect_gitignore=respect_gitignore,
            target_version=target_version,
            peer_noqa=peer_noqa,
            requires_python_target=requires_python_target,
            show_source=show_source,
            output_format=output_format,
            fix=fix,
            unsafe_fixes=unsafe_fixes,
            show_fixes=show_fixes,
            fixable=fixable,
            extend_fixable=extend_fixable,
            unfixable=unfixable,
            cache_dir=None if cache_dir is None else os.fspath(cache_dir),
        )

    @property
    def effective_target(self) -> tuple[int, int]:
        """Explicit target-version, else the project's requires-python, else 3.11."""
        return self.target_version or self.requires_python_target or DEFAULT_TARGET

    @property
    def target_explicit(self) -> bool:
        """The target Python was declared (target-version, requires-python or
        ruff's target-version), not defaulted to 3.11."""
        return (self.target_version or self.requires_python_target) is not None

    @property
    def all_per_file_ignores(self) -> tuple[PerFileIgnore, ...]:
        return self.per_file_ignores + self.extend_per_file_ignores

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude


def parse_target_version(value: str) -> tuple[int, int]:
    """`py311` -> (3, 11); only py310..py314."""
    match = _TARGET_RE.match(str(value).strip().lower())
    if match is None:
        raise ConfigError(f"invalid target-version {value!r} (expected one of py310..py314)")
    return (3, int(match.group(1)))


def target_from_requires_python(spec: str) -> tuple[int, int] | None:
    """The lowest 3.x a `requires-python` specifier admits, clamped to py310..py314."""
    from aiolint.workspace.declared import python_floor

    return _clamped(python_floor({"project": {"requires-python": spec}}))


def _clamped(target: tuple[int, int] | None) -> tuple[int, int] | None:
    if target is None:
        return None
    return max(SUPPORTED_TARGETS[0], min(target, SUPPORTED_TARGETS[-1]))


def pyproject_target(path: str, data: Mapping[str, Any] | None = None) -> tuple[int, int] | None:
    """`declared_target` of the pyproject.toml at `path` (`data`: its content,
    when read already); remembered across runs (`declared.remembered`), so
    that a run where it did not change does not parse its specifiers."""
    from aiolint.workspace.declared import remembered, stamp

    def compute() -> tuple[int, int] | None:
        try:
            return declared_target(data if data is not None else _read_toml(path))
        except ConfigError:
            return None

    known = stamp(path)
    if known is None:
        return compute()
    return remembered(("python", ((os.path.realpath(path), known),)), compute)


def declared_target(pyproject: Mapping[str, Any]) -> tuple[int, int] | None:
    """The target Python a pyproject.toml declares: the lowest version its
    `requires-python` (or Poetry's `python`) allows, else `[tool.ruff]
    target-version`; clamped to py310..py314. None: it declares none."""
    from aiolint.workspace.declared import python_floor

    floor = python_floor(pyproject)
    if floor is None:
        tool = pyproject.get("tool")
        ruff = tool.get("ruff") if isinstance(tool, dict) else None
        value = ruff.get("target-version") if isinstance(ruff, dict) else None
        match = _RUFF_TARGET_RE.match(value.strip().lower()) if isinstance(value, str) else None
        floor = (3, int(match.group(1))) if match is not None else None
    return _clamped(floor)


def parse_per_file_ignores(text: str) -> tuple[PerFileIgnore, ...]:
    """flake8's CLI form: `pattern:CODE,CODE pattern2:CODE` (spaces or newlines between)."""
    entries: list[PerFileIgnore] = []
    for chunk in text.replace(";", " ").split():
        pattern, sep, codes = chunk.rpartition(":")
        if not sep or not pattern or not codes:
            raise ConfigError(f"invalid per-file-ignores entry {chunk!r} (expected PATTERN:CODES)")
        entries.append(PerFileIgnore(pattern, _selectors(codes.split(","), chunk)))
    return tuple(entries)


def _selectors(values: list[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        if not value.strip():
            continue
        try:
            out.append(validate_selector(value))
        except UnknownSelectorError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return tuple(out)


def settings_file_in(folder: str) -> str | None:
    """The file holding aiolint settings in `folder` itself: an `aiolint.toml`,
    else a pyproject.toml with a [tool.aiolint] table (one that does not parse
    too, so that its error is reported)."""
    for name in SETTINGS_FILES:
        candidate = os.path.join(folder, name)
        if not os.path.isfile(candidate):
            continue
        if name != "pyproject.toml":
            return candidate
        try:
            data = _read_toml(candidate)
        except ConfigError:
            return candidate
        if "aiolint" in data.get("tool", {}):
            return candidate
    return None


def find_pyproject(start: StrPath) -> str | None:
    """The nearest file with aiolint settings (`settings_file_in`), walking up
    from `start`; else the nearest pyproject.toml at all (for requires-python)."""
    resolved = os.path.realpath(start)
    folder = resolved if os.path.isdir(resolved) else os.path.dirname(resolved)
    nearest: str | None = None
    while True:
        found = settings_file_in(folder)
        if found is not None:
            return found
        candidate = os.path.join(folder, "pyproject.toml")
        if nearest is None and os.path.isfile(candidate):
            nearest = candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return nearest
        folder = parent


def _read_toml(path: StrPath) -> dict[str, Any]:
    # imported here: a run without a pyproject.toml does not pay for the parser
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_config(path: StrPath, _extending: tuple[str, ...] = ()) -> Config:
    """Read `[tool.aiolint]` (and the target Python the file declares, see
    `declared_target`) from a pyproject.toml, after the file it `extend`s.

    A file named other than pyproject.toml (`--config aiolint.toml`) holds the
    keys at top level, as ruff's ruff.toml does.
    """
    data = _read_toml(path)
    root = os.path.dirname(os.path.realpath(path))
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("aiolint", {})
        prefix = "[tool.aiolint]"
        has_settings = "aiolint" in data.get("tool", {})
        target = pyproject_target(os.fspath(path), data)
    else:
        table, prefix, has_settings, target = data, "", True, None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {prefix or 'config'} must be a table")
    where = lambda key: f"{path}: {prefix}{'.' if prefix else ''}{key}"  # noqa: E731
    config = Config(root=root, source=path, has_settings=has_settings)
    if "extend" in table:
        chain = (*_extending, os.path.realpath(path))
        config = _rebased(_extended(table["extend"], root, where("extend"), chain), root)
        config = config.replace(root=root, source=path, has_settings=has_settings)
        table = {key: value for key, value in table.items() if key != "extend"}
    if target is not None:
        config = config.replace(requires_python_target=target)
    cache_dir = config.cache_dir
    config = apply_settings(config, table, where)
    if config.cache_dir is not None and config.cache_dir != cache_dir:
        config = config.replace(cache_dir=normalized(os.path.join(root, config.cache_dir)))
    return config


def _rebased(config: Config, root: str) -> Config:
    """`config`'s path patterns (`exclude`, `per-file-ignores`: those with a
    `/`, relative to its folder) made relative to `root`, the folder of the
    file extending it; a pattern for a path outside `root` is dropped (no file
    checked with the extending configuration is there)."""
    if config.root == root:
        return config

    def moved(pattern: str) -> str | None:
        if "/" not in pattern.rstrip("/") or pattern.startswith("**/"):
            return pattern
        rel = os.path.relpath(os.path.join(config.root, pattern.lstrip("/")), root)
        if rel == ".." or rel.startswith("../"):
            return None
        rel = rel.replace(os.sep, "/")
        return rel if "/" in rel.rstrip("/") else f"/{rel}"  # still anchored at `root`

    def patterns(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(p for p in map(moved, values) if p is not None)

    def ignores(values: tuple[PerFileIgnore, ...]) -> tuple[PerFileIgnore, ...]:
        kept = ((moved(e.pattern), e.codes) for e in values)
        return tuple(PerFileIgnore(p, codes) for p, codes in kept if p is not None)

    return config.replace(
        exclude=patterns(config.exclude),
        extend_exclude=patterns(config.extend_exclude),
        per_file_ignores=ignores(config.per_file_ignores),
        extend_per_file_ignores=ignores(config.extend_per_file_ignores),
    )


def _extended(value: object, root: str, where: str, chain: tuple[str, ...]) -> Config:
    """The settings of the file an `extend = ...` names (relative to `root`)."""
    path = normalized(os.path.join(root, _path(value, where)))
    if not os.path.isfile(path):
        raise ConfigError(f"{where}: {path} does not exist")
    if os.path.realpath(path) in chain:
        raise ConfigError(f"{where}: {path} extends itself (a cycle of `extend`)")
    return load_config(path, chain)


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def _per_file(value: object, where: str) -> tuple[PerFileIgnore, ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of pattern = [codes], got {value!r}")
    return tuple(
        PerFileIgnore(
            pattern, _selectors(_str_list(codes, f"{where}.{pattern}"), f"{where}.{pattern}")
        )
        for pattern, codes in value.items()
    )


def _target(value: object, where: str) -> tuple[int, int]:
    try:
        return (
            parse_target_version(str(value))
            if isinstance(value, str)
            else parse_target_version("?")
        )
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _path(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a path, got {value!r}")
    return expanduser(value)


def _output_format(value: object, where: str) -> str:
    if not isinstance(value, str) or value not in FORMATS:
        raise ConfigError(f"{where}: expected one of {', '.join(FORMATS)}, got {value!r}")
    return value


_KEYS: dict[str, tuple[str, Callable[[object, str], object]]] = {
    "select": ("select", lambda v, w: _selectors(_str_list(v, w), w)),
    "extend-select": ("extend_select", lambda v, w: _selectors(_str_list(v, w), w)),
    "ignore": ("ignore", lambda v, w: _selectors(_str_list(v, w), w)),
    "per-file-ignores": ("per_file_ignores", _per_file),
    "extend-per-file-ignores": ("extend_per_file_ignores", _per_file),
    "exclude": ("exclude", _str_list),
    "extend-exclude": ("extend_exclude", _str_list),
    "respect-gitignore": ("respect_gitignore", _bool),
    "target-version": ("target_version", _target),
    "peer-noqa": ("peer_noqa", _bool),
    "show-source": ("show_source", _bool),
    "output-format": ("output_format", _output_format),
    "fix": ("fix", _bool),
    "unsafe-fixes": ("unsafe_fixes", _bool),
    "show-fixes": ("show_fixes", _bool),
    "fixable": ("fixable", lambda v, w: _selectors(_str_list(v, w), w)),
    "extend-fixable": ("extend_fixable", lambda v, w: _selectors(_str_list(v, w), w)),
    "unfixable": ("unfixable", lambda v, w: _selectors(_str_list(v, w), w)),
    "cache-dir": ("cache_dir", _path),
}

#: Every key `[tool.aiolint]` accepts (documented in the README; a test keeps them in step).
CONFIG_KEYS = ("extend", *_KEYS)


def apply_settings(
    config: Config, table: Mapping[str, object], where: Callable[[str], str]
) -> Config:
    """Validate `table` (kebab-case keys) and return `config` updated with it."""
    updates: dict[str, object] = {}
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(CONFIG_KEYS)
            raise ConfigError(f"{where(key)}: unknown key (known keys: {known})")
        attribute, convert = _KEYS[key]
        updates[attribute] = convert(value, where(key))
    return config.replace(**updates)

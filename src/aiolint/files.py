"""Which files a run checks: recursion, excludes, `.gitignore`.

Folders are walked recursively for `*.py` and `*.pyi`. A path is skipped when
it matches an exclude pattern (ruff's semantics: a pattern without `/` matches
any file or folder of that name; one with `/` matches the path relative to the
project root) or, with `respect-gitignore`, the `.gitignore` files of the
folders it sits in (and `.git/info/exclude`). Files named explicitly on the
command line are checked even when excluded, unless `force_exclude` is set
(for pre-commit, which passes file names).

Paths are matched as they resolve (symlinks followed). The walk works on
strings (as `pathlib` spells them, see `aiolint.paths`) and knows each
folder's resolved path, so a file costs no `resolve()` of its own (a symlink
does); each folder's ignore rules, from the repository root down, are worked
out once (`_ignore_scope`) and serve all its entries.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator, Sequence
from functools import cache

from aiolint.paths import absolute, normalized, relative_posix
from aiolint.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.paths import StrPath

PYTHON_SUFFIXES = (".py", ".pyi")

_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFileError(OSError):
    """A path names a FIFO, a device or a socket: reading it could block forever."""


def read_source(path: StrPath) -> bytes:
    """A source file's bytes. Only a regular file is read: anything else raises
    `NotRegularFileError` (an OSError) instead of blocking on it."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "special")
        raise NotRegularFileError(errno.EINVAL, f"Not a regular file ({kind})", os.fspath(path))
    with open(path, "rb") as handle:
        return handle.read()


def glob_to_regex(pattern: str) -> str:
    """Translate a glob with `**`, `*`, `?` and `[...]` into a regex (no anchors)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("/**", i) and i + 3 == n:
            out.append("/.*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = end
        elif char == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


class PathMatcher(Record):
    """Exclude-style patterns relative to a root."""

    __slots__ = _fields = ("root", "names", "paths")
    root: str
    names: re.Pattern[str] | None
    paths: re.Pattern[str] | None

    def __init__(
        self, root: StrPath, names: re.Pattern[str] | None, paths: re.Pattern[str] | None
    ) -> None:
        self._set(root=os.fspath(root), names=names, paths=paths)

    @classmethod
    def build(cls, root: StrPath, patterns: Sequence[str]) -> PathMatcher:
        names = [glob_to_regex(p) for p in patterns if "/" not in p.rstrip("/")]
        paths = [glob_to_regex(p.strip("/")) for p in patterns if "/" in p.rstrip("/")]
        return cls(
            root,
            re.compile(f"(?:{'|'.join(names)})$") if names else None,
            re.compile(f"(?:{'|'.join(paths)})(?:/.*)?$") if paths else None,
        )

    def matches(self, path: StrPath) -> bool:
        return self.matches_resolved(os.path.basename(path), os.path.realpath(path))

    def matches_resolved(self, name: str, resolved: str) -> bool:
        """`matches()` for a path named `name` that resolves to `resolved`."""
        if self.names is not None and self.names.match(name):
            return True
        if self.paths is not None:
            rel = relative_posix(resolved, _resolved_root(self.root))
            return rel is not None and self.paths.match(rel) is not None
        return False


@cache
def _resolved_root(root: str) -> str:
    return os.path.realpath(root)


class _IgnoreRule(Record):
    __slots__ = _fields = ("regex", "negate", "dir_only")
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool

    def __init__(self, regex: re.Pattern[str], negate: bool, dir_only: bool) -> None:
        self._set(regex=regex, negate=negate, dir_only=dir_only)


@cache
def _gitignore_rules(folder: str) -> tuple[_IgnoreRule, ...]:
    """Rules of `folder/.gitignore` (and `.git/info/exclude` at a repo root)."""
    rules: list[_IgnoreRule] = []
    for source in (
        os.path.join(folder, ".git", "info", "exclude"),
        os.path.join(folder, ".gitignore"),
    ):
        try:
            with open(source, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        for raw in text.splitlines():
            rule = _parse_gitignore_line(raw)
            if rule is not None:
                rules.append(rule)
    return tuple(rules)


def _parse_gitignore_line(raw: str) -> _IgnoreRule | None:
    line = raw.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        return None
    if not line.endswith("\\ "):
        line = line.rstrip(" ")
    negate = line.startswith("!")
    if negate or line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    body = glob_to_regex(line.lstrip("/"))
    regex = re.compile(f"^{body}$" if anchored else f"^(?:.*/)?{body}$")
    return _IgnoreRule(regex, negate, dir_only)


class _IgnoreScope:
    """The ignore rules over the entries of one (resolved) folder: for each
    folder with rules from the nearest repository root (a folder holding `.git`)
    down to this one, the entries' path prefix relative to it, and its rules."""

    __slots__ = ("chain", "in_repo")

    def __init__(
        self, in_repo: bool, chain: tuple[tuple[str, tuple[_IgnoreRule, ...]], ...]
    ) -> None:
        self.in_repo = in_repo
        self.chain = chain

    def ignores(self, name: str, is_dir: bool) -> bool:
        """Whether the entry `name` is ignored: the last rule matching it wins."""
        ignored = False
        for prefix, rules in self.chain:
            rel = prefix + name
            for rule in rules:
                if rule.dir_only and not is_dir:
                    continue
                if rule.regex.match(rel):
                    ignored = not rule.negate
        return ignored


#: Outside a repository nothing is ignored.
_OUTSIDE_REPOSITORY = _IgnoreScope(False, ())


@cache
def _ignore_scope(folder: str) -> _IgnoreScope:
    """The `_IgnoreScope` of the resolved folder `folder`: a new chain if it
    holds `.git` (a repository root), else its parent's one level deeper."""
    if os.path.exists(os.path.join(folder, ".git")):
        above: tuple[tuple[str, tuple[_IgnoreRule, ...]], ...] = ()
    else:
        parent, name = os.path.split(folder)
        if parent == folder or not name:
            return _OUTSIDE_REPOSITORY
        scope = _ignore_scope(parent)
        if not scope.in_repo:
            return _OUTSIDE_REPOSITORY
        above = tuple((f"{prefix}{name}/", rules) for prefix, rules in scope.chain)
    own = _gitignore_rules(folder)
    return _IgnoreScope(True, (*above, ("", own)) if own else above)


def forget_ignore_rules() -> None:
    """Read `.gitignore` files again from now on (they are read once per process)."""
    _ignore_scope.cache_clear()
    _gitignore_rules.cache_clear()


def gitignored(path: StrPath, is_dir: bool) -> bool:
    """Whether the `.gitignore` files between the repository root and `path` ignore it."""
    resolved = os.path.realpath(path)
    parent, name = os.path.split(resolved)
    return _ignore_scope(parent).ignores(name, is_dir)


class FileFilter(Record):
    __slots__ = _fields = ("excludes", "respect_gitignore")
    excludes: PathMatcher
    respect_gitignore: bool

    def __init__(self, excludes: PathMatcher, respect_gitignore: bool = True) -> None:
        self._set(excludes=excludes, respect_gitignore=respect_gitignore)

    def skip(self, path: StrPath, is_dir: bool) -> bool:
        return self.skip_resolved(os.path.basename(path), os.path.realpath(path), is_dir)

    def skip_resolved(self, name: str, resolved: str, is_dir: bool) -> bool:
        """`skip()` for a path named `name` that resolves to `resolved`."""
        if self.excludes.matches_resolved(name, resolved):
            return True
        if not self.respect_gitignore:
            return False
        parent, resolved_name = os.path.split(resolved)
        return _ignore_scope(parent).ignores(resolved_name, is_dir)

    def skip_explicit(self, path: StrPath, is_dir: bool) -> bool:
        """For a path named on the command line: it or a folder above it (up to
        the project root) is excluded."""
        from pathlib import Path  # only with --force-exclude

        given = Path(path).absolute()
        if self.skip(given, is_dir):
            return True
        root = Path(self.excludes.root).absolute()
        return any(self.skip(folder, True) for folder in given.parents if root in folder.parents)


def discover(
    paths: Sequence[StrPath],
    filters: FileFilter,
    *,
    force_exclude: bool = False,
    visited: list[str] | None = None,
) -> Iterator[str]:
    """Python files under `paths`, in a stable order, each once (spelled as
    `str(Path(...))` spells them); `visited` collects the folders listed."""
    seen: set[str] = set()
    for entry in paths:
        given = normalized(os.fspath(entry))
        found: Iterator[tuple[str, str]]
        if os.path.isdir(given):
            if force_exclude and filters.skip_explicit(given, True):
                continue
            found = _walk(given, os.path.realpath(given), filters, visited)
        else:
            if force_exclude and filters.skip_explicit(given, False):
                continue
            found = iter([(given, _identity(given))])
        for path, key in found:
            if key not in seen:
                seen.add(key)
                yield path


def _identity(path: str) -> str:
    """What makes two paths one file: where it resolves, else its absolute path."""
    return os.path.realpath(path) if os.path.exists(path) else absolute(path)


def _special(entry: os.DirEntry[str]) -> bool:
    """A FIFO, device or socket (a dangling symlink is not: reading it reports why)."""
    try:
        mode = entry.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _walk(
    folder: str, resolved: str, filters: FileFilter, visited: list[str] | None = None
) -> Iterator[tuple[str, str]]:
    """(path, `_identity`) of each Python file under `folder` (normalized),
    which resolves to `resolved`."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    if visited is not None:
        visited.append(resolved)
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if not is_dir and not entry.name.endswith(PYTHON_SUFFIXES):
            continue
        if not is_dir and _special(entry):
            continue  # a FIFO, device or socket named `x.py`: never read
        try:
            is_link = entry.is_symlink()
        except OSError:
            is_link = True  # resolve it to be sure
        # an entry that is no symlink resolves inside the resolved folder
        target = os.path.realpath(entry.path) if is_link else os.path.join(resolved, entry.name)
        if filters.skip_resolved(entry.name, target, is_dir):
            continue
        path = entry.name if folder == "." else entry.path  # normalized, as `folder`
        if is_dir:
            yield from _walk(path, target, filters, visited)
        else:
            yield path, target if not is_link else _identity(path)

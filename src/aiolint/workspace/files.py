"""Which files a run checks: recursion, excludes, `.gitignore`.

Folders are walked recursively for `*.py` and `*.pyi`. A path is skipped when
it matches an exclude pattern (ruff's semantics: a pattern without `/` matches
any file or folder of that name; one with `/` matches the path relative to the
project root) or, with `respect-gitignore`, the `.gitignore` files of the
folders it sits in (and `.git/info/exclude`). Files named explicitly on the
command line are checked even when excluded, unless `force_exclude` is set
(for pre-commit, which passes file names).

As in ruff, a symlinked folder met in the walk is not entered (it may lead
out of the checked tree, where `--fix` would write, or back up it); a symlink
to a file is checked, and a folder named on the command line is walked even
when it is a symlink. A folder is listed once per run (by device and inode).
A folder that cannot be listed, and a symlink loop, are named in a warning
(`aiolint.workspace.warn`) and the walk goes on; a malformed pattern matches nothing
and is warned about too. Patterns are matched in linear time (`aiolint.workspace.globs`).

Paths are matched as they resolve (symlinks followed). The walk works on
strings (as `pathlib` spells them, see `aiolint.workspace.paths`) and knows each
folder's resolved path, so a file costs no `resolve()` of its own (a symlink
does); each folder's ignore rules, from the repository root down, are worked
out once (`_ignore_scope`) and serve all its entries.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from functools import cache

from aiolint.engine.record import Record
from aiolint.workspace.globs import (
    IN_ANY_FOLDER,
    OR_BELOW,
    LastMatch,
    MalformedGlob,
    Matcher,
    Token,
    compile_any,
    glob_tokens,
)
from aiolint.workspace.paths import absolute, normalized, relative_posix
from aiolint.workspace.warn import warn_once

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol, TypeAlias

    from aiolint.workspace.config import Config
    from aiolint.workspace.paths import StrPath

    #: Whether an entry (its name, where it resolves, whether a folder) is skipped.
    Skip: TypeAlias = Callable[[str, str, bool], bool]

    class Filter(Protocol):
        """What `discover` asks: `FileFilter`, or one per folder's configuration."""

        def skip_resolved(self, name: str, resolved: str, is_dir: bool) -> bool: ...
        def in_folder(self, folder: str) -> Skip: ...
        def skip_explicit(self, path: StrPath, is_dir: bool) -> bool: ...


PYTHON_SUFFIXES = (".py", ".pyi")

_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegularFileError(OSError):
    """A path names a FIFO, a device or a socket: reading it could block forever."""


def read_source(path: StrPath) -> bytes:
    """A source file's bytes. Only a regular file is read: anything else raises
    `NotRegularFileError` (an OSError) instead of blocking on it."""
    st = os.stat(path)
    mode = st.st_mode
    if stat.S_ISREG(mode):  # without a file object: a cached run hashes every file
        fd = os.open(path, _READ_FLAGS)
        try:
            chunks = [os.read(fd, st.st_size + 1)]
            while chunks[-1]:
                chunks.append(os.read(fd, 1 << 20))
        finally:
            os.close(fd)
        return b"".join(chunks)
    if not stat.S_ISDIR(mode):
        kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "special")
        raise NotRegularFileError(errno.EINVAL, f"Not a regular file ({kind})", os.fspath(path))
    with open(path, "rb") as handle:  # raises as `open` does for a folder
        return handle.read()


class PathMatcher(Record):
    """Exclude-style patterns relative to a root (see `aiolint.workspace.globs`)."""

    __slots__ = _fields = ("root", "names", "paths")
    root: str
    names: Matcher | None
    paths: Matcher | None

    def __init__(self, root: StrPath, names: Matcher | None, paths: Matcher | None) -> None:
        self._set(root=os.fspath(root), names=names, paths=paths)

    @classmethod
    def build(cls, root: StrPath, patterns: Sequence[str], source: str = "exclude") -> PathMatcher:
        """The matcher of `patterns`; a malformed one matches nothing and is
        warned about once, naming `source` (where the patterns come from)."""

        def malformed(pattern: str, exc: MalformedGlob) -> None:
            warn_once(f"{source}: pattern {pattern!r} is malformed ({exc}); it matches nothing")

        names = [p for p in patterns if "/" not in p.rstrip("/")]
        paths = [p.strip("/") for p in patterns if "/" in p.rstrip("/")]
        return cls(
            root, compile_any(names, malformed), compile_any(paths, malformed, suffix=OR_BELOW)
        )

    def matches(self, path: StrPath) -> bool:
        return self.matches_resolved(os.path.basename(path), os.path.realpath(path))

    def matches_resolved(self, name: str, resolved: str) -> bool:
        """`matches()` for a path named `name` that resolves to `resolved`."""
        if self.names is not None and self.names(name):
            return True
        if self.paths is not None:
            rel = relative_posix(resolved, _resolved_root(self.root))
            return rel is not None and bool(self.paths(rel))
        return False


@cache
def _resolved_root(root: str) -> str:
    return os.path.realpath(root)


class _IgnoreFile:
    """The rules of one folder's ignore files, in order, matched all at once
    (`globs.LastMatch`): files meet the rules but folder-only ones (`gen/`)."""

    __slots__ = ("_dirs", "_files", "_negated")

    def __init__(self, rules: Sequence[tuple[Sequence[Token], bool, bool]]) -> None:
        self._dirs = LastMatch([tokens for tokens, _, _ in rules])
        self._negated = tuple(negate for _, negate, _ in rules)
        kept = [index for index, (_, _, dir_only) in enumerate(rules) if not dir_only]
        if len(kept) == len(rules):
            self._files: tuple[LastMatch, tuple[int, ...]] | None = None
        else:
            self._files = (LastMatch([rules[index][0] for index in kept]), tuple(kept))

    def verdict(self, rel: str, name: str, is_dir: bool) -> bool | None:
        """Whether the last rule matching `rel` (whose last part is `name`)
        ignores it; None when no rule matches."""
        if is_dir or self._files is None:
            index = self._dirs.last(rel, name)
        else:
            matcher, kept = self._files
            found = matcher.last(rel, name)
            index = kept[found] if found >= 0 else -1
        return None if index < 0 else not self._negated[index]


#: What the running walk saw of the (resolved) folders it listed: whether
#: each holds a `.git` and a `.gitignore` (so asking costs no system call);
#: emptied when the walk ends, as what it saw may change.
_listed: dict[str, tuple[bool, bool]] = {}


def _holds(folder: str, name: str, index: int) -> bool:
    """Whether `folder` may hold `name`: False when the walk listed it without."""
    seen = _listed.get(folder)
    return seen is None or seen[index]


@cache
def _gitignore_rules(folder: str) -> _IgnoreFile | None:
    """Rules of `folder/.gitignore` (and `.git/info/exclude` at a repo root)."""
    rules: list[tuple[Sequence[Token], bool, bool]] = []
    sources = []
    if _holds(folder, ".git", 0):
        sources.append(os.path.join(folder, ".git", "info", "exclude"))
    if _holds(folder, ".gitignore", 1):
        sources.append(os.path.join(folder, ".gitignore"))
    for source in sources:
        try:
            with open(source, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        # git matches bytes: the patterns and paths are compared as their
        # UTF-8 bytes (each byte a character: `?` is one byte), after a BOM;
        # lines end at LF only, a CR before it dropped.
        text = data.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
        for raw in text.split("\n"):
            raw = raw.removesuffix("\r")
            try:
                rule = _parse_gitignore_line(raw)
            except MalformedGlob as exc:  # git: a line that matches nothing
                shown = raw.encode("latin-1").decode("utf-8", "replace")
                warn_once(f"{source}: pattern {shown!r} is malformed ({exc}); it matches nothing")
                continue
            if rule is not None:
                rules.append(rule)
    return _IgnoreFile(rules) if rules else None


def _parse_gitignore_line(raw: str) -> tuple[Sequence[Token], bool, bool] | None:
    """The rule of a `.gitignore` line, (tokens, negated, folders only), None:
    none; raises MalformedGlob."""
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
    tokens = glob_tokens(line.lstrip("/"), prefix=() if anchored else IN_ANY_FOLDER, git=True)
    return tokens, negate, dir_only


def git_bytes(path: str) -> str:
    """`path` as git matches it: its bytes (a file name's undecodable bytes
    included), each one character."""
    return path.encode("utf-8", "surrogateescape").decode("latin-1")


class _IgnoreScope:
    """The ignore rules over the entries of one (resolved) folder: for each
    folder with rules from the nearest repository root (a folder holding `.git`)
    down to this one, the entries' path prefix relative to it, and its rules."""

    __slots__ = ("chain", "in_repo")

    def __init__(self, in_repo: bool, chain: tuple[tuple[str, _IgnoreFile], ...]) -> None:
        self.in_repo = in_repo
        self.chain = chain

    def ignores(self, name: str, is_dir: bool) -> bool:
        """Whether the entry `name` is ignored: the last rule matching it wins
        (a deeper folder's rules come after its parents'). Paths are matched
        as git matches them, byte by byte (`git_bytes`)."""
        if not name.isascii():
            name = git_bytes(name)
        for prefix, rules in reversed(self.chain):
            if not prefix.isascii():
                prefix = git_bytes(prefix)
            verdict = rules.verdict(prefix + name, name, is_dir)
            if verdict is not None:
                return verdict
        return False


#: Outside a repository nothing is ignored.
_OUTSIDE_REPOSITORY = _IgnoreScope(False, ())


@cache
def _ignore_scope(folder: str) -> _IgnoreScope:
    """The `_IgnoreScope` of the resolved folder `folder`: a new chain if it
    holds `.git` (a repository root), else its parent's one level deeper."""
    if _holds(folder, ".git", 0) and os.path.exists(os.path.join(folder, ".git")):
        above: tuple[tuple[str, _IgnoreFile], ...] = ()
    else:
        parent, name = os.path.split(folder)
        if parent == folder or not name:
            return _OUTSIDE_REPOSITORY
        scope = _ignore_scope(parent)
        if not scope.in_repo:
            return _OUTSIDE_REPOSITORY
        above = tuple((f"{prefix}{name}/", rules) for prefix, rules in scope.chain)
    own = _gitignore_rules(folder)
    return _IgnoreScope(True, (*above, ("", own)) if own is not None else above)


def forget_ignore_rules() -> None:
    """Read `.gitignore` files again from now on (they are read once per process)."""
    _ignore_scope.cache_clear()
    _gitignore_rules.cache_clear()


def gitignored(path: StrPath, is_dir: bool) -> bool:
    """Whether the `.gitignore` files between the repository root and `path` ignore it."""
    resolved = os.path.realpath(path)
    parent, name = os.path.split(resolved)
    return _ignore_scope(parent).ignores(name, is_dir)


def patterns_source(config: Config, key: str) -> str:
    """Where the patterns of setting `key` come from, for a warning."""
    return f"{config.source or 'command line'}: `{key}`"


class FileFilter(Record):
    __slots__ = _fields = ("excludes", "respect_gitignore")
    excludes: PathMatcher
    respect_gitignore: bool

    def __init__(self, excludes: PathMatcher, respect_gitignore: bool = True) -> None:
        self._set(excludes=excludes, respect_gitignore=respect_gitignore)

    @classmethod
    def of(cls, config: Config, root: StrPath | None = None) -> FileFilter:
        """The filter of `config`'s excludes, relative to `root` (default: its root)."""
        excludes = PathMatcher.build(
            config.root if root is None else root,
            config.all_excludes,
            patterns_source(config, "exclude"),
        )
        return cls(excludes, config.respect_gitignore)

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

    def in_folder(self, folder: str) -> Skip:
        """`skip_resolved` for the entries of the resolved folder `folder`
        that are no symlinks (each resolves to `folder/name`): its ignore
        rules and the name patterns looked up once for them all."""
        names = self.excludes.names
        if self.excludes.paths is not None:
            return self.skip_resolved  # path patterns: relative to the root, as they resolve
        scope = _ignore_scope(folder) if self.respect_gitignore else None
        ruled = scope if scope is not None and scope.chain else None

        def skip(name: str, resolved: str, is_dir: bool) -> bool:
            if names is not None and names(name):
                return True
            return ruled is not None and ruled.ignores(name, is_dir)

        return skip

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
    filters: Filter,
    *,
    force_exclude: bool = False,
    visited: list[str] | None = None,
) -> Iterator[str]:
    """Python files under `paths`, in a stable order, each once (spelled as
    `str(Path(...))` spells them); `visited` collects the folders listed."""
    seen: set[str] = set()
    walked: set[tuple[int, int]] = set()
    try:
        yield from _discover(paths, filters, force_exclude, visited, seen, walked)
    finally:
        _listed.clear()


def _discover(
    paths: Sequence[StrPath],
    filters: Filter,
    force_exclude: bool,
    visited: list[str] | None,
    seen: set[str],
    walked: set[tuple[int, int]],
) -> Iterator[str]:
    for entry in paths:
        given = normalized(os.fspath(entry))
        found: Iterator[tuple[str, str]]
        if os.path.isdir(given):
            if force_exclude and filters.skip_explicit(given, True):
                continue
            found = _walk(given, os.path.realpath(given), filters, walked, visited)
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


def _special(entry: os.DirEntry[str], is_link: bool) -> bool:
    """A FIFO, device or socket, met as no folder (a dangling symlink is not:
    reading it reports why). An entry that is no symlink says what it is in
    the listing (no `stat`, but where the file system leaves its kind unknown)."""
    try:
        if not is_link:
            return not entry.is_file(follow_symlinks=False)
        mode = entry.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _shown(path: str) -> str:
    """`path` as a warning shows it: relative to the working folder when below it."""
    below = relative_posix(absolute(path), os.getcwd())
    return path if below is None else below


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def _linked_kind(entry: os.DirEntry[str]) -> bool | None:
    """A symlink met in a walk: True when it leads to a folder (never entered),
    False to a file or nowhere (a dangling link), None when it loops (warned)."""
    try:
        return stat.S_ISDIR(os.stat(entry.path).st_mode)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            return False
        if not entry.name.endswith(PYTHON_SUFFIXES):  # a Python file says so when read
            warn_once(
                f"{_shown(entry.path)}: {_reason(exc)} (a symlink loop); skipped",
                os.path.abspath(entry.path),
            )
            return None
        return False


def _walk(
    folder: str,
    resolved: str,
    filters: Filter,
    walked: set[tuple[int, int]],
    visited: list[str] | None = None,
) -> Iterator[tuple[str, str]]:
    """(path, `_identity`) of each Python file under `folder` (normalized),
    which resolves to `resolved`. Symlinked folders met on the way are not
    entered (as ruff: they may lead out of the tree, or back up it), and a
    folder listed already (`walked`, by device and inode) is not listed again."""
    try:
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in walked:
            return
        walked.add((st.st_dev, st.st_ino))
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        warn_once(
            f"cannot list the folder {_shown(folder)}: {_reason(exc)}; its files are not checked",
            resolved,
        )
        return
    if visited is not None:
        visited.append(resolved)
    names = {entry.name for entry in entries}
    _listed[resolved] = (".git" in names, ".gitignore" in names)
    skip: Skip | None = None
    for entry in entries:
        try:
            is_link = entry.is_symlink()
            is_dir = not is_link and entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            warn_once(
                f"cannot tell what {_shown(entry.path)} is: {_reason(exc)}; skipped",
                os.path.abspath(entry.path),
            )
            continue
        if is_link and _linked_kind(entry) is not False:
            continue  # a symlinked folder (not entered), or a loop (warned)
        if not is_dir and (not entry.name.endswith(PYTHON_SUFFIXES) or _special(entry, is_link)):
            continue  # not Python; or a FIFO, device or socket named `x.py`: never read
        # an entry that is no symlink resolves inside the resolved folder
        if is_link:
            target = os.path.realpath(entry.path)
            if filters.skip_resolved(entry.name, target, is_dir):
                continue
        else:
            target = os.path.join(resolved, entry.name)
            if skip is None:
                skip = filters.in_folder(resolved)
            if skip(entry.name, target, is_dir):
                continue
        path = entry.name if folder == "." else entry.path  # normalized, as `folder`
        if is_dir:
            yield from _walk(path, target, filters, walked, visited)
        else:
            yield path, target if not is_link else _identity(path)

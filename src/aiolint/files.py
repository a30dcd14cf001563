"""Which files a run checks: recursion, excludes, `.gitignore`.

Folders are walked recursively for `*.py` and `*.pyi`. A path is skipped when
it matches an exclude pattern (ruff's semantics: a pattern without `/` matches
any file or folder of that name; one with `/` matches the path relative to the
project root) or, with `respect-gitignore`, the `.gitignore` files of the
folders it sits in (and `.git/info/exclude`). Files named explicitly on the
command line are checked even when excluded, unless `force_exclude` is set
(for pre-commit, which passes file names).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PYTHON_SUFFIXES = (".py", ".pyi")


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


@dataclass(frozen=True, slots=True)
class PathMatcher:
    """Exclude-style patterns relative to a root."""

    root: Path
    names: re.Pattern[str] | None
    paths: re.Pattern[str] | None

    @classmethod
    def build(cls, root: Path, patterns: Sequence[str]) -> PathMatcher:
        names = [glob_to_regex(p) for p in patterns if "/" not in p.rstrip("/")]
        paths = [glob_to_regex(p.strip("/")) for p in patterns if "/" in p.rstrip("/")]
        return cls(
            root,
            re.compile(f"(?:{'|'.join(names)})$") if names else None,
            re.compile(f"(?:{'|'.join(paths)})(?:/.*)?$") if paths else None,
        )

    def matches(self, path: Path) -> bool:
        if self.names is not None and self.names.match(path.name):
            return True
        if self.paths is not None:
            rel = _relative(path, self.root)
            return rel is not None and self.paths.match(rel) is not None
        return False


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _IgnoreRule:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


@cache
def _gitignore_rules(folder: Path) -> tuple[_IgnoreRule, ...]:
    """Rules of `folder/.gitignore` (and `.git/info/exclude` at a repo root)."""
    rules: list[_IgnoreRule] = []
    for source in (folder / ".git" / "info" / "exclude", folder / ".gitignore"):
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
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


@cache
def _repo_root(path: Path) -> Path | None:
    """The nearest folder at or above `path` holding `.git` (one lookup per folder)."""
    for folder in (path, *path.parents):
        if (folder / ".git").exists():
            return folder
    return None


def gitignored(path: Path, is_dir: bool) -> bool:
    """Whether the `.gitignore` files between the repository root and `path` ignore it."""
    path = path.resolve()
    root = _repo_root(path.parent)
    if root is None:
        return False
    ignored = False
    folders = [f for f in reversed(path.parents) if f == root or root in f.parents]
    for folder in folders:
        rel = path.relative_to(folder).as_posix()
        for rule in _gitignore_rules(folder):
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(rel):
                ignored = not rule.negate
    return ignored


@dataclass(frozen=True, slots=True)
class FileFilter:
    excludes: PathMatcher
    respect_gitignore: bool = True

    def skip(self, path: Path, is_dir: bool) -> bool:
        if self.excludes.matches(path):
            return True
        return self.respect_gitignore and gitignored(path, is_dir)

    def skip_explicit(self, path: Path, is_dir: bool) -> bool:
        """For a path named on the command line: it or a folder above it (up to
        the project root) is excluded."""
        absolute = path.absolute()
        if self.skip(absolute, is_dir):
            return True
        root = self.excludes.root.absolute()
        return any(self.skip(folder, True) for folder in absolute.parents if root in folder.parents)


def discover(
    paths: Sequence[Path], filters: FileFilter, *, force_exclude: bool = False
) -> Iterator[Path]:
    """Python files under `paths`, in a stable order, each once."""
    seen: set[Path] = set()
    for given in paths:
        if given.is_dir():
            if force_exclude and filters.skip_explicit(given, True):
                continue
            found = _walk(given, filters)
        else:
            if force_exclude and filters.skip_explicit(given, False):
                continue
            found = iter([given])
        for path in found:
            key = path.resolve() if path.exists() else path.absolute()
            if key not in seen:
                seen.add(key)
                yield path


def _walk(folder: Path, filters: FileFilter) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            if not filters.skip(path, True):
                yield from _walk(path, filters)
        elif entry.name.endswith(PYTHON_SUFFIXES) and not filters.skip(path, False):
            yield path

"""`--since REF`: keep only findings on lines added or changed since a git ref.

The changed lines come from `git diff --unified=0 REF -- <paths>` (the working
tree against REF, so staged, unstaged and committed changes all count); a file
git does not track (untracked, ignored, or outside the repository) is all new.
A finding is kept when any line of its span changed.
"""

from __future__ import annotations

import codecs
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiolint.engine.model import Diagnostic

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


class SinceError(ValueError):
    """Not a git repository, git missing, or an unknown ref."""


@dataclass
class ChangedLines:
    """Lines changed since the ref, per resolved file path."""

    changed: dict[Path, set[int]] = field(default_factory=dict)
    tracked: set[Path] = field(default_factory=set)

    def is_new(self, path: Path, first: int, last: int) -> bool:
        resolved = path.resolve()
        lines = self.changed.get(resolved)
        if lines is not None:
            return any(line in lines for line in range(first, last + 1))
        return resolved not in self.tracked


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise SinceError(f"--since needs git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise SinceError(done.stderr.decode("utf-8", "replace").strip() or "git failed")
    return done.stdout.decode("utf-8", "surrogateescape")


def _unquote(name: str) -> str:
    """git's C-style quoting of unusual file names (`"a\\303\\244.py"`)."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    raw = codecs.escape_decode(name[1:-1].encode("utf-8", "surrogateescape"))[0]
    return raw.decode("utf-8", "surrogateescape")  # type: ignore[union-attr]


def parse_diff(diff: str, top: Path) -> dict[Path, set[int]]:
    """Added or changed line numbers (new side) per file, from `--unified=0` output."""
    changed: dict[Path, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = _unquote(line[4:].rstrip("\t"))
            if name == "/dev/null":  # a deleted file
                current = None
                continue
            name = name[2:] if name.startswith("b/") else name
            current = changed.setdefault((top / name).resolve(), set())
        elif current is not None and (match := _HUNK.match(line)):
            start = int(match.group("start"))
            count = int(match.group("count") or 1)
            current.update(range(start, start + count))
    return changed


def changed_lines(ref: str, paths: Sequence[Path], cwd: Path | None = None) -> ChangedLines:
    """What changed since `ref` under `paths` (raises SinceError). The repository
    is the one holding the paths (`cwd`: the folder to ask git in)."""
    cwd = cwd or _anchor(paths)
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip()).resolve()
    except SinceError as exc:
        raise SinceError(f"--since: {cwd} is not in a git repository ({exc})") from None
    try:
        if ref.startswith("-"):  # not an option to git
            raise SinceError(ref)
        commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd).strip()
    except SinceError:
        raise SinceError(f"--since: unknown git ref {ref!r}") from None
    inside = [str(p.resolve()) for p in paths if _within(p.resolve(), top)]
    result = ChangedLines()
    if not inside:
        return result
    diff = _git(
        [
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--find-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            commit,
            "--",
            *inside,
        ],
        top,
    )
    result.changed = parse_diff(diff, top)
    listed = _git(["ls-files", "-z", "--", *inside], top)
    result.tracked = {(top / name).resolve() for name in listed.split("\0") if name}
    return result


def _anchor(paths: Sequence[Path]) -> Path:
    """The folder holding all `paths` (the working folder when there are none)."""
    if not paths:
        return Path.cwd()
    common = Path(os.path.commonpath([str(p.absolute()) for p in paths]))
    while not common.is_dir() and common != common.parent:
        common = common.parent
    return common


def _within(path: Path, top: Path) -> bool:
    return path == top or top in path.parents


def since_filter(diagnostics: Sequence[Diagnostic], lines: ChangedLines) -> list[Diagnostic]:
    return [
        d
        for d in diagnostics
        if lines.is_new(Path(d.path), d.start.line, max(d.end.line, d.start.line))
    ]

"""`--baseline FILE` / `--write-baseline FILE`: report only findings a baseline
does not record.

A baseline is a JSON file, `{"version": 1, "entries": [...]}`, one entry per
finding: `{code, path, fingerprint, message}`. `path` is relative to the
working folder (posix). The fingerprint hashes the code, the stripped text of
the flagged line(s) and the qualified name of the enclosing function or class
(`Class.method`, read from the `def`/`class` lines above, by indentation), not
the line number, so an entry still matches when lines above it are added or
removed. Matching is by (code, path, fingerprint), and each entry is used
once: two identical new findings beside one recorded one leave one reported.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiolint.engine.decoding import decode_source
from aiolint.engine.model import Diagnostic

VERSION = 1
_DEF = re.compile(r"(?P<indent>[ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+(?P<name>\w+)")
_INDENT = re.compile(r"[ \t]*")
_NEWLINE = re.compile(r"\r\n|\r|\n")

#: The lines of a file's source (None when it cannot be read).
LinesOf = Callable[[str], Sequence[str] | None]


def lines_reader(sources: dict[str, str]) -> LinesOf:
    """Read (and cache) a file's lines: from `sources` (stdin, files already read),
    else from disk (after `--fix`, the fixed content)."""
    cache: dict[str, Sequence[str] | None] = {}

    def lines_of(path: str) -> Sequence[str] | None:
        if path not in cache:
            text = sources.get(path)
            if text is None:
                try:
                    text = decode_source(Path(path).read_bytes())
                except (OSError, ValueError):
                    text = None
            cache[path] = None if text is None else _NEWLINE.split(text)
        return cache[path]

    return lines_of


class BaselineError(ValueError):
    """A baseline file that is missing, unreadable or not a baseline."""


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    path: str
    fingerprint: str
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.code, self.path, self.fingerprint)


def baseline_path(path: str, root: Path) -> str:
    """`path` relative to `root` (posix) when under it, else as given (posix)."""
    candidate = Path(path)
    try:
        return candidate.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return candidate.as_posix()


def _indent_width(line: str) -> int:
    return len(_INDENT.match(line).group().expandtabs(8))  # type: ignore[union-attr]


def enclosing_scope(lines: Sequence[str], line: int) -> str:
    """The qualified name of the function or class around 1-based `line`
    (`Class.method`, `outer.inner`; "" at module level), from the `def`/`class`
    lines above with a smaller indentation."""
    if not 0 < line <= len(lines):
        return ""
    limit = _indent_width(lines[line - 1])
    names: list[str] = []
    for index in range(line - 2, -1, -1):
        if limit == 0:
            break
        text = lines[index]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _DEF.match(text)
        if match is not None and _indent_width(text) < limit:
            names.append(match.group("name"))
            limit = _indent_width(text)
    return ".".join(reversed(names))


def fingerprint(diagnostic: Diagnostic, lines: Sequence[str] | None) -> str:
    """A hash of the code, the flagged line(s)' stripped text and the enclosing scope."""
    lines = lines or ()
    first, last = diagnostic.start.line, max(diagnostic.end.line, diagnostic.start.line)
    flagged = "\n".join(lines[i - 1].strip() for i in range(first, last + 1) if i <= len(lines))
    key = "\0".join((diagnostic.code, flagged, enclosing_scope(lines, first)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def entries_for(diagnostics: Iterable[Diagnostic], lines_of: LinesOf, root: Path) -> list[Entry]:
    return [
        Entry(d.code, baseline_path(d.path, root), fingerprint(d, lines_of(d.path)), d.message)
        for d in diagnostics
    ]


def write_baseline(path: Path, entries: Sequence[Entry]) -> None:
    data = {
        "version": VERSION,
        "entries": [
            {"code": e.code, "path": e.path, "fingerprint": e.fingerprint, "message": e.message}
            for e in entries
        ],
    }
    try:
        if path.parent != Path():
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None


def read_baseline(path: Path) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: not a baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise BaselineError(f"{path}: not a baseline (expected version {VERSION})")
    raw = data.get("entries")
    if not isinstance(raw, list):
        raise BaselineError(f"{path}: not a baseline (`entries` must be a list)")
    entries = []
    for number, item in enumerate(raw):
        fields = ("code", "path", "fingerprint")
        if not isinstance(item, dict) or not all(isinstance(item.get(f), str) for f in fields):
            raise BaselineError(f"{path}: entry {number} needs string code, path, fingerprint")
        message = item.get("message", "")
        entries.append(Entry(item["code"], item["path"], item["fingerprint"], str(message)))
    return entries


def new_diagnostics(
    diagnostics: Sequence[Diagnostic], entries: Iterable[Entry], lines_of: LinesOf, root: Path
) -> list[Diagnostic]:
    """The diagnostics no entry accounts for; each entry accounts for one."""
    available = Counter(entry.key for entry in entries)
    kept = []
    for diagnostic, entry in zip(
        diagnostics, entries_for(diagnostics, lines_of, root), strict=True
    ):
        if available[entry.key] > 0:
            available[entry.key] -= 1
        else:
            kept.append(diagnostic)
    return kept

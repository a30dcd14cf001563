"""`--add-noqa`: suppress every current finding with a `# noqa: AIOxxx` comment.

As ruff does it: the comment goes at the end of the line the finding starts on,
or, when that line ends inside a token that spans lines (a triple-quoted
string, a backslash continuation), at the end of that token's last line (flake8
reads a noqa there for every line of the token). An existing `# noqa: X` on
that line is extended (`# noqa: X, AIO201`); another comment is kept and the
noqa follows it. The file's bytes are kept otherwise: encoding, BOM, line
endings.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiolint.engine.decoding import detect_encoding
from aiolint.engine.model import INVALID_FILE, Diagnostic
from aiolint.engine.noqa import NOQA_INLINE
from aiolint.fixes.write import write_atomic

_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_SPLIT = re.compile(r"[,\s]+")


class NoqaUpdateError(ValueError):
    """The file cannot take noqa comments (unreadable, undecodable, untokenizable)."""


@dataclass(frozen=True, slots=True)
class NoqaResult:
    #: Lines that got or extended a noqa comment, per file.
    added: dict[str, int]
    #: Files that could not be updated, with the reason.
    failed: dict[str, str]

    @property
    def count(self) -> int:
        return sum(self.added.values())


def _token_spans(text: str) -> tuple[dict[int, int], dict[int, tokenize.TokenInfo]]:
    """For each line, the last line of the token group it belongs to (lines joined
    by multi-line strings or backslashes), and each line's comment token."""
    last_line: dict[int, int] = {}
    comments: dict[int, tokenize.TokenInfo] = {}
    first = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok
            first = tok.start[0] if first is None else first
            if tok.type in (tokenize.NL, tokenize.NEWLINE):
                for line in range(first, tok.end[0] + 1):
                    last_line[line] = tok.end[0]
                first = None
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise NoqaUpdateError(f"cannot tokenize: {exc}") from None
    return last_line, comments


def _merge(comment: str, codes: Sequence[str]) -> str | None:
    """`comment` with `codes` added to its `# noqa: ...` list; None if it has none."""
    match = NOQA_INLINE.search(comment)
    if match is None or match.group("codes") is None:
        return None
    listed = match.group("codes")
    existing = [c for c in _SPLIT.split(listed.strip()) if c]
    merged = existing + [c for c in codes if c not in existing]
    trailing = listed[len(listed.rstrip()) :]
    directive = "# noqa: " + ", ".join(merged)
    return comment[: match.start()] + directive + trailing + comment[match.end() :]


def add_noqa_text(text: str, diagnostics: Iterable[Diagnostic]) -> tuple[str, int]:
    """`text` with noqa comments for `diagnostics`, and the number of lines changed."""
    last_line, comments = _token_spans(text)
    wanted: dict[int, list[str]] = defaultdict(list)
    for d in diagnostics:
        if d.code == INVALID_FILE:
            continue
        line = last_line.get(d.start.line, d.start.line)
        if d.code not in wanted[line]:
            wanted[line].append(d.code)
    lines = _LINE.findall(text)
    changed = 0
    for line, codes in wanted.items():
        if not 0 < line <= len(lines):
            continue
        codes = sorted(codes)
        physical = lines[line - 1]
        body = physical.rstrip("\r\n")
        ending = physical[len(body) :]
        comment = comments.get(line)
        merged = _merge(comment.string, codes) if comment is not None else None
        if comment is not None and merged is not None:
            column = comment.start[1]
            body = body[:column] + merged + body[column + len(comment.string) :]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(codes)
        lines[line - 1] = body + ending
        changed += 1
    return "".join(lines), changed


def add_noqa_bytes(source: bytes, diagnostics: Iterable[Diagnostic]) -> tuple[bytes, int]:
    """The same over a file's bytes, decoded and encoded back in its own encoding."""
    try:
        encoding = detect_encoding(source)
        text = source.decode(encoding)
    except (ValueError, LookupError) as exc:
        raise NoqaUpdateError(f"cannot decode: {exc}") from None
    new_text, changed = add_noqa_text(text, diagnostics)
    if not changed:
        return source, 0
    if not _same_code(text, new_text):
        raise NoqaUpdateError("adding the comments would change the code; file left alone")
    return new_text.encode(encoding), changed


def _same_code(before: str, after: str) -> bool:
    """Only comments were added: both parse to the same syntax tree (when the
    running Python parses the original at all)."""
    try:
        original = ast.dump(ast.parse(before))
    except (SyntaxError, ValueError):
        return True  # newer syntax than this Python: the comments go at line ends only
    try:
        return ast.dump(ast.parse(after)) == original
    except (SyntaxError, ValueError):
        return False


def add_noqa(diagnostics: Sequence[Diagnostic]) -> NoqaResult:
    """Add noqa comments for `diagnostics` to their files (written atomically)."""
    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        by_path[d.path].append(d)
    added: dict[str, int] = {}
    failed: dict[str, str] = {}
    for path, found in by_path.items():
        try:
            source = Path(path).read_bytes()
            fixed, changed = add_noqa_bytes(source, found)
            if changed:
                write_atomic(Path(path), source, fixed)
                added[path] = changed
        except (OSError, NoqaUpdateError) as exc:
            failed[path] = str(exc)
    return NoqaResult(added, failed)

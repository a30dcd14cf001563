"""Lint a large file in chunks of whole top-level statements.

LibCST's parse and its metadata hold about 17 KB per line of source (a
50,000-line module peaked at 1.25 GB), so a large file is parsed a chunk at a
time: runs of whole top-level statements of at most `CHUNK_LINES` lines and
`CHUNK_TOKENS` tokens (`aiolint.engine.toplevel` finds them with `tokenize`,
without the whole file's `ast`, which costs more than a chunk's LibCST tree).
A single statement of more than `MAX_STATEMENT_TOKENS` tokens is not parsed:
the file gets an AIO000 saying so (`oversized`). Each chunk is linted as a module of its
own with the rest of the file summarised around it, in file order, so that
name resolution stays the whole file's: every other top-level statement that
is not a `def` or `class` (imports, assignments, `if TYPE_CHECKING:` blocks)
verbatim, and every other `def` and `class` whose name the chunk's text
holds (or the text of one held already: a helper's helper), verbatim too; no
other can be referred to. The chunk's findings are moved back to the file's
lines (related places and the lines messages name too); a finding on the
summary is dropped (the chunk that holds that statement reports it). A fix
is moved with its finding when its edits fall in the chunk's own text but
outside its module-level statements other than `def` and `class`; any other
(one that adds an import at the top, or removes one only this chunk leaves
unused) is withheld, never applied at the wrong place. File-wide
`# aiolint: noqa` exemptions are applied to the merged result.

`tests/test_chunks.py` compares the result with the whole-file lint (every
fixture concatenated into one file of many chunks: equal findings, each fix
equal or withheld).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import replace
from typing import cast

from aiolint.engine.model import Diagnostic, FileResult, Location, TextEdit, TextFix
from aiolint.engine.noqa import file_exemptions, file_exempts
from aiolint.engine.toplevel import Span, top_level

#: Files of more lines than this are linted in chunks of at most this many lines.
CHUNK_LINES = 5_000
#: ... and of at most this many tokens (LibCST's tree and metadata take 2 to
#: 4 KB a token: about 5,000 lines of ordinary code, 10,000 arguments of one
#: call); a file of more characters than this is split into statements too.
CHUNK_TOKENS = 50_000
#: A top-level statement of more tokens than this is not parsed (see `oversized`).
MAX_STATEMENT_TOKENS = CHUNK_TOKENS
#: A file is linted whole when the summary of the rest of it around a chunk
#: would be longer than this (a module of big constants gains nothing).
MAX_SUMMARY_LINES = 2_500
MAX_SUMMARY_TOKENS = CHUNK_TOKENS // 2
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WORD = re.compile(r"[^\W\d]\w*")
#: How messages name lines of the file: `line 12`, `lines 3, 5 and 9`.
_LINES_NAMED = re.compile(r"\blines? \d+(?:(?:, | and )\d+)*")
_NUMBER = re.compile(r"\d+")

#: Lints one chunk's text as a whole module (`lint._lint_source` without chunking).
LintText = Callable[[str], FileResult]


class Statement:
    """One top-level statement: its first and last line (decorators included),
    its text, the name a `def` or `class` binds (None for another
    statement, which every chunk's summary holds) and its token count;
    `mentions`: for a plain assignment of one name (`NAME = ...`,
    `NAME: T = ...`), the names it binds or reads (names, attributes,
    keywords); a chunk's summary holds it only when the chunk's text, or a
    statement held already, holds one of them (a module of big constants
    keeps its summaries small); None for any other statement."""

    __slots__ = ("_mentions", "_words", "first", "is_class", "last", "name", "text", "tokens")

    def __init__(
        self,
        first: int,
        last: int,
        text: str,
        name: str | None,
        tokens: int,
        is_class: bool = False,
    ) -> None:
        self.first = first
        self.last = last
        self.text = text
        self.name = name
        self.tokens = tokens
        self.is_class = is_class
        self._mentions: frozenset[str] | object | None = _UNREAD if name is None else None
        self._words: frozenset[str] | None = None

    @property
    def mentions(self) -> frozenset[str] | None:
        """See the class doc; read with `ast` when first asked (only a chunk's
        summary asks: not a file linted whole, nor the project model's parts)."""
        if self._mentions is _UNREAD:
            self._mentions = _assignment_names(self.text)
        return cast("frozenset[str] | None", self._mentions)

    @property
    def words(self) -> frozenset[str]:
        """The identifiers its text holds (and words of its strings and comments)."""
        if self._words is None:
            self._words = frozenset(_WORD.findall(self.text))
        return self._words


#: `Statement.mentions` not read yet.
_UNREAD = object()
#: The start of a statement that may assign one name (`ast` decides).
_MAY_ASSIGN = re.compile(r"[^\W\d]\w*[ \t]*(?::|=(?!=))")


def _assignment_names(text: str) -> frozenset[str] | None:
    """The names `text` binds or reads (names, attributes, keywords) when it
    is one plain assignment of a name (`NAME = value`, `NAME: T = value`;
    not `a = b = ...`, a tuple, an attribute, an augmented assignment or
    several statements on a line); else None."""
    if _MAY_ASSIGN.match(text) is None:
        return None
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if len(body) != 1:
        return None
    node = body[0]
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign) and node.value is not None and node.simple:
        target = node.target
    else:
        return None
    if not isinstance(target, ast.Name):
        return None
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.Attribute):
            names.add(child.attr)
        elif isinstance(child, ast.keyword) and child.arg is not None:
            names.add(child.arg)
    return frozenset(names)


def split_lines(text: str) -> list[str]:
    """The lines of `text` as Python counts them, each with its line break."""
    lines: list[str] = []
    start = 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def is_large(text: str) -> bool:
    """Whether `text` may be more than one chunk: more than `CHUNK_TOKENS`
    characters (a token is one at least, but for line breaks) or
    `CHUNK_LINES` lines."""
    return len(text) > CHUNK_TOKENS or len(_LINE_BREAK.findall(text)) >= CHUNK_LINES


def statements(spans: list[Span], lines: list[str]) -> list[Statement]:
    """The file's top-level statements (`spans`: `toplevel.top_level` of it)."""
    found: list[Statement] = []
    for span in spans:
        text = "".join(lines[span.first - 1 : span.last])
        if not text.endswith(("\n", "\r")):
            text += "\n"
        found.append(Statement(span.first, span.last, text, span.name, span.tokens, span.is_class))
    return found


def oversized(found: list[Statement]) -> Statement | None:
    """The first statement of more than `MAX_STATEMENT_TOKENS` tokens: no
    chunk can hold it (a generated one-line `gather(...)` of 5 MB would take
    5 GB to parse), so the file is not checked."""
    return next((s for s in found if s.tokens > MAX_STATEMENT_TOKENS), None)


def plan(found: list[Statement], line_count: int) -> list[tuple[int, int, int, int]] | None:
    """Chunks as (first statement, last statement, first line, last line):
    runs of whole statements of at most `CHUNK_LINES` lines and `CHUNK_TOKENS`
    tokens (a larger single statement is a chunk alone), cut only between
    statements on different lines; the lines between two statements go with
    the first. None: one chunk would do."""
    chunks: list[tuple[int, int, int, int]] = []
    start = 0
    tokens = found[0].tokens if found else 0
    for index in range(1, len(found)):
        first_line = 1 if start == 0 else found[start].first
        tokens += found[index].tokens
        too_long = found[index].last - first_line + 1 > CHUNK_LINES or tokens > CHUNK_TOKENS
        if too_long and found[index].first > found[index - 1].last:
            chunks.append((start, index - 1, first_line, found[index].first - 1))
            start = index
            tokens = found[index].tokens
    first_line = 1 if start == 0 else found[start].first
    chunks.append((start, len(found) - 1, first_line, line_count))
    return chunks if len(chunks) > 1 else None


def module_parts(text: str) -> list[tuple[str, frozenset[str]]] | None:
    """A large module (`is_large`) as parts to read one at a time with
    `ast`, for the project model's scan (`aiolint.project.scan`): each part
    holds the module's statements other than `def` and `class` (imports,
    assignments, `if`/`try` blocks) and its own run of `def`s and `class`es
    (a chunk's, `plan`), each on its lines of the file (blank lines between:
    positions are the file's), then, after the file's last line, a one-line
    stand-in (`def name(): pass`, `class name: pass`) for each other `def`
    and `class` its text names, so names resolve as in the whole module;
    with the names of the `def`s and `class`es it owns (what the scan of
    that part answers for). The first part owns none: the other statements
    alone. None: read the module whole (one chunk would do, it does not
    tokenize, or its other statements are more than `MAX_SUMMARY_LINES`)."""
    spans = top_level(text)
    if spans is None:
        return None
    lines = split_lines(text)
    found = statements(spans, lines)
    layout = plan(found, len(lines))
    if layout is None:
        return None
    shared = [s for s in found if s.name is None]
    if sum(s.last - s.first + 1 for s in shared) > MAX_SUMMARY_LINES:
        return None
    defined: dict[str, bool] = {s.name: s.is_class for s in found if s.name is not None}
    words = frozenset().union(*(s.words for s in shared))
    parts = [
        (_in_place(shared, len(lines)) + _stand_ins(defined, words, frozenset()), frozenset[str]())
    ]
    for first, last, _, _ in layout:
        own = [s for s in found[first : last + 1] if s.name is not None]
        names = frozenset(s.name for s in own if s.name is not None)
        named = words.union(*(s.words for s in own))
        placed = _in_place(sorted([*shared, *own], key=lambda s: s.first), len(lines))
        parts.append((placed + _stand_ins(defined, named, names), names))
    return parts


def _in_place(found: list[Statement], line_count: int) -> str:
    """The texts of `found` (in file order), each on its lines of the file,
    blank lines between, up to the file's last line."""
    parts: list[str] = []
    line = 1
    for statement in found:
        parts.append("\n" * (statement.first - line))
        parts.append(statement.text)
        line = statement.last + 1
    parts.append("\n" * (line_count + 1 - line))
    return "".join(parts)


def _stand_ins(defined: dict[str, bool], named: frozenset[str], own: frozenset[str]) -> str:
    """A one-line `def` or `class` for each name of `defined` in `named` but not in `own`."""
    return "".join(
        f"class {name}: pass\n" if is_class else f"def {name}(): pass\n"
        for name, is_class in defined.items()
        if name in named and name not in own
    )


def lint_in_chunks(
    text: str,
    path: str,
    found: list[Statement],
    chunks: list[tuple[int, int, int, int]],
    lint_text: LintText,
) -> FileResult | None:
    """The file's result from its chunks' (see the module doc); None when a
    chunk's summary is too large (the whole file is then linted as one). A
    chunk rejected (an AIO000: LibCST cannot read it, or it is nested too
    deeply) rejects the file: its result is that AIO000 alone, moved to the
    file's lines, as a whole-file lint rejects the file."""
    lines = split_lines(text)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    by_name: dict[str, list[int]] = {}
    for index, statement in enumerate(found):
        if statement.name is not None:
            by_name.setdefault(statement.name, []).append(index)
        for mentioned in statement.mentions or ():
            by_name.setdefault(mentioned, []).append(index)
    result = FileResult(path)
    for first_stmt, last_stmt, first_line, last_line in chunks:
        own = "".join(lines[first_line - 1 : last_line])
        if own and not own.endswith(("\n", "\r")):
            own += "\n"
        needed = _needed(found, by_name, range(first_stmt, last_stmt + 1), own)
        if (
            sum(found[i].last - found[i].first + 1 for i in needed) > MAX_SUMMARY_LINES
            or sum(found[i].tokens for i in needed) > MAX_SUMMARY_TOKENS
        ):
            return None
        parts: list[str] = []
        origin: list[int] = [0]  # the file's line of each line of the chunk's text
        for index in sorted(i for i in needed if i < first_stmt):
            parts.append(found[index].text)
            origin.extend(range(found[index].first, found[index].last + 1))
        start = sum(map(len, parts))
        first = len(origin)
        parts.append(own)
        origin.extend(range(first_line, last_line + 1))
        last = len(origin) - 1
        for index in sorted(i for i in needed if i > last_stmt):
            parts.append(found[index].text)
            origin.extend(range(found[index].first, found[index].last + 1))
        chunk = lint_text("".join(parts))
        rejected = next((d for d in chunk.diagnostics if d.code == "AIO000"), None)
        if rejected is not None:
            return _rejected(path, rejected, origin)
        chars = offsets[first_line - 1] - start
        shared = [
            (offsets[found[i].first - 1] - chars, offsets[found[i].last] - chars)
            for i in range(first_stmt, last_stmt + 1)
            if found[i].name is None
        ]
        shift = _Shift(origin, first, last, start, start + len(own), chars, shared)
        for diagnostic in chunk.diagnostics:
            moved = shift.diagnostic(diagnostic)
            if moved is not None:
                result.diagnostics.append(moved)
        result.errors.extend(chunk.errors)
    result.parsed = True
    exemptions = file_exemptions(text)
    result.diagnostics = [d for d in result.diagnostics if not file_exempts(exemptions, d.code)]
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


def _rejected(path: str, rejected: Diagnostic, origin: list[int]) -> FileResult:
    """The file's result when one of its chunks is rejected: that AIO000 on the file's line."""
    line = rejected.start.line
    moved = Location(origin[line] if 0 < line < len(origin) else 1, rejected.start.column)
    result = FileResult(path)
    result.diagnostics.append(replace(rejected, start=moved, end=moved))
    return result


def _needed(
    found: list[Statement], by_name: dict[str, list[int]], own: range, text: str
) -> set[int]:
    """The other statements a chunk's summary holds: every one that is not a
    `def`, a `class` or a plain assignment of one name; each `def` and
    `class` whose name the chunk's text, or the text of one already held,
    names (nothing else can refer to it); each such assignment that binds or
    reads a name those texts hold (`Statement.mentions`)."""
    needed = {
        i for i, s in enumerate(found) if s.name is None and s.mentions is None and i not in own
    }
    pending = set(_WORD.findall(text))
    for index in needed:
        pending |= found[index].words
    seen: set[str] = set()
    while pending:
        word = pending.pop()
        seen.add(word)
        for index in by_name.get(word, ()):
            if index not in own and index not in needed:
                needed.add(index)
                pending |= found[index].words - seen
    return needed


class _Shift:
    """Moves a chunk's findings back to the file: `origin[line]` is the
    file's line of a line of the chunk's text; its own lines are
    `first..last` (characters `start..end`)."""

    __slots__ = ("chars", "end", "first", "last", "origin", "shared", "start")

    def __init__(
        self,
        origin: list[int],
        first: int,
        last: int,
        start: int,
        end: int,
        chars: int,
        shared: list[tuple[int, int]],
    ) -> None:
        self.origin, self.first, self.last = origin, first, last
        self.start, self.end, self.chars = start, end, chars
        #: The spans of its own statements every chunk's summary holds too
        #: (imports, assignments): whether to edit one is the whole file's call.
        self.shared = shared

    def _owns(self, location: Location) -> bool:
        return self.first <= location.line <= self.last

    def _location(self, location: Location) -> Location:
        return Location(self.origin[location.line], location.column)

    def _edit_location(self, location: Location) -> Location | None:
        """Where an edit's end is in the file: on one of the chunk's own lines,
        or at the start of the line after them; None elsewhere."""
        if self._owns(location):
            return self._location(location)
        if location.line == self.last + 1 and location.column == 1:
            return Location(self.origin[self.last] + 1, 1)
        return None

    def diagnostic(self, diagnostic: Diagnostic) -> Diagnostic | None:
        if not self._owns(diagnostic.start) or not self._owns(diagnostic.end):
            return None  # on the summary: the chunk holding it reports it
        if any(not 0 < r.start.line < len(self.origin) for r in diagnostic.related):
            return None
        message = self._message(diagnostic.message)
        if message is None:
            return None
        return replace(
            diagnostic,
            message=message,
            start=self._location(diagnostic.start),
            end=self._location(diagnostic.end),
            related=tuple(replace(r, start=self._location(r.start)) for r in diagnostic.related),
            fix=self._fix(diagnostic.text_fix),
        )

    def _message(self, message: str) -> str | None:
        """The message with the lines of this file it names (`line 12`,
        `lines 3, 5 and 9`: how rules name them) moved back; None if one
        is not a line of the file."""
        if "line" not in message:
            return message
        lost = False

        def moved(number: re.Match[str]) -> str:
            nonlocal lost
            line = int(number.group())
            if not 0 < line < len(self.origin):
                lost = True
                return number.group()
            return str(self.origin[line])

        def names(match: re.Match[str]) -> str:
            return _NUMBER.sub(moved, match.group())

        text = _LINES_NAMED.sub(names, message)
        return None if lost else text

    def _fix(self, fix: TextFix | None) -> TextFix | None:
        if fix is None:
            return None
        edits = [*fix.edits, *([fix.import_edit] if fix.import_edit is not None else [])]
        if any(not (self.start <= e.start <= e.end <= self.end) for e in edits):
            return None  # withheld: it edits the summary (an import at the top)
        if any(_overlaps(e, span) for e in edits for span in self.shared):
            return None  # withheld: removing an import only this chunk leaves unused
        moved = [self._edit(e) for e in fix.edits]
        import_edit = None if fix.import_edit is None else self._edit(fix.import_edit)
        if any(e is None for e in moved) or (fix.import_edit is not None and import_edit is None):
            return None
        return replace(fix, edits=tuple(moved), import_edit=import_edit)

    def _edit(self, edit: TextEdit) -> TextEdit | None:
        location = self._edit_location(edit.location)
        end_location = self._edit_location(edit.end_location)
        if location is None or end_location is None:
            return None
        return replace(
            edit,
            start=edit.start + self.chars,
            end=edit.end + self.chars,
            location=location,
            end_location=end_location,
        )


def _overlaps(edit: TextEdit, span: tuple[int, int]) -> bool:
    """Whether `edit` changes text in `span` (an insertion: strictly inside it)."""
    first, end = span
    if edit.start == edit.end:
        return first < edit.start < end
    return edit.start < end and edit.end > first

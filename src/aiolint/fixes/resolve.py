"""Turn a rule's node-level `Fix` into text edits over the decoded source.

Each node edit is applied alone to the module and the result is diffed with the
original (common prefix and suffix), so the text edit is exactly what LibCST's
code generator changes; a change spanning lines is widened to whole lines so
insertions from different fixes compose. Central downgrades (FIXES.md): a fix
that drops a comment or relies on a guessed type is at most unsafe; a fix that
needs a newer Python than the target is not offered.

`summarize_fix` answers what a check that shows no edits needs, whether the
fix is offered and how applicable, without generating its text where the
rule's `Fix` tells (see there).
"""

from __future__ import annotations

import io
import re
import tokenize
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from itertools import pairwise

import libcst as cst
from libcst.metadata import CodeRange

from aiolint.engine.model import (
    Applicability,
    Edit,
    Fix,
    FixSummary,
    Location,
    RequiredImport,
    TextEdit,
    TextFix,
)
from aiolint.fixes.imports import add_imports
from aiolint.fixes.nodes import with_written_indent, written_indent
from aiolint.semantic.positions import Positions, code_in_context


class FixResolutionError(ValueError):
    """A rule's fix cannot be turned into text edits (its edits overlap, say)."""


class _Replace(cst.CSTTransformer):
    def __init__(self, edit: Edit) -> None:
        super().__init__()
        self.edit = edit
        self.done = False

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        if original_node is self.edit.node:
            self.done = True
            return self.edit.replacement
        return updated_node


class LineIndex:
    """Offsets <-> 1-based (line, column) for one text."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def location(self, offset: int) -> Location:
        line = bisect_right(self.starts, offset)
        return Location(line, offset - self.starts[line - 1] + 1)


def _common_prefix(old: str, new: str) -> int:
    """The length of the longest common prefix (binary search over slice
    comparisons: C speed, where a character loop costs 10 ms per 100 KB)."""
    low, high = 0, min(len(old), len(new))
    while low < high:
        middle = (low + high + 1) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(old: str, new: str, limit: int) -> int:
    """The length, at most `limit`, of the longest common suffix."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle : len(old) - low] == new[len(new) - middle : len(new) - low]:
            low = middle
        else:
            high = middle - 1
    return low


def _diff(old: str, new: str) -> tuple[int, int, str]:
    """The smallest (start, end, content) turning `old` into `new`, widened to
    whole lines when the change spans a line break."""
    limit = min(len(old), len(new))
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, limit - prefix)
    start, old_end, new_end = prefix, len(old) - suffix, len(new) - suffix
    breaks = "\n" in old[start:old_end] or "\n" in new[start:new_end]
    start, old_end, new_end = _whole_lines(old, start, old_end, new_end, breaks)
    return start, old_end, new[start:new_end]


def _whole_lines(
    old: str, start: int, old_end: int, new_end: int, breaks: bool
) -> tuple[int, int, int]:
    """The changed span `start:old_end` of `old` (`start:new_end` of the new
    text) widened to whole lines when the change spans a line break."""
    if breaks:
        start = old.rfind("\n", 0, start) + 1
        if old_end > 0 and old[old_end - 1] != "\n":
            newline = old.find("\n", old_end)
            grow = (newline + 1 if newline != -1 else len(old)) - old_end
            old_end += grow
            new_end += grow
    return start, old_end, new_end


class _Spliced:
    """`old[:start] + content + old[end:]`, read by slices without being built."""

    __slots__ = ("content", "end", "old", "start")

    def __init__(self, old: str, start: int, end: int, content: str) -> None:
        self.old, self.start, self.end, self.content = old, start, end, content

    def __len__(self) -> int:
        return len(self.old) - (self.end - self.start) + len(self.content)

    def slice(self, low: int, high: int) -> str:
        """`text[low:high]` for 0 <= low <= high <= len(self)."""
        start, content = self.start, self.content
        middle = start + len(content)
        parts = []
        if low < start:
            parts.append(self.old[low : min(high, start)])
        if max(low, start) < min(high, middle):
            parts.append(content[max(low, start) - start : min(high, middle) - start])
        if high > max(low, middle):
            shift = self.end - middle
            parts.append(self.old[max(low, middle) + shift : high + shift])
        return "".join(parts)


def _longest(known: int, limit: int, same: Callable[[int, int], bool]) -> int:
    """The largest n in [known, limit] with `same(known, n)`, given that the
    predicate holds at `known` and is monotone: galloping, then bisection, so
    the cost follows the answer (what is compared), not the text's length."""
    low, step = known, 64
    while low < limit:
        high = min(low + step, limit)
        if same(low, high):
            low, step = high, step * 2
            continue
        high -= 1  # the answer is in [low, high]
        while low < high:
            middle = (low + high + 1) // 2
            if same(low, middle):
                low = middle
            else:
                high = middle - 1
        return low
    return low


def _splice_diff(old: str, start: int, end: int, content: str) -> tuple[int, int, str]:
    """`_diff(old, old[:start] + content + old[end:])`, at a cost that follows
    the change, not the text: the new text is never built (building and
    comparing it for each fix made a file's fixes cost the product of its
    length and their number)."""
    new = _Spliced(old, start, end, content)
    old_length, new_length = len(old), len(new)
    limit = min(old_length, new_length)
    # Text before `start` is common to both, and so is text after `end` (the tail).
    prefix = _longest(
        min(start, limit), limit, lambda low, high: old[low:high] == new.slice(low, high)
    )
    bound = limit - prefix
    suffix = _longest(
        min(old_length - end, bound),
        bound,
        lambda low, high: (
            old[old_length - high : old_length - low]
            == new.slice(new_length - high, new_length - low)
        ),
    )
    start, old_end, new_end = prefix, old_length - suffix, new_length - suffix
    breaks = "\n" in old[start:old_end] or "\n" in new.slice(start, new_end)
    start, old_end, new_end = _whole_lines(old, start, old_end, new_end, breaks)
    return start, old_end, new.slice(start, new_end)


@lru_cache(maxsize=2)
def _comments(source: str) -> tuple[list[int], list[str]]:
    """The offsets, in order, and the texts of every comment in the source
    (cached: fixes of one file ask about the same source)."""
    index = LineIndex(source)
    offsets: list[int] = []
    texts: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                row, col = token.start
                offsets.append(index.starts[row - 1] + col)
                texts.append(token.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return offsets, texts


def drops_comment(source: str, edits: Sequence[TextEdit]) -> bool:
    """Whether a comment inside an edited span is missing from its replacement."""
    if not any("#" in source[e.start : e.end] for e in edits):
        return False
    offsets, texts = _comments(source)
    for edit in edits:
        first = bisect_left(offsets, edit.start)
        last = bisect_left(offsets, edit.end, first)
        if any(text not in edit.content for text in texts[first:last]):
            return True
    return False


def _expression_span(
    module: cst.Module,
    source: str,
    index: LineIndex,
    edit: Edit,
    positions: Mapping[cst.CSTNode, CodeRange] | None,
) -> tuple[int, int, str] | None:
    """Fast path for an expression replaced by an expression: its span from the
    position metadata, checked against the code LibCST generates for it (a
    mismatch falls back to diffing the whole module)."""
    node, replacement = edit.node, edit.replacement
    if positions is None or not isinstance(node, cst.BaseExpression):
        return None
    if not isinstance(replacement, cst.BaseExpression):
        return None
    if isinstance(positions, Positions):
        try:
            start, end = positions.offsets(node)
        except KeyError:
            return None
    else:
        rng = positions.get(node)
        if rng is None or rng.end.line > len(index.starts):
            return None  # not in the module, or lines LineIndex does not count (a lone CR)
        start = index.starts[rng.start.line - 1] + rng.start.column
        end = index.starts[rng.end.line - 1] + rng.end.column
    if source[start:end] == module.code_for_node(node):
        return start, end, module.code_for_node(replacement)
    if isinstance(positions, Positions):
        # Parenthesized or spanning lines (`(db.query(X)\n    .all())`): the
        # node's whole span, generated under its indentation as the module's own
        # code generation would, and the replacement generated the same way.
        try:
            start, end = positions.span(node)
        except KeyError:
            return None
        indent = positions.indent(node)
        if end <= len(source) and source[start:end] == code_in_context(module, node, indent):
            new = code_in_context(module, replacement, indent)
            return _splice_diff(source, start, end, new)
    return None


#: Nodes whose code depends only on the indentation they are generated under
#: (their parent passes no arguments such as a default comma), and what may
#: replace each: generated in place, they give the edit without generating
#: the whole changed module.
_IN_PLACE: tuple[tuple[type[cst.CSTNode], type[cst.CSTNode]], ...] = (
    (cst.BaseStatement, cst.BaseStatement),
    (cst.IndentedBlock, cst.BaseSuite),
    (cst.SimpleStatementSuite, cst.BaseSuite),
    (cst.ExceptHandler, cst.ExceptHandler),
    (cst.ExceptStarHandler, cst.ExceptStarHandler),
    (cst.Else, cst.Else),
    (cst.Finally, cst.Finally),
    (cst.Decorator, cst.Decorator),
)


#: Of those, the kinds that sit in a sequence (a body, a `try`'s handlers), where
#: a node may be replaced by several.
_SEQUENCED = (cst.BaseStatement, cst.ExceptHandler, cst.ExceptStarHandler, cst.Decorator)


def _in_place_span(
    module: cst.Module,
    source: str,
    edit: Edit,
    positions: Mapping[cst.CSTNode, CodeRange] | None,
) -> tuple[int, int, str] | None:
    """Fast path for a statement-like node replaced by nodes of its kind (a
    statement by statements): the replacement generated under the node's own
    indentation, spliced into the code at the node's span. Only when the
    node's code generated that way is exactly its span (an `elif`, the last
    statement of a file without a final newline, and the like fall back)."""
    if not isinstance(positions, Positions):
        return None
    node, replacement = edit.node, edit.replacement
    allowed = next((kind for base, kind in _IN_PLACE if isinstance(node, base)), None)
    if allowed is None:
        return None
    if isinstance(replacement, cst.FlattenSentinel) and allowed in _SEQUENCED:
        parts: Sequence[cst.CSTNode] = list(replacement.nodes)
    elif isinstance(replacement, cst.CSTNode):
        parts = [replacement]
    elif isinstance(replacement, cst.RemovalSentinel) and allowed is cst.BaseStatement:
        parts = []
    else:
        return None
    if isinstance(replacement, cst.CSTNode | cst.FlattenSentinel) and not (
        parts and all(isinstance(part, allowed) for part in parts)
    ):
        return None
    try:
        start, end = positions.span(node)
    except KeyError:
        return None
    indent = positions.indent(node)
    if end > len(source) or source[start:end] != code_in_context(module, node, indent):
        return None
    new = "".join(code_in_context(module, part, indent) for part in parts)
    return _splice_diff(source, start, end, new)


@lru_cache(maxsize=8)
def _source(module: cst.Module, code: str | None = None) -> tuple[str, LineIndex]:
    """The module's code (`code` when the caller has it) and line index
    (cached: generating the code of a whole module for each of its fixes made
    fixing quadratic)."""
    source = module.code if code is None else code
    return source, LineIndex(source)


def forget_sources() -> None:
    """Drop what the caches of this module hold (call once a file's fixes are
    resolved): their keys are the file's LibCST module and text, and up to
    eight modules kept would be eight chunks' or files' trees alive (a
    50,000-line file linted in chunks grew by 10 MB a chunk)."""
    for cached in (_comments, _source, _source_text, _import_span):
        cached.cache_clear()


@lru_cache(maxsize=2)
def _source_text(text: str) -> tuple[str, LineIndex]:
    """The file's text and its line index (cached: for each fix of the file)."""
    return text, LineIndex(text)


@lru_cache(maxsize=8)
def _import_span(
    module: cst.Module,
    imports: tuple[RequiredImport, ...],
    first_party: frozenset[str],
    removals: tuple[Edit, ...] = (),
) -> tuple[int, int, str]:
    """The text edit adding `imports` (cached: most fixes of a file need the same
    imports, and LibCST's AddImportsVisitor walks the whole module), and making
    `removals` (statements of the leading import block: `import time` going as
    `import asyncio` comes)."""
    head = _import_head(module)
    changed = head
    if removals:
        replaced = {edit.node: edit.replacement for edit in removals}
        body: list[cst.BaseStatement] = []
        for statement in head.body:
            new = replaced.get(statement, statement)
            if isinstance(new, cst.BaseStatement):
                body.append(new)
        changed = head.with_changes(body=body)
    return _diff(head.code, add_imports(changed, imports, first_party).code)


def _import_head(module: cst.Module) -> cst.Module:
    """The module cut after its first statement that is not a docstring or an
    import: where AddImportsVisitor inserts and merges, so the edit is the same
    (its code is a prefix of the module's) at a fraction of the cost."""
    for position, stmt in enumerate(module.body):
        if not _is_header_statement(stmt, position):
            cut = module.body[: position + 1]
            return module.with_changes(body=cut, footer=(), has_trailing_newline=True)
    return module


def _is_header_statement(stmt: cst.BaseStatement, position: int) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    return all(
        isinstance(small, cst.Import | cst.ImportFrom)
        or (
            position == 0
            and isinstance(small, cst.Expr)
            and isinstance(small.value, cst.SimpleString)
        )
        for small in stmt.body
    )


def _span(
    module: cst.Module,
    source: str,
    index: LineIndex,
    edit: Edit,
    positions: Mapping[cst.CSTNode, CodeRange] | None,
) -> tuple[int, int, str]:
    span = _expression_span(module, source, index, edit, positions)
    if span is None:
        span = _in_place_span(module, source, edit, positions)
    if span is not None:
        return span
    transformer = _Replace(edit)
    changed = module.visit(transformer)
    if not transformer.done:
        raise FixResolutionError(f"edit target {type(edit.node).__name__} is not in the module")
    return _diff(source, changed.code)


def _written_indent_edits(
    module: cst.Module,
    edits: Sequence[Edit],
    positions: Mapping[cst.CSTNode, CodeRange] | None,
) -> Sequence[Edit]:
    """The edits with their new blocks indented as new code is written (see
    `fixes.nodes.written_indent`: a module whose default indentation holds a
    form feed)."""
    if positions is None or written_indent(module) == module.default_indent:
        return edits

    def original(node: cst.CSTNode) -> bool:
        return node in positions

    result = []
    for edit in edits:
        replacement = edit.replacement
        if isinstance(replacement, cst.FlattenSentinel):
            nodes = [with_written_indent(module, node, original) for node in replacement.nodes]
            replacement = cst.FlattenSentinel(nodes)
        elif isinstance(replacement, cst.CSTNode):
            replacement = with_written_indent(module, replacement, original)
        result.append(Edit(edit.node, replacement))
    return result


def resolve_fix(
    module: cst.Module,
    fix: Fix,
    target_version: tuple[int, int],
    positions: Mapping[cst.CSTNode, CodeRange] | None = None,
    first_party: frozenset[str] = frozenset(),
    removals: Sequence[Edit] = (),
) -> TextFix | None:
    """The text form of `fix`, or None when it must not be offered
    (`first_party`: the project's top-level packages, for import placement;
    `removals`: edits removing the imports the fix makes unused, each left out
    when it would overlap the fix's edits or drop a comment)."""
    if fix.min_version is not None and target_version < fix.min_version:
        return None
    if isinstance(positions, Positions) and not positions.mappable:
        return None  # LibCST's code is not the file's: no edit would land where it should
    source, index = _source(module, positions.code if isinstance(positions, Positions) else None)
    edits_written = _written_indent_edits(module, fix.edits, positions)
    spans = [_span(module, source, index, edit, positions) for edit in edits_written]
    import_span = None
    if fix.imports:
        header = set(_import_head(module).body)
        with_imports = tuple(r for r in removals if r.node in header)
        import_span = _import_span(module, fix.imports, first_party, with_imports)
        spans.append(import_span)
        removals = [r for r in removals if r not in with_imports]
    for removal in removals:
        start, end, content = _span(module, source, index, removal, positions)
        removed = TextEdit(start, end, content, index.location(start), index.location(end))
        overlaps = any(
            start < other_end and other_start < end for other_start, other_end, _ in spans
        )
        if not overlaps and not drops_comment(source, [removed]):
            spans.append((start, end, content))
    if isinstance(positions, Positions) and not positions.faithful:
        # LibCST dropped text of the file (a line holding only a backslash):
        # the spans, found in its code, are moved to where that code is in the file.
        spans = [(*positions.source_span(start, end), content) for start, end, content in spans]
        if import_span is not None:
            import_span = (*positions.source_span(import_span[0], import_span[1]), import_span[2])
        source, index = _source_text(positions.source)
    spans = sorted({span for span in spans if span[0] != span[1] or span[2]})
    for (_, end, _), (start, _, _) in pairwise(spans):
        if start < end:
            raise FixResolutionError(f"the edits of fix {fix.title!r} overlap")
    edits = tuple(
        TextEdit(start, end, content, index.location(start), index.location(end))
        for start, end, content in spans
    )
    if not edits:
        return None
    applicability = fix.applicability
    if applicability is Applicability.SAFE and (fix.guessed or drops_comment(source, edits)):
        applicability = Applicability.UNSAFE
    import_edit = next(
        (
            e
            for e in edits
            if import_span is not None and (e.start, e.end, e.content) == import_span
        ),
        None,
    )
    imports = fix.imports if import_edit is not None else ()
    return TextFix(fix.title, applicability, edits, imports, import_edit)


def summarize_fix(
    module: cst.Module,
    fix: Fix,
    target_version: tuple[int, int],
    positions: Mapping[cst.CSTNode, CodeRange] | None,
    text: Callable[[], TextFix | None],
) -> FixSummary | None:
    """The summary of `resolve_fix`'s answer (`TextFix.summary`; None: no fix
    offered), with the text generated (`text()`) only when the summary depends
    on it: a safe fix is unsafe when it drops a comment, and only its edits can
    tell, unless no comment is where they can land (`_cannot_drop_comment`).
    The text's own failures (edits that overlap, edits changing nothing) show
    when it is generated, for `--fix`, `--diff` and the formats printing edits."""
    if fix.min_version is not None and target_version < fix.min_version:
        return None
    if isinstance(positions, Positions) and not positions.mappable:
        return None
    applicability = fix.applicability
    if not fix.edits:  # imports alone: offered only when one is missing
        return _summary(text())
    if applicability is Applicability.SAFE:
        if fix.guessed:
            applicability = Applicability.UNSAFE
        elif not _cannot_drop_comment(module, fix, positions):
            return _summary(text())
    return FixSummary(fix.title, applicability)


def _summary(fix: TextFix | None) -> FixSummary | None:
    return None if fix is None else fix.summary()


def _cannot_drop_comment(
    module: cst.Module, fix: Fix, positions: Mapping[cst.CSTNode, CodeRange] | None
) -> bool:
    """Whether no edit of `fix`'s text can drop a comment (`drops_comment`),
    from where its edits can land: an expression replaced by an expression
    changes only the lines of its code (`_span` widens to whole lines), and
    the imports it adds (with the imports it makes unused at the top) change
    only the lines up to the end of the module's import block (`_import_head`).
    With no `#` there, none can; otherwise (or for other edits) the text tells."""
    if not isinstance(positions, Positions) or not positions.faithful:
        return False
    code = positions.code
    for edit in fix.edits:
        if not isinstance(edit.node, cst.BaseExpression) or not isinstance(
            edit.replacement, cst.BaseExpression
        ):
            return False
        try:
            start, end = positions.span(edit.node)
        except KeyError:
            return False
        if "#" in _whole_lines_of(code, start, end):
            return False
    if fix.imports:
        end = len(code)
        for position, stmt in enumerate(module.body):
            if not _is_header_statement(stmt, position):
                try:
                    end = positions.span(stmt)[1]
                except KeyError:
                    return False
                break
        if "#" in _whole_lines_of(code, 0, end):
            return False
    return True


def _whole_lines_of(code: str, start: int, end: int) -> str:
    """The lines of `code` holding `code[start:end]`, whole."""
    first = code.rfind("\n", 0, start) + 1
    newline = code.find("\n", max(end - 1, first))
    return code[first : len(code) if newline == -1 else newline + 1]


def import_edit(
    text: str,
    imports: Sequence[RequiredImport],
    first_party: frozenset[str] = frozenset(),
) -> TextEdit | None:
    """One edit adding all of `imports` to the module `text` (merged into one
    line where they share a module, each once): the fix engine's edit for the
    imports of the fixes it applies together. None when they are all there."""
    unique = tuple(dict.fromkeys(imports))
    start, end, content = _import_span(cst.parse_module(text), unique, first_party)
    if start == end and not content:
        return None
    index = LineIndex(text)
    return TextEdit(start, end, content, index.location(start), index.location(end))

"""Apply fixes to one file: choose, apply, re-lint, repeat, verify (FIXES.md).

Each pass lints the current text, takes the applicable fixes in source order,
skips any that overlap a fix already taken (it is retried next pass), applies
them, and checks that the result still parses and compiles. The loop ends when
no applicable fix remains (that final lint is also the idempotence check) or
after `MAX_PASSES`, in which case the file is reported and left alone. Then the
imports the fixes made unused are removed (`fixes.unused_imports`).
"""

from __future__ import annotations

import io
import tokenize
import warnings
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiolint.engine.lint import UndecodableSourceError, lint_source
from aiolint.engine.model import (
    Applicability,
    Diagnostic,
    FileResult,
    InternalError,
    TextEdit,
    TextFix,
)
from aiolint.engine.rule import Rule
from aiolint.engine.tabs import parse_module
from aiolint.fixes.resolve import import_edit
from aiolint.fixes.unused_imports import remove_imports_made_unused
from aiolint.semantic.context import LintOptions
from aiolint.workspace.fix_settings import (
    FixSettings,
)  # re-exported: FixSettings moved there (stdlib only)

MAX_PASSES = 10


@dataclass
class FixOutcome:
    """What fixing one file produced."""

    path: str
    original: bytes
    #: The fixed bytes, or None when nothing changed (or fixing failed).
    fixed: bytes | None = None
    #: The diagnostics left after the last pass (or of the original, on failure).
    result: FileResult = field(default_factory=lambda: FileResult(""))
    #: How many diagnostics were fixed, by code.
    counts: Counter[str] = field(default_factory=Counter)
    #: Why the file was left alone (verification failed, did not converge).
    error: InternalError | None = None


class VerificationError(ValueError):
    """A fixed text fails a FIXES.md check."""


def choose(diagnostics: Sequence[Diagnostic], settings: FixSettings) -> list[Diagnostic]:
    """Applicable fixes in source order, without overlaps (ruff's rule: the
    first fix wins; an overlapping one waits for the next pass). The edits
    adding imports do not conflict with each other: `pass_edits` replaces them
    with one edit adding every import the chosen fixes need."""
    chosen: list[Diagnostic] = []
    taken = _Taken()
    imports: dict[TextEdit, None] = {}  # the import edits of the chosen fixes, each once
    candidates = [d for d in diagnostics if settings.applies(d)]
    candidates.sort(key=lambda d: (d.text_fix.edits[0].start if d.text_fix else 0, d.sort_key))
    for diagnostic in candidates:
        fix = diagnostic.text_fix
        assert fix is not None
        own = [e for e in fix.edits if e != fix.import_edit and e not in taken]
        added = [fix.import_edit] if fix.import_edit is not None else []
        if any(taken.overlaps(a) for a in own):
            continue
        if any(_overlap(a, b) for a in own for b in imports):
            continue
        if any(taken.overlaps(a) for a in added):
            continue
        chosen.append(diagnostic)
        taken.add(own)
        imports.update(dict.fromkeys(added))
    return chosen


class _Taken:
    """The edits taken so far, sorted, for `choose` to test a new edit against
    the few it can overlap (testing against all of them made choosing cost the
    square of a file's fixes).

    The taken spans never overlap (a fix's own edits are disjoint, and an edit
    overlapping a taken one is not taken), so sorted by (start, end) their
    ends are sorted too: the spans meeting a new one's inside are a run, found
    by bisection, and `_overlap`'s other case needs only those of equal start.
    """

    def __init__(self) -> None:
        self._edits: list[TextEdit] = []
        self._keys: list[tuple[int, int]] = []
        self._ends: list[int] = []
        self._set: set[TextEdit] = set()

    def __contains__(self, edit: TextEdit) -> bool:
        return edit in self._set

    def overlaps(self, edit: TextEdit) -> bool:
        """Whether `_overlap(edit, taken)` holds for any taken edit."""
        first = bisect_right(self._ends, edit.start)  # the first span ending after its start
        if first < len(self._edits) and self._edits[first].start < edit.end:
            return True
        low = bisect_left(self._keys, (edit.start, -1))
        high = bisect_left(self._keys, (edit.start + 1, -1))
        return any(_overlap(edit, other) for other in self._edits[low:high])

    def add(self, edits: Sequence[TextEdit]) -> None:
        for edit in edits:
            key = (edit.start, edit.end)
            at = bisect_right(self._keys, key)
            self._keys.insert(at, key)
            self._ends.insert(at, edit.end)
            self._edits.insert(at, edit)
            self._set.add(edit)


def pass_edits(
    text: str, chosen: Sequence[Diagnostic], first_party: frozenset[str]
) -> tuple[list[Diagnostic], list[TextFix]]:
    """The chosen fixes to apply together to `text`, and their edits with the
    imports they add made one edit: each fix's import edit was made for that
    fix alone, and two of them (`from sqlalchemy import select` and `from
    sqlalchemy import func, select`) would both land, importing `select` twice.
    Where that one edit would overlap a fix's own edits, only the fixes adding
    the first fix's imports (or none) are applied; the others wait for the
    next pass."""
    fixes = [fix for d in chosen if (fix := d.text_fix) is not None]
    alone = {fix.import_edit for fix in fixes if fix.import_edit is not None}
    if len(alone) <= 1:
        return list(chosen), fixes
    merged = import_edit(text, [item for fix in fixes for item in fix.imports], first_party)
    own = [edit for fix in fixes for edit in fix.edits if edit != fix.import_edit]
    if merged is not None and any(_overlap(merged, edit) for edit in own):
        first = next(fix.import_edit for fix in fixes if fix.import_edit is not None)
        kept = [
            d
            for d in chosen
            if (fix := d.text_fix) is not None and fix.import_edit in (None, first)
        ]
        return kept, [fix for d in kept if (fix := d.text_fix) is not None]
    stripped = [
        TextFix(fix.title, fix.applicability, tuple(e for e in fix.edits if e != fix.import_edit))
        for fix in fixes
    ]
    if merged is not None:
        stripped.append(TextFix("Add imports", Applicability.SAFE, (merged,)))
    return list(chosen), stripped


def _overlap(a: TextEdit, b: TextEdit) -> bool:
    if a.start < b.end and b.start < a.end:
        return True
    if a.start == b.start and (a.is_insertion or b.is_insertion):
        # Two insertions at one point compose only when both are whole lines.
        return not (_whole_lines(a) and _whole_lines(b))
    return False


def _whole_lines(edit: TextEdit) -> bool:
    return edit.location.column == 1 and edit.content.endswith("\n")


def apply_edits(text: str, fixes: Sequence[TextFix]) -> str:
    """Apply the (non-overlapping) edits of `fixes`; identical edits apply once."""
    edits = sorted({edit for fix in fixes for edit in fix.edits}, key=lambda e: (e.start, e.end))
    pieces: list[str] = []
    cursor = 0
    for edit in edits:
        pieces.append(text[cursor : edit.start])
        pieces.append(edit.content)
        cursor = max(cursor, edit.end)
    pieces.append(text[cursor:])
    return "".join(pieces)


def compiles(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # A full compile, not PyCF_ONLY_AST: only the compiler rejects `await`
            # outside `async def` (and in an annotation under `from __future__`).
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def verify(text: str, path: str, must_compile: bool) -> None:
    """Checks 1 and 2 of FIXES.md: LibCST parses the text; Python compiles it
    (when the original compiled: this catches `await` outside `async def`)."""
    try:
        parse_module(text, text)
    except Exception as exc:
        raise VerificationError(f"the fixed code does not parse: {exc}") from None
    if must_compile and not compiles(text, path):
        raise VerificationError("the fixed code does not compile")


def detect_encoding(source: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:
        raise UndecodableSourceError(str(exc)) from exc
    return encoding


def check_outside_edits(original: bytes, fixed: bytes, encoding: str, text: str) -> None:
    """Check 3 of FIXES.md: the bytes before the first and after the last changed
    character are the original bytes (BOM, cookie, line endings untouched)."""
    new_text = fixed.decode(encoding)
    prefix = 0
    limit = min(len(text), len(new_text))
    while prefix < limit and text[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and text[-1 - suffix] == new_text[-1 - suffix]:
        suffix += 1
    head = text[:prefix].encode(encoding)
    inner = "utf-8" if encoding == "utf-8-sig" else encoding  # the BOM starts the file only
    tail = text[len(text) - suffix :].encode(inner) if suffix else b""
    if not (original.startswith(head) and fixed.startswith(head)):
        raise VerificationError("bytes before the first edit changed")
    if not (original.endswith(tail) and fixed.endswith(tail)):
        raise VerificationError("bytes after the last edit changed")


def fix_source(
    source: bytes,
    path: str,
    rules: Sequence[type[Rule]],
    options: LintOptions,
    settings: FixSettings,
) -> FixOutcome:
    """Fix one file's bytes; the outcome holds the new bytes only if all checks pass."""
    outcome = FixOutcome(path, source)
    result = lint_source(source, path, rules, options)
    outcome.result = result
    if (
        not result.parsed
        or result.errors
        or not any(settings.applies(d) for d in result.diagnostics)
    ):
        return outcome
    encoding = detect_encoding(source)
    text = source.decode(encoding)
    must_compile = compiles(text, path)
    first_party = options.project.packages if options.project is not None else frozenset()
    current, current_text = source, text
    counts: Counter[str] = Counter()
    for _ in range(MAX_PASSES):
        chosen = choose(result.diagnostics, settings)
        if not chosen:
            break
        chosen, fixes = pass_edits(current_text, chosen, first_party)
        new_text = apply_edits(current_text, fixes)
        try:
            verify(new_text, path, must_compile)
            new_bytes = new_text.encode(encoding)
        except (VerificationError, UnicodeEncodeError) as exc:
            culprit = _culprit(current_text, chosen, path, must_compile) or chosen[0]
            outcome.error = InternalError(
                path, f"{culprit.code} fix", f"{exc}; file left unchanged"
            )
            return outcome
        counts.update(d.code for d in chosen)
        current, current_text = new_bytes, new_text
        result = lint_source(current, path, rules, options)
        if result.errors:  # not parsed is fine: no rule's pre-parse test matches any more
            outcome.error = InternalError(
                path, "fix", "the fixed code no longer lints cleanly; file left unchanged"
            )
            return outcome
    else:
        if choose(result.diagnostics, settings):
            outcome.error = InternalError(
                path,
                "fix",
                f"fixes did not converge after {MAX_PASSES} passes; file left unchanged",
            )
            return outcome
    if current == source:
        return outcome
    cleaned = remove_imports_made_unused(text, current_text, path)
    if cleaned != current_text:
        try:
            verify(cleaned, path, must_compile)
            current, current_text = cleaned.encode(encoding), cleaned
        except (VerificationError, UnicodeEncodeError):
            pass  # keep the fixed code with its unused import
        else:
            result = lint_source(current, path, rules, options)
    try:
        check_outside_edits(source, current, encoding, text)
    except VerificationError as exc:
        outcome.error = InternalError(path, "fix", f"{exc}; file left unchanged")
        return outcome
    outcome.fixed, outcome.result, outcome.counts = current, result, counts
    return outcome


def _culprit(
    text: str, chosen: Sequence[Diagnostic], path: str, must_compile: bool
) -> Diagnostic | None:
    """The first fix that fails verification on its own."""
    for diagnostic in chosen:
        fix = diagnostic.text_fix
        assert fix is not None
        try:
            verify(apply_edits(text, [fix]), path, must_compile)
        except VerificationError:
            return diagnostic
    return None

"""Lint one file: read bytes -> text prefilter -> `ast` gate -> LibCST parse ->
one batched walk of the rules with candidates -> noqa -> sort.

The cascade keeps LibCST for the files (and rules) that can fire: a rule's
`may_match` tests the text, then CPython parses the file (`ast`, C speed) and
each remaining rule's `gate` looks for a candidate site (`aiolint.engine.gate`). A
file CPython rejects gets its AIO000 from that parse and never reaches LibCST
(whose native parser can crash on input nested thousands deep).
"""

from __future__ import annotations

import ast
import gc
import io
import sys
import tokenize
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper

from aiolint.engine.chunks import (
    MAX_STATEMENT_TOKENS,
    is_large,
    lint_in_chunks,
    oversized,
    plan,
    split_lines,
    statements,
)
from aiolint.engine.gate import AstFacts, collect
from aiolint.engine.model import (
    INVALID_FILE,
    Diagnostic,
    FileResult,
    Fix,
    FixSummary,
    InternalError,
    TextFix,
    invalid_file,
)
from aiolint.engine.noqa import NoqaMap, file_exemptions, file_exempts
from aiolint.engine.rule import Rule
from aiolint.engine.tabs import parse_module
from aiolint.engine.toplevel import top_level
from aiolint.engine.walk import walk_batched
from aiolint.fixes.resolve import forget_sources, resolve_fix, summarize_fix
from aiolint.fixes.unused_imports import imports_made_unused
from aiolint.semantic.context import FileContext, LintOptions
from aiolint.workspace.files import read_source

#: LibCST recurses once per nesting level; long implicit string concatenations
#: (the standard library's pydoc_data/topics.py) nest thousands deep.
RECURSION_LIMIT = 20_000
#: The deepest statement/expression nesting (in the `ast`, a chain of `and`/`or`
#: counting a level per operand) a file may have to reach LibCST: its parser's
#: time grows with the cube of the depth of a chain (`a + a + ...`: 1,000 terms
#: 0.2 s, 2,000 1.4 s, 4,000 10 s, 20,000 hours; a chain of 1,000 subscripts
#: 1.1 s), and its native recursion overflows an 8 MB stack (a segfault, the
#: process gone) at about 7,200 operands of `and` and 3,000 nested lambdas.
MAX_DEPTH = 1_000
#: Allocations between two young-generation collections while linting (default 700).
GC_THRESHOLD = 100_000


class UndecodableSourceError(ValueError):
    """The bytes do not decode in the file's declared (or default) encoding."""


def decode_source(source: bytes) -> str:
    """Decode as Python does: BOM, PEP 263 cookie, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        return source.decode(encoding)
    except SyntaxError as exc:  # unknown or bad cookie, BOM/cookie mismatch
        raise UndecodableSourceError(str(exc.msg if hasattr(exc, "msg") else exc)) from exc
    except (LookupError, UnicodeDecodeError) as exc:
        raise UndecodableSourceError(str(exc)) from exc


def read_file(path: Path) -> bytes:
    """Read a file's bytes (raises OSError; a FIFO or device is refused, not read)."""
    return read_source(path)


def lint_path(
    path: Path,
    rules: Sequence[type[Rule]],
    options: LintOptions,
    *,
    display_path: str | None = None,
) -> FileResult:
    """Read and lint one file; an unreadable file gives one AIO000 diagnostic."""
    shown = display_path or str(path)
    try:
        source = read_file(path)
    except OSError as exc:
        result = FileResult(shown)
        if _enabled(rules, INVALID_FILE):
            reason = exc.strerror or exc.__class__.__name__
            result.diagnostics.append(invalid_file(shown, f"Cannot read file: {reason}", 1, 1))
        return result
    return lint_source(source, shown, rules, options)


@contextmanager
def _deep_recursion() -> Iterator[None]:
    """A recursion limit for LibCST, and a collector that runs less often:
    a LibCST tree and its metadata are hundreds of thousands of objects, nearly
    all acyclic, and the default thresholds scan them over and over (5% of the
    CPU of a 5,000-line candidate-dense file, measured)."""
    previous = sys.getrecursionlimit()
    thresholds = gc.get_threshold()
    sys.setrecursionlimit(max(previous, RECURSION_LIMIT))
    gc.set_threshold(max(thresholds[0], GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)
        gc.set_threshold(*thresholds)


def lint_source(
    source: bytes | str,
    path: str,
    rules: Sequence[type[Rule]],
    options: LintOptions,
    *,
    apply_noqa: bool = True,
    resolve_fixes: bool = True,
    fix_text: bool = True,
    tree: ast.Module | None = None,
) -> FileResult:
    """Lint one file's content.

    `apply_noqa=False` leaves inline `# noqa` to the caller (flake8 does its own),
    but for the codes of ruff / flake8-async a rule overlaps (`Rule.peer_codes`,
    unless `options.peer_noqa` is off): `# noqa: ASYNC251` suppresses AIO201;
    `resolve_fixes=False` skips turning fixes into edits (flake8 never fixes);
    `fix_text=False` gives each fix as a `FixSummary` (offered, and how
    applicable, as its text would be) without generating the text, for a
    check that shows no edits (see `fixes.resolve.summarize_fix`);
    `tree` is CPython's parse of the same source when the caller has one (flake8);
    `# aiolint: noqa` file exemptions always apply, unless `options.ignore_noqa`
    (then no noqa comment of any kind suppresses anything).
    """
    with _deep_recursion():
        return _lint_source(source, path, rules, options, apply_noqa, resolve_fixes, fix_text, tree)


def _lint_source(
    source: bytes | str,
    path: str,
    rules: Sequence[type[Rule]],
    options: LintOptions,
    apply_noqa: bool,
    resolve_fixes: bool,
    fix_text: bool = True,
    tree: ast.Module | None = None,
    chunked: bool = True,
) -> FileResult:
    """`lint_source`; `chunked=False` parses the file whole whatever its size
    (a chunk of a large file, `aiolint.engine.chunks`)."""
    result = FileResult(path)
    report_invalid = _enabled(rules, INVALID_FILE)
    try:
        text = decode_source(source) if isinstance(source, bytes) else source
    except UndecodableSourceError as exc:
        if report_invalid:
            result.diagnostics.append(invalid_file(path, f"Cannot decode file: {exc}", 1, 1))
        return result
    if "\0" in text:  # Python refuses the file whatever it holds; no rule need look
        if report_invalid:
            result.diagnostics.append(_null_byte(path, text))
        return result

    project = options.project
    # A file that names something a project module defines may resolve it through
    # the project, whatever the rules' text prefilters look for.
    through_project = project is not None and project.mentioned_in(text)
    active = [
        r for r in rules if r.code != INVALID_FILE and _applies(r, text, options, through_project)
    ]
    if chunked and is_large(text):
        large = _lint_large(text, path, rules, active, options, apply_noqa, resolve_fixes, fix_text)
        if large is not None:
            return large
    if not active:  # no rule can fire; whether Python accepts the file is still reported
        if report_invalid and tree is None:
            rejected = _python_parse(text, path)
            if isinstance(rejected, Diagnostic) and not _newer_grammar_parses(
                rejected, options, source, text
            ):
                result.diagnostics.append(rejected)
        return result

    parsed = tree if tree is not None else _python_parse(text, path)
    checked = parsed if isinstance(parsed, Diagnostic) else collect(parsed)
    parsed = tree = None
    facts: AstFacts | None = None
    rejected: Diagnostic | None = None
    if isinstance(checked, Diagnostic):  # CPython rejects the file
        if not _newer_syntax(checked, options):
            if report_invalid:
                result.diagnostics.append(checked)
            return result
        # Written for a newer Python than the one running aiolint (`except A, B:`
        # under py314, `def f[T]` under a defaulted target): LibCST's parser may
        # know the syntax; every rule runs. If it does not, CPython's error stands.
        rejected = checked
    else:
        facts = checked
        if project is not None:
            module, is_package = project.module_name(path)
            facts.add_project(project, module, is_package)
        if options.gate:
            active = [r for r in active if r.gate(facts)]
            if not active:
                return result
        if facts.depth > MAX_DEPTH:  # LibCST's parser is super-linear in the depth
            if report_invalid:
                result.diagnostics.append(_too_deep(path, facts))
            return result
        facts.release_nodes()

    try:
        module = parse_module(source, text)
    except Exception as exc:  # ParserSyntaxError, or another error on odd input
        if report_invalid:
            result.diagnostics.append(
                rejected or _parse_failure(path, exc, python_accepts=facts is not None)
            )
        return result
    result.parsed = True

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    ctx = FileContext(path, wrapper, options, facts=facts, text=text)
    findings = _walk(ctx, active, result)

    noqa = None
    if findings and not options.ignore_noqa and (apply_noqa or options.peer_noqa):
        noqa = NoqaMap(text)
    exemptions = None if options.ignore_noqa else file_exemptions(text)
    peers = {rule.code: rule.peer_codes for rule in active} if options.peer_noqa else {}
    for diagnostic, fix in findings:
        if file_exempts(exemptions, diagnostic.code):
            continue
        line = diagnostic.start.line
        if noqa is not None:  # suppressed diagnostics are never fixed either
            if apply_noqa and noqa.suppresses(line, diagnostic.code):
                continue
            if noqa.names_any(line, peers.get(diagnostic.code, ())):
                continue
        if fix is not None and resolve_fixes:
            diagnostic = _with_fix(ctx, diagnostic, fix, result, fix_text)
        result.diagnostics.append(diagnostic)
    forget_sources()  # the caches of one file's fixes hold its LibCST tree
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


def _lint_large(
    text: str,
    path: str,
    rules: Sequence[type[Rule]],
    active: Sequence[type[Rule]],
    options: LintOptions,
    apply_noqa: bool,
    resolve_fixes: bool,
    fix_text: bool = True,
) -> FileResult | None:
    """A large file (`chunks.is_large`) linted in chunks, never holding its
    whole `ast` or LibCST tree: its top-level statements come from `tokenize`;
    a statement too large to parse leaves the file unread, with an AIO000
    saying so when a rule may fire; then each chunk's own text is checked by
    CPython in file order (the first error is the file's) and, when a rule
    may fire, linted with its summary (`chunks.lint_in_chunks`). None: lint
    it whole (it does not tokenize, one chunk would do, a summary is too
    large, or CPython rejects it as syntax a newer Python may accept)."""
    spans = top_level(text)
    if spans is None:
        return None
    lines = split_lines(text)
    found = statements(spans, lines)
    del spans
    result = FileResult(path)
    report_invalid = _enabled(rules, INVALID_FILE)
    huge = oversized(found)
    if huge is not None:
        if report_invalid and active:
            message = (
                f"Statement too large for aiolint: {huge.tokens:,} tokens (at most "
                f"{MAX_STATEMENT_TOKENS:,} in one top-level statement, about 5,000 lines of "
                "code); no rule checked this file"
            )
            result.diagnostics.append(invalid_file(path, message, huge.first, 1))
        return result
    layout = plan(found, len(lines))
    if layout is None:
        return None
    for _, _, first_line, last_line in layout:
        # Blank lines first: CPython's positions are the file's.
        own = "\n" * (first_line - 1) + "".join(lines[first_line - 1 : last_line])
        checked = _python_parse(own, path)
        del own
        if isinstance(checked, Diagnostic):
            if _newer_syntax(checked, options):
                return None
            if report_invalid:
                result.diagnostics.append(checked)
            return result
        del checked  # one chunk's `ast` at a time
    del lines
    if not active:
        return result
    inner = [*active, *(r for r in rules if r.code == INVALID_FILE)]

    def lint_chunk(chunk: str) -> FileResult:
        # with their text: it tells which fixes a chunk withholds
        return _lint_source(chunk, path, inner, options, apply_noqa, resolve_fixes, chunked=False)

    whole = lint_in_chunks(text, path, found, layout, lint_chunk)
    if whole is not None and not fix_text:
        whole.diagnostics = [_summarized(d) for d in whole.diagnostics]
    return whole


def _too_deep(path: str, facts: AstFacts) -> Diagnostic:
    line, column = facts.deepest
    message = (
        f"File too deeply nested for aiolint: {facts.depth:,} levels (at most "
        f"{MAX_DEPTH:,} for aiolint's parser; each operand of an `and`/`or` chain "
        "and each part of an imported dotted name is a level); Python accepts it, "
        "no rule checked it"
    )
    return invalid_file(path, message, line, column + 1)


def _python_parse(text: str, path: str) -> ast.Module | Diagnostic:
    """CPython's `ast` of the file, or the AIO000 saying why Python rejects it."""
    try:
        return compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)  # type: ignore[no-any-return]
    except SyntaxError as syntax:
        return invalid_file(
            path, f"SyntaxError: {syntax.msg}", syntax.lineno or 1, syntax.offset or 1
        )
    except (RecursionError, MemoryError) as deep:
        # CPython's parser gives up on nesting past its stack: `x = ----...1`
        # (10,000 signs) raises a MemoryError without a message on 3.11.
        detail = f": {deep}" if str(deep) else ""
        message = (
            "Cannot parse file: nested too deeply for Python's parser "
            f"({deep.__class__.__name__}{detail})"
        )
        return invalid_file(path, message, 1, 1)
    except ValueError as other:  # a NUL byte
        return invalid_file(path, f"Cannot parse file: {other or other.__class__.__name__}", 1, 1)


#: CPython's syntax errors for nesting beyond its limits: never newer syntax
#: (and LibCST's native parser may crash on such input).
_TOO_DEEP = ("too many nested", "too many indentation levels", "too complex", "stack overflow")


def _newer_grammar_parses(
    rejected: Diagnostic, options: LintOptions, source: bytes | str, text: str
) -> bool:
    """Whether a file CPython rejects is newer syntax (see `_newer_syntax`)
    that LibCST's newest grammar reads: then it is no syntax error."""
    if not _newer_syntax(rejected, options):
        return False
    try:
        parse_module(source, text)
    except Exception:
        return False
    return True


def _newer_syntax(rejected: Diagnostic, options: LintOptions) -> bool:
    """CPython's syntax error on a file whose target Python is newer than the
    running one, or defaulted (no declared target: the newest grammar LibCST
    knows is used): the syntax may be a newer version's."""
    if not rejected.message.startswith("SyntaxError") or any(
        reason in rejected.message for reason in _TOO_DEEP
    ):
        return False
    return not options.target_explicit or options.target_version > sys.version_info[:2]


def _parse_failure(path: str, exc: Exception, *, python_accepts: bool) -> Diagnostic:
    """AIO000 for a file LibCST cannot parse: LibCST's message and position.
    When Python accepts the file (`_python_parse` ran first), the message says the
    limit is aiolint's parser's, not a syntax error."""
    if isinstance(exc, cst.ParserSyntaxError):
        detail, line, column = exc.message, exc.editor_line, exc.editor_column
    else:
        detail, line, column = f"{exc.__class__.__name__}: {exc}", 1, 1
    detail = " ".join(detail.split()) or exc.__class__.__name__
    if python_accepts:
        message = (
            "aiolint's parser (LibCST) cannot read this file, which Python accepts; "
            f"no rule checked it: {detail}"
        )
    else:
        message = f"Cannot parse file: {detail}"
    return invalid_file(path, message, line, column)


def _with_fix(
    ctx: FileContext, diagnostic: Diagnostic, fix: Fix, result: FileResult, fix_text: bool
) -> Diagnostic:
    """The diagnostic carrying its resolved fix (none if it must not be offered):
    its text, or with `fix_text=False` its summary."""
    found: TextFix | FixSummary | None
    try:
        if fix_text:
            found = _text_fix(ctx, fix)
        else:
            target = ctx.options.target_version
            found = summarize_fix(
                ctx.module, fix, target, ctx.positions, lambda: _text_fix(ctx, fix)
            )
    except Exception as exc:
        where = f"{diagnostic.code} fix"
        result.errors.append(InternalError(ctx.path, where, _describe(exc)))
        return diagnostic
    return replace(diagnostic, fix=found)


def _text_fix(ctx: FileContext, fix: Fix) -> TextFix | None:
    """The text of `fix` (`resolve_fix`), with the imports it makes unused removed."""
    project = ctx.options.project
    first_party = project.packages if project is not None else frozenset()
    removals = imports_made_unused(ctx, fix.edits)
    return resolve_fix(
        ctx.module, fix, ctx.options.target_version, ctx.positions, first_party, removals
    )


def _summarized(diagnostic: Diagnostic) -> Diagnostic:
    """The diagnostic with its fix's summary in place of its text."""
    if isinstance(diagnostic.fix, TextFix):
        return replace(diagnostic, fix=diagnostic.fix.summary())
    return diagnostic


Finding = tuple[Diagnostic, "Fix | None"]


def _findings(visitor: Rule) -> list[Finding]:
    return list(zip(visitor.diagnostics, visitor.fixes, strict=True))


def _walk(ctx: FileContext, active: Sequence[type[Rule]], result: FileResult) -> list[Finding]:
    """One batched walk for all rules; if it crashes, rerun each rule alone so
    the crash is pinned to one rule and the others still report."""
    visitors = [rule(ctx) for rule in active]
    try:
        _visit(ctx, visitors)
    except Exception:
        findings: list[Finding] = []
        for rule in active:
            ctx.memo.clear()
            visitor = rule(ctx)
            try:
                _visit(ctx, [visitor])
            except Exception as exc:
                result.errors.append(InternalError(ctx.path, rule.code, _describe(exc)))
            else:
                findings.extend(_findings(visitor))
        return findings
    return [finding for v in visitors for finding in _findings(v)]


def _visit(ctx: FileContext, visitors: Sequence[Rule]) -> None:
    if ctx.options.own_walk:
        walk_batched(ctx.module, visitors)
    else:
        ctx.wrapper.visit_batched(visitors)


def _describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{exc.__class__.__name__}: {exc}{where}"


def _applies(rule: type[Rule], text: str, options: LintOptions, through_project: bool) -> bool:
    if rule.min_target is not None and options.target_version < rule.min_target:
        return False
    if not rule.applies_to(options):
        return False
    if through_project and not (rule.async_only and "async" not in text):
        return True
    return rule.may_match(text)


def _enabled(rules: Sequence[type[Rule]], code: str) -> bool:
    return any(r.code == code for r in rules)


def _null_byte(path: str, text: str) -> Diagnostic:
    """AIO000 for source holding a NUL character, which CPython rejects before
    parsing (without a position): CPython's message, at the first NUL."""
    index = text.index("\0")
    line = 1 + text.count("\n", 0, index) + text.count("\r", 0, index)
    line -= text.count("\r\n", 0, index)
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    message = "SyntaxError: source code string cannot contain null bytes"
    return invalid_file(path, message, line, index - start + 1)

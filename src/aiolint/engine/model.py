"""Values shared by the engine, the rules and the front ends: diagnostics and fixes.

Standard library only at run time (LibCST appears in annotations), so the CLI,
the cache and the reporters load without LibCST; records, not dataclasses
(see `aiolint.engine.record`), since a run served from the cache builds these too."""

from __future__ import annotations

from enum import Enum

from aiolint.engine.record import MutableRecord, OrderedRecord, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import libcst as cst


class Applicability(Enum):
    """When a fix may be applied (ruff's fix model)."""

    SAFE = "safe"
    """Applied by `--fix`: keeps the program's meaning."""
    UNSAFE = "unsafe"
    """Applied only with `--unsafe-fixes`: may change behaviour in an edge case."""
    DISPLAY = "display"
    """Never applied; shown as a suggestion."""


class FixAvailability(Enum):
    """Whether a rule can offer a fix (documented per rule)."""

    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Location(OrderedRecord):
    """1-based line and 1-based column (characters, as ruff and flake8 print them)."""

    __slots__ = _fields = ("line", "column")
    line: int
    column: int

    def __init__(self, line: int, column: int) -> None:
        self._set(line=line, column=column)


class Edit(Record):
    """Replace `node` with `replacement` in the module (the engine maps nodes to spans)."""

    __slots__ = _fields = ("node", "replacement")
    node: cst.CSTNode
    replacement: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]

    def __init__(
        self,
        node: cst.CSTNode,
        replacement: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode],
    ) -> None:
        self._set(node=node, replacement=replacement)


class RequiredImport(Record):
    """An import a fix needs: `import module` or `from module import name`."""

    __slots__ = _fields = ("module", "name")
    module: str
    name: str | None

    def __init__(self, module: str, name: str | None = None) -> None:
        self._set(module=module, name=name)


class Fix(Record):
    """What a rule offers: node edits (and imports) that together resolve one
    diagnostic. The engine turns it into a `TextFix` (see `aiolint.fixes.resolve`)."""

    __slots__ = _fields = ("title", "applicability", "edits", "imports", "guessed", "min_version")
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]
    imports: tuple[RequiredImport, ...]
    #: The fix relies on a guessed (not resolved) type: the engine caps it at unsafe.
    guessed: bool
    #: Lowest target Python the fixed code runs on (`asyncio.TaskGroup`: 3.11).
    min_version: tuple[int, int] | None

    def __init__(
        self,
        title: str,
        applicability: Applicability,
        edits: tuple[Edit, ...],
        imports: tuple[RequiredImport, ...] = (),
        guessed: bool = False,
        min_version: tuple[int, int] | None = None,
    ) -> None:
        self._set(
            title=title,
            applicability=applicability,
            edits=edits,
            imports=imports,
            guessed=guessed,
            min_version=min_version,
        )


class TextEdit(OrderedRecord):
    """Replace the characters `start:end` of the decoded source with `content`.

    `location`/`end_location` are the same span as 1-based line and column (for
    JSON and SARIF output)."""

    __slots__ = _fields = ("start", "end", "content", "location", "end_location")
    start: int
    end: int
    content: str
    location: Location
    end_location: Location

    def __init__(
        self, start: int, end: int, content: str, location: Location, end_location: Location
    ) -> None:
        self._set(
            start=start, end=end, content=content, location=location, end_location=end_location
        )

    @property
    def is_insertion(self) -> bool:
        return self.start == self.end


class TextFix(Record):
    """A resolved fix: text edits over the decoded source, ready to apply.

    `imports` are the imports the fix adds and `import_edit` the one edit of
    `edits` adding them (to this source, alone): the fix engine adds the imports
    of all the fixes it applies together with one edit instead, so two fixes
    needing `select` never insert it twice. Neither is kept in the result cache
    (a cached fix is only displayed)."""

    __slots__ = _fields = ("title", "applicability", "edits", "imports", "import_edit")
    title: str
    applicability: Applicability
    edits: tuple[TextEdit, ...]
    imports: tuple[RequiredImport, ...]
    import_edit: TextEdit | None

    def __init__(
        self,
        title: str,
        applicability: Applicability,
        edits: tuple[TextEdit, ...],
        imports: tuple[RequiredImport, ...] = (),
        import_edit: TextEdit | None = None,
    ) -> None:
        self._set(
            title=title,
            applicability=applicability,
            edits=edits,
            imports=imports,
            import_edit=import_edit,
        )

    def summary(self) -> FixSummary:
        """This fix without its text."""
        return FixSummary(self.title, self.applicability)


class FixSummary(Record):
    """A fix known by its title and applicability, its text never generated:
    all a check needs that shows no edits (the `[*]` mark, "N fixable", the
    hidden unsafe fixes, `--statistics`, `full`'s `help:` line). The engine
    gives these unless asked for fix texts (`lint_source(fix_text=False)`),
    and a summary is the `TextFix` it stands for without the edits: offered,
    and as applicable, as that fix would be."""

    __slots__ = _fields = ("title", "applicability")
    title: str
    applicability: Applicability

    def __init__(self, title: str, applicability: Applicability) -> None:
        self._set(title=title, applicability=applicability)


class FixTextMissingError(LookupError):
    """A fix's text was asked for where only its summary was computed (the run
    did not ask the engine for fix texts)."""


class Related(Record):
    """A place a finding points to (a step of AIO206's chain): shown by editors
    as LSP `relatedInformation`."""

    __slots__ = _fields = ("path", "start", "message")
    path: str
    start: Location
    message: str

    def __init__(self, path: str, start: Location, message: str) -> None:
        self._set(path=path, start=start, message=message)


class Diagnostic(Record):
    """One finding in one file. Equality and hash leave the fix and the
    related places out."""

    __slots__ = _fields = (
        "path",
        "code",
        "message",
        "start",
        "end",
        "fix",
        "rule_name",
        "related",
    )
    path: str
    code: str
    message: str
    start: Location
    end: Location
    #: Set by the engine (resolved from the rule's `Fix`): its text, or only its
    #: summary (see `FixSummary`); None: no fix offered.
    fix: TextFix | FixSummary | None
    rule_name: str
    related: tuple[Related, ...]

    def __init__(
        self,
        path: str,
        code: str,
        message: str,
        start: Location,
        end: Location,
        fix: TextFix | FixSummary | None = None,
        rule_name: str = "",
        related: tuple[Related, ...] = (),
    ) -> None:
        self._set(
            path=path,
            code=code,
            message=message,
            start=start,
            end=end,
            fix=fix,
            rule_name=rule_name,
            related=related,
        )

    def _key(self) -> tuple[object, ...]:
        return (self.path, self.code, self.message, self.start, self.end, self.rule_name)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start.line, self.start.column, self.code)

    @property
    def text_fix(self) -> TextFix | None:
        """The fix with its edits (None: no fix offered); raises
        FixTextMissingError when only its summary was computed."""
        fix = self.fix
        if isinstance(fix, FixSummary):
            raise FixTextMissingError(
                f"{self.path}: the text of the {self.code} fix was not computed "
                "(lint with fix texts to show or apply fixes)"
            )
        return fix


class InternalError(Record):
    """A crash inside aiolint (a rule or the engine) on one file; the run goes on."""

    __slots__ = _fields = ("path", "where", "detail")
    path: str
    where: str
    detail: str

    def __init__(self, path: str, where: str, detail: str) -> None:
        self._set(path=path, where=where, detail=detail)


#: The code of a file that cannot be checked (E902-like; see the catalog).
INVALID_FILE = "AIO000"


def invalid_file(path: str, message: str, line: int = 1, column: int = 1) -> Diagnostic:
    """An AIO000 finding: the file (or document) at `path` was not checked."""
    return Diagnostic(
        path=path,
        code=INVALID_FILE,
        message=message,
        start=Location(line, column),
        end=Location(line, column),
        rule_name="invalid-file",
    )


class FileResult(MutableRecord):
    """What linting one file produced."""

    __slots__ = _fields = ("path", "diagnostics", "errors", "parsed")
    path: str
    diagnostics: list[Diagnostic]
    errors: list[InternalError]
    parsed: bool

    def __init__(
        self,
        path: str,
        diagnostics: list[Diagnostic] | None = None,
        errors: list[InternalError] | None = None,
        parsed: bool = False,
    ) -> None:
        self.path = path
        self.diagnostics = [] if diagnostics is None else diagnostics
        self.errors = [] if errors is None else errors
        self.parsed = parsed

"""Values shared by the engine, the rules and the front ends: diagnostics and fixes.

Standard library only at run time (LibCST appears in annotations), so the CLI,
the cache and the reporters load without LibCST."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

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


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """1-based line and 1-based column (characters, as ruff and flake8 print them)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace `node` with `replacement` in the module (the engine maps nodes to spans)."""

    node: cst.CSTNode
    replacement: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]


@dataclass(frozen=True, slots=True)
class RequiredImport:
    """An import a fix needs: `import module` or `from module import name`."""

    module: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """What a rule offers: node edits (and imports) that together resolve one
    diagnostic. The engine turns it into a `TextFix` (see `aiolint.fixes.resolve`)."""

    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]
    imports: tuple[RequiredImport, ...] = ()
    #: The fix relies on a guessed (not resolved) type: the engine caps it at unsafe.
    guessed: bool = False
    #: Lowest target Python the fixed code runs on (`asyncio.TaskGroup`: 3.11).
    min_version: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True, order=True)
class TextEdit:
    """Replace the characters `start:end` of the decoded source with `content`.

    `location`/`end_location` are the same span as 1-based line and column (for
    JSON and SARIF output)."""

    start: int
    end: int
    content: str
    location: Location
    end_location: Location

    @property
    def is_insertion(self) -> bool:
        return self.start == self.end


@dataclass(frozen=True, slots=True)
class TextFix:
    """A resolved fix: text edits over the decoded source, ready to apply."""

    title: str
    applicability: Applicability
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding in one file."""

    path: str
    code: str
    message: str
    start: Location
    end: Location
    #: Set by the engine (resolved from the rule's `Fix`); None: no fix offered.
    fix: TextFix | None = field(default=None, compare=False)
    rule_name: str = ""

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start.line, self.start.column, self.code)


@dataclass(frozen=True, slots=True)
class InternalError:
    """A crash inside aiolint (a rule or the engine) on one file; the run goes on."""

    path: str
    where: str
    detail: str


@dataclass(slots=True)
class FileResult:
    """What linting one file produced."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    parsed: bool = False

"""The base class every rule derives from.

A rule is a LibCST batchable visitor plus class-level facts (code, name, fix
availability, the text its file must contain, the Python it targets). Defining a
subclass registers it; the class docstring is the rule's user-facing doc, in
ruff's sections, and is validated when the class is created.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from aiolint.engine.model import Diagnostic, Fix, FixAvailability, Location, Related

if TYPE_CHECKING:
    from aiolint.engine.gate import AstFacts
    from aiolint.semantic.context import FileContext, LintOptions

CODE_RE = re.compile(r"^AIO[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")

_REGISTRY: dict[str, type[Rule]] = {}


class RuleDefinitionError(TypeError):
    """A rule class breaks the registry's contract (bad code, duplicate, missing doc)."""


def doc_sections(doc: str) -> dict[str, str]:
    """Split a ruff-style docstring into its `## Section` bodies."""
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in _dedent(doc).splitlines():
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip("\n")
            current, lines = line[3:].strip(), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip("\n")
    return sections


def doc_summary(doc: str) -> str:
    """A rule's one-line summary: the docstring's first paragraph (every line up
    to the first blank one), its lines joined by spaces."""
    paragraph = _dedent(doc).split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines() if line.strip())


def _dedent(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)


class Rule(cst.BatchableCSTVisitor):
    """Base class of all rules; subclasses register themselves."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    #: ruff / flake8-async codes that report the same problem: a noqa comment for
    #: one of them suppresses this rule's finding too (the `peer-noqa` setting).
    peer_codes: ClassVar[tuple[str, ...]] = ()
    #: Substrings of which the source must contain at least one for the rule to
    #: possibly fire (module names the rule resolves through imports). Empty: always run.
    prefilter: ClassVar[tuple[str, ...]] = ()
    #: The rule only reports inside `async def` bodies, so a file without the
    #: text `async` cannot match it (most files of a real repository).
    async_only: ClassVar[bool] = False
    #: Lowest target Python (major, minor) for which the rule applies.
    min_target: ClassVar[tuple[int, int] | None] = None

    @classmethod
    def applies_to(cls, options: LintOptions) -> bool:
        """Whether the rule runs with these options at all (a library version
        the project declares may put it out of scope; see `LintOptions.libraries`)."""
        return True

    #: The visitor method names (`get_visitors`), found on first use per class.
    _visitor_names: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        code = cls.__dict__.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            raise RuleDefinitionError(
                f"{cls.__qualname__}: code must match AIO000-AIO999, got {code!r}"
            )
        if code in _REGISTRY:
            raise RuleDefinitionError(
                f"{cls.__qualname__}: code {code} already used by {_REGISTRY[code].__qualname__}"
            )
        name = cls.__dict__.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise RuleDefinitionError(f"{cls.__qualname__}: name must be kebab-case, got {name!r}")
        doc = cls.__doc__ or ""
        sections = doc_sections(doc)
        missing = [s for s in REQUIRED_SECTIONS if s not in sections]
        if missing:
            raise RuleDefinitionError(f"{cls.__qualname__} ({code}): docstring lacks {missing}")
        cls.summary = doc_summary(doc)
        if not cls.summary.endswith((".", "?", "!")):
            raise RuleDefinitionError(
                f"{cls.__qualname__} ({code}): the docstring's first paragraph must be a "
                f"sentence (the summary), got {cls.summary!r}"
            )
        _REGISTRY[code] = cls

    def __init__(self, ctx: FileContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.diagnostics: list[Diagnostic] = []
        #: The fix offered for each diagnostic (same index), resolved by the engine.
        self.fixes: list[Fix | None] = []

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], object]]:
        """LibCST's table of this visitor's `visit_*`/`leave_*` methods, with the
        names found once per rule class (LibCST inspects every instance)."""
        names = type(self).__dict__.get("_visitor_names")
        if names is None:
            names = tuple(super().get_visitors())
            type(self)._visitor_names = names
        return {name: getattr(self, name) for name in names}

    @classmethod
    def may_match(cls, text: str) -> bool:
        """Cheap text test run before parsing: False means the rule cannot fire
        on this file. Must never cause a miss; override to sharpen it."""
        if cls.async_only and "async" not in text:
            return False
        return not cls.prefilter or any(token in text for token in cls.prefilter)

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        """The `ast` test run after `may_match` and before LibCST (see
        `aiolint.engine.gate`): False means no candidate site exists in the file.
        Must never cause a miss; the default lets every file through."""
        return True

    @classmethod
    def docs(cls) -> dict[str, str]:
        """The rule's doc sections, by heading."""
        return doc_sections(cls.__doc__ or "")

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        fix: Fix | None = None,
        related: tuple[Related, ...] = (),
    ) -> None:
        """Record a diagnostic spanning `node`, with the fix the rule offers and
        the places it points to."""
        rng = self.ctx.positions[node]
        self.diagnostics.append(
            Diagnostic(
                path=self.ctx.path,
                code=self.code,
                message=message,
                start=Location(rng.start.line, rng.start.column + 1),
                end=Location(rng.end.line, rng.end.column + 1),
                rule_name=self.name,
                related=related,
            )
        )
        self.fixes.append(fix)


def registered_rules() -> dict[str, type[Rule]]:
    """All rule classes by code (import `aiolint.engine.registry` to load them)."""
    return dict(_REGISTRY)

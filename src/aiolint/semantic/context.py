"""`FileContext`: one parsed file, its lazily resolved metadata, and memo tables."""

from __future__ import annotations

import builtins
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    CodeRange,
    MetadataWrapper,
    PositionProvider,
    QualifiedName,
    Scope,
    ScopeProvider,
)

from aiolint.semantic.model import NameModel, ParentMap
from aiolint.semantic.positions import Positions
from aiolint.semantic.scopes import scopes_of

if TYPE_CHECKING:
    from aiolint.engine.gate import AstFacts
    from aiolint.project.model import ProjectModel


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Settings that change what rules report."""

    target_version: tuple[int, int] = (3, 11)
    #: The target was declared (target-version, requires-python, ruff's
    #: target-version; options built by hand name theirs), not defaulted: only
    #: then is syntax newer than what the running Python parses an error (else
    #: the newest grammar LibCST knows is used).
    target_explicit: bool = True
    #: The lowest version the project's declared requirements allow of each
    #: library the rules follow (`declared.VERSIONED_LIBRARIES`), e.g.
    #: `(("sqlalchemy", "1.4.0"),)`; a library not listed: unknown (the newest).
    libraries: tuple[tuple[str, str], ...] = ()
    #: A noqa comment for a ruff / flake8-async code a rule overlaps (`Rule.peer_codes`)
    #: suppresses the rule's finding (`peer-noqa` in the configuration).
    peer_noqa: bool = True
    #: No noqa comment, inline or file-wide (`aiolint: noqa`), suppresses a
    #: finding (`check --ignore-noqa`, as ruff's).
    ignore_noqa: bool = False
    #: Skip, before LibCST, the rules whose `ast` gate finds no candidate site
    #: (off only to prove the gate changes nothing: `AIOLINT_NO_GATE=1`).
    gate: bool = field(default_factory=lambda: os.environ.get("AIOLINT_NO_GATE", "") != "1")
    #: Answer qualified names from aiolint's name model where it can (off only to
    #: prove it answers as LibCST does: `AIOLINT_LIBCST_NAMES=1`).
    own_names: bool = field(
        default_factory=lambda: os.environ.get("AIOLINT_LIBCST_NAMES", "") != "1"
    )
    #: The rules' walk by aiolint (`aiolint.engine.walk`; off only to prove it calls
    #: the rules as LibCST's `visit_batched` does: `AIOLINT_LIBCST_WALK=1`).
    own_walk: bool = field(default_factory=lambda: os.environ.get("AIOLINT_LIBCST_WALK", "") != "1")
    #: Scopes from aiolint's own walk (`semantic.scopes`; off only to prove they
    #: are LibCST's: `AIOLINT_LIBCST_SCOPES=1`).
    own_scopes: bool = field(
        default_factory=lambda: os.environ.get("AIOLINT_LIBCST_SCOPES", "") != "1"
    )
    #: Positions from aiolint's lean code generation (`semantic.positions`; off
    #: only to prove they are LibCST's: `AIOLINT_LIBCST_POSITIONS=1`).
    own_positions: bool = field(
        default_factory=lambda: os.environ.get("AIOLINT_LIBCST_POSITIONS", "") != "1"
    )
    #: What the project's other modules define (`aiolint.project`); None: the
    #: file is linted alone.
    project: ProjectModel | None = None

    def library_below(self, library: str, version: str) -> bool:
        """The project declares `library` (canonical name) with a lowest
        allowed version below `version`; False when unknown or undeclared."""
        for name, lowest in self.libraries:
            if name == library:
                from packaging.version import Version

                return Version(lowest) < Version(version)
        return False


@dataclass(eq=False)
class FileContext:
    """Everything a rule may ask about the file being linted.

    Metadata providers are resolved on first use through the one wrapper, so a
    file whose enabled rules never ask for scopes never computes them.
    """

    path: str
    wrapper: MetadataWrapper
    options: LintOptions = field(default_factory=LintOptions)
    #: The `ast` gate's facts about the same source (None: not computed).
    facts: AstFacts | None = None
    #: Free-form per-file memo space for semantic helpers (keyed by helper name).
    memo: dict[str, Any] = field(default_factory=dict)
    #: The decoded source the tree was parsed from (None: not known), for
    #: positions in the file where LibCST's code differs from it.
    text: str | None = None

    @property
    def module(self) -> cst.Module:
        return self.wrapper.module

    @cached_property
    def source(self) -> str:
        return self.module.code

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """Every node's range, as LibCST's `PositionProvider` gives it."""
        if self.options.own_positions:
            return Positions(self.module, self.text)
        return self.wrapper.resolve(PositionProvider)

    @cached_property
    def parents(self) -> ParentMap:
        """Every node's parent, from aiolint's own walk (`semantic.model`)."""
        return ParentMap(self.module)

    @cached_property
    def scopes(self) -> Mapping[cst.CSTNode, Scope | None]:
        """LibCST's scope analysis (its `Scope` objects, built by aiolint's own
        walk, `semantic.scopes`): computed only when a rule needs bindings, or
        a qualified name the file's imports alone do not settle."""
        if self.options.own_scopes:
            return scopes_of(self.module)
        return self.wrapper.resolve(ScopeProvider)

    @cached_property
    def _names(self) -> NameModel | None:
        if self.facts is None or not self.options.own_names:
            return None
        return NameModel(self.module, self.parents, self.facts)

    def may_be_imported_or_builtin(self, node: cst.CSTNode) -> bool:
        """False when no import or builtin can name `node`: the head of its dotted
        name is imported nowhere in the file and is no builtin, so LibCST could
        only give it a local name (decided without any scope analysis)."""
        if self.facts is None or not self.options.own_names:
            return True
        full = get_full_name_for_node(node)
        if not full:
            return True
        head = full.split(".", 1)[0]
        return head in self.facts.imports or hasattr(builtins, head)

    def binds_beyond_imports(self, name: str) -> bool:
        """Whether anything but a module-level import may bind `name` in this
        file (an assignment, a parameter, a def or class, a local import,
        `global`...: the `ast` gate's `bound`). False: every binding LibCST's
        scopes can give the name is a module-level import or a builtin (or
        there is none), known without any scope analysis. True when unknown."""
        facts = self.facts
        return facts is None or not self.options.own_names or name in facts.bound

    def binding_scope(self, name: cst.Name) -> cst.CSTNode | None:
        """The innermost scope (a def, lambda, class or comprehension node)
        visible from `name`, read in an expression, that binds it, else the
        module (then its bindings are the module's or a builtin), when
        aiolint's name model settles it without scope analysis
        (`NameModel.binding_scope`); None: not known."""
        model = self._names
        return model.binding_scope(name) if model is not None else None

    def parameter_of(self, name: cst.Name) -> cst.Param | None:
        """The parameter that is the one binding of `name` (read in an
        expression), when aiolint's name model settles it without scope
        analysis (`NameModel.parameter_of`); None: not so, or not known."""
        model = self._names
        return model.parameter_of(name) if model is not None else None

    def may_name(self, node: cst.CSTNode, targets: Collection[str]) -> bool:
        """False when no qualified name LibCST could give `node` is in `targets`
        (from the file's import table; no scope analysis). True: ask
        `qualified_names`."""
        if self.facts is None or not self.options.own_names:
            return True
        full = get_full_name_for_node(node)
        return not full or not self.facts.dotted_names(full).isdisjoint(targets)

    def qualified_names(self, node: cst.CSTNode) -> set[QualifiedName]:
        """LibCST's qualified names of `node`: from aiolint's name model when the
        file's imports settle them, else from LibCST's scope of the node."""
        model = self._names
        if model is not None:
            known = model.qualified_names(node)
            if known is not None:
                return known
        scope = self.scopes.get(node)
        return set(scope.get_qualified_names_for(node)) if scope is not None else set()

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    @property
    def project(self) -> ProjectModel | None:
        return self.options.project

    @cached_property
    def module_name(self) -> tuple[str | None, bool]:
        """This file's dotted module name in the project, and whether it is a
        package; (None, False) without a project or outside it."""
        project = self.options.project
        return project.module_name(self.path) if project is not None else (None, False)

    def absolute_name(self, name: str) -> str:
        """An imported dotted name made absolute (relative imports) and, where
        it is a project re-export of a library name, that library name."""
        project = self.options.project
        if project is None:
            return name
        if name.startswith("."):
            module, is_package = self.module_name
            resolved = project.absolute(name, module, is_package)
            if resolved is None:
                return name
            name = resolved
        return project.canonical(name)

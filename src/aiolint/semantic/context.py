"""`FileContext`: one parsed file, its lazily resolved metadata, and memo tables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import libcst as cst
from libcst._metadata_dependent import LazyValue
from libcst.metadata import (
    CodeRange,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedName,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
)


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Settings that change what rules report."""

    target_version: tuple[int, int] = (3, 11)
    #: Skip, before LibCST, the rules whose `ast` gate finds no candidate site
    #: (off only to prove the gate changes nothing: `AIOLINT_NO_GATE=1`).
    gate: bool = field(default_factory=lambda: os.environ.get("AIOLINT_NO_GATE", "") != "1")


@dataclass(eq=False)
class FileContext:
    """Everything a rule may ask about the file being linted.

    Metadata providers are resolved on first use through the one wrapper, so a
    file whose enabled rules never ask for scopes never computes them.
    """

    path: str
    wrapper: MetadataWrapper
    options: LintOptions = field(default_factory=LintOptions)
    #: Free-form per-file memo space for semantic helpers (keyed by helper name).
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> cst.Module:
        return self.wrapper.module

    @cached_property
    def source(self) -> str:
        return self.module.code

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        return self.wrapper.resolve(PositionProvider)

    @cached_property
    def parents(self) -> Mapping[cst.CSTNode, cst.CSTNode]:
        return self.wrapper.resolve(ParentNodeProvider)

    @cached_property
    def scopes(self) -> Mapping[cst.CSTNode, Scope | None]:
        return self.wrapper.resolve(ScopeProvider)

    @cached_property
    def _qualified_names(self) -> Mapping[cst.CSTNode, object]:
        return self.wrapper.resolve(QualifiedNameProvider)

    def qualified_names(self, node: cst.CSTNode) -> set[QualifiedName]:
        """LibCST's qualified names of `node` (unwrapping its lazily computed values)."""
        value = self._qualified_names.get(node)
        if value is None:
            return set()
        if isinstance(value, LazyValue):
            value = value()
        return value  # type: ignore[return-value]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

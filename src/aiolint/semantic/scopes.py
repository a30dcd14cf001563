"""Scope analysis without LibCST's visitor machinery.

LibCST's `ScopeProvider` needs `ExpressionContextProvider` first, and both walk
the whole module through LibCST's visitors, which rebuild every node as they
go: on a 3,300-line file 0.4 s and 0.75 s. `scopes_of(module)` builds the same
result, LibCST's own `Scope`, `Assignment` and `Access` objects, so every
caller (and `Scope.get_qualified_names_for`) works unchanged, with two plain
recursive walks:

- `_stores(module)`: the `Name` nodes `ExpressionContextProvider` marks STORE
  (assignment, `for` and comprehension targets, `as` names, walrus targets,
  definitions and parameters), following its rules: an attribute's or a
  subscript's value is a load, tuples, lists and starred elements pass their
  context down.
- `_ScopeWalk`: a port of LibCST's `ScopeVisitor` (libcst/metadata/
  scope_provider.py, MIT licensed), method for method, visiting children in
  LibCST's own field order (`semantic.visit_order`), so assignments and
  accesses are numbered as LibCST numbers them; then its `infer_accesses`.

The mapping gives a scope for every node LibCST's gives one for, but the
formatting nodes (whitespace, commas, parentheses, operators), which hold no
name and which no rule asks about. A test compares scopes, assignments,
accesses and their referents with LibCST's on the fixtures and the standard
library.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata.scope_provider import (
    _ASSIGNMENT_LIKE_NODES,
    Access,
    AnnotationScope,
    ClassScope,
    ComprehensionScope,
    FunctionScope,
    GlobalScope,
    LocalScope,
    Scope,
    _gen_dotted_names,
)

from aiolint.semantic.visit_order import TRIVIA, children, node_kind

__all__ = ["is_trivia", "scopes_of"]

#: Whether leaving a node of this type numbers the next assignment (LibCST's
#: `_ASSIGNMENT_LIKE_NODES`).
_counts: dict[type, bool] = {}


def is_trivia(kind: type) -> bool:
    """Whether nodes of this type are formatting, left out of the scope map."""
    return node_kind(kind) == TRIVIA


def scopes_of(module: cst.Module) -> dict[cst.CSTNode, Scope]:
    """Every node's scope, as LibCST's `ScopeProvider` (see the module doc)."""
    walk = _ScopeWalk(_stores(module))
    walk.visit(module)
    walk.infer_accesses()
    return walk.scopes


# -- expression context -------------------------------------------------------------

_LOAD, _STORE, _DEL = 0, 1, 2


def _stores(module: cst.Module) -> set[cst.Name]:
    """The names `ExpressionContextProvider` gives STORE."""
    found: set[cst.Name] = set()
    _Context(found).visit(module, _LOAD)
    return found


class _Context:
    """`ExpressionContextVisitor`'s rules, recording only where a name is stored."""

    def __init__(self, found: set[cst.Name]) -> None:
        self.found = found
        self.rules: dict[type, Callable[[cst.CSTNode, int], None]] = {
            cst.Assign: self._assign,
            cst.AnnAssign: self._ann_assign,
            cst.AugAssign: self._target_value,
            cst.NamedExpr: self._target_value,
            cst.AsName: self._as_name,
            cst.CompFor: self._comp_for,
            cst.For: self._for,
            cst.Del: self._del,
            cst.Attribute: self._attribute,
            cst.Subscript: self._subscript,
            cst.ClassDef: self._class_def,
            cst.FunctionDef: self._function_def,
            cst.Param: self._param,
        }

    def visit(self, node: cst.CSTNode | None, context: int) -> None:
        if node is None:
            return
        kind = type(node)
        if kind is cst.Name:
            if context == _STORE:
                self.found.add(node)  # type: ignore[arg-type]
            return
        rule = self.rules.get(kind)
        if rule is not None:
            rule(node, context)
            return
        for child in children(node):
            self.visit(child, context)

    def _each(self, nodes: object, context: int) -> None:
        for node in nodes:  # type: ignore[attr-defined]
            self.visit(node, context)

    def _assign(self, node: cst.Assign, context: int) -> None:
        for target in node.targets:
            self.visit(target, _STORE)
        self.visit(node.value, context)

    def _ann_assign(self, node: cst.AnnAssign, context: int) -> None:
        self.visit(node.target, _STORE)
        self.visit(node.annotation, context)
        self.visit(node.value, context)

    def _target_value(self, node: cst.AugAssign | cst.NamedExpr, context: int) -> None:
        self.visit(node.target, _STORE)
        self.visit(node.value, context)

    def _as_name(self, node: cst.AsName, context: int) -> None:
        self.visit(node.name, _STORE)

    def _comp_for(self, node: cst.CompFor, context: int) -> None:
        self.visit(node.target, _STORE)
        self.visit(node.iter, context)
        self._each(node.ifs, context)
        self.visit(node.inner_for_in, context)

    def _for(self, node: cst.For, context: int) -> None:
        self.visit(node.target, _STORE)
        self.visit(node.iter, context)
        self.visit(node.body, context)
        self.visit(node.orelse, context)

    def _del(self, node: cst.Del, context: int) -> None:
        self.visit(node.target, _DEL)

    def _attribute(self, node: cst.Attribute, context: int) -> None:
        self.visit(node.value, _LOAD)

    def _subscript(self, node: cst.Subscript, context: int) -> None:
        self.visit(node.value, _LOAD)
        self._each(node.slice, _LOAD)

    def _class_def(self, node: cst.ClassDef, context: int) -> None:
        self.visit(node.name, _STORE)
        self.visit(node.body, context)
        self._each(node.bases, context)
        self._each(node.keywords, context)
        self._each(node.decorators, context)

    def _function_def(self, node: cst.FunctionDef, context: int) -> None:
        self.visit(node.name, _STORE)
        self.visit(node.params, context)
        self.visit(node.body, context)
        self._each(node.decorators, context)
        self.visit(node.returns, context)

    def _param(self, node: cst.Param, context: int) -> None:
        self.visit(node.name, _STORE)
        self.visit(node.annotation, context)
        self.visit(node.default, context)


# -- scopes -------------------------------------------------------------------------


class _ScopeWalk:
    """LibCST's `ScopeVisitor`, ported to a plain walk (see the module doc)."""

    def __init__(self, stores: set[cst.Name]) -> None:
        self.stores = stores
        self.scope: Scope = GlobalScope()
        self.scopes: dict[cst.CSTNode, Scope] = {}
        self.deferred: list[tuple[Access, cst.Attribute | None, cst.BaseString | None]] = []
        self.attribute_stack: list[cst.Attribute | None] = [None]
        self.annotation_stack: list[bool] = [False]
        self.type_hint_stack: list[bool] = [False]
        self.ignored_subscripts: set[cst.Subscript] = set()
        self.last_string_annotation: cst.BaseString | None = None
        comprehension = self._comprehension
        self.visits: dict[type, Callable[[cst.CSTNode], bool | None]] = {
            cst.Import: self._import_alike,
            cst.ImportFrom: self._import_alike,
            cst.Attribute: self._attribute,
            cst.Call: self._call,
            cst.Annotation: self._annotation,
            cst.SimpleString: self._simple_string,
            cst.ConcatenatedString: self._concatenated_string,
            cst.Subscript: self._subscript,
            cst.Name: self._name,
            cst.FunctionDef: self._function_def,
            cst.Lambda: self._lambda,
            cst.Param: self._param,
            cst.Arg: self._arg,
            cst.ClassDef: self._class_def,
            cst.Global: self._global,
            cst.Nonlocal: self._nonlocal,
            cst.ListComp: comprehension,
            cst.SetComp: comprehension,
            cst.DictComp: comprehension,
            cst.GeneratorExp: comprehension,
            cst.For: self._for,
            cst.TypeAlias: self._type_alias,
            cst.TypeVar: self._type_var,
            cst.TypeVarTuple: self._type_param_name,
            cst.ParamSpec: self._type_param_name,
        }
        self.leaves: dict[type, Callable[[cst.CSTNode], None]] = {
            cst.Call: self._leave_call,
            cst.Annotation: self._leave_annotation,
            cst.Subscript: self._leave_subscript,
        }

    def visit(self, node: cst.CSTNode) -> None:
        kind = type(node)
        visit = self.visits.get(kind)
        if visit is None or visit(node) is not False:
            for child in children(node):
                self.visit(child)
        leave = self.leaves.get(kind)
        if leave is not None:
            leave(node)
        self.scopes[node] = self.scope
        counts = _counts.get(kind)
        if counts is None:
            counts = _counts[kind] = issubclass(kind, _ASSIGNMENT_LIKE_NODES)
        if counts:
            self.scope._assignment_count += 1

    @contextmanager
    def _new_scope(
        self, kind: type[LocalScope], node: cst.CSTNode, name: str | None = None
    ) -> Iterator[None]:
        parent = self.scope
        self.scope = kind(parent, node, name)
        try:
            yield
        finally:
            self.scope = parent

    @contextmanager
    def _switch_scope(self, scope: Scope) -> Iterator[None]:
        current = self.scope
        self.scope = scope
        try:
            yield
        finally:
            self.scope = current

    def _qualified(self, node: cst.CSTNode) -> set[str]:
        return {qn.name for qn in self.scope.get_qualified_names_for(node)}

    def _import_alike(self, node: cst.Import | cst.ImportFrom) -> bool:
        names = node.names
        if isinstance(names, cst.ImportStar):
            return False
        for name in names:
            self.scopes[name] = self.scope
            asname = name.asname
            if asname is not None:
                values = _gen_dotted_names(cst.ensure_type(asname.name, cst.Name))
                as_node: cst.CSTNode = asname.name
            else:
                values = _gen_dotted_names(name.name)
                as_node = name.name
            for value, _ in values:
                self.scope.record_import_assignment(value, node, as_node)
        return False

    def _attribute(self, node: cst.Attribute) -> bool:
        stack = self.attribute_stack
        if stack[-1] is None:
            stack[-1] = node
        self.visit(node.value)
        if stack[-1] is node:
            stack[-1] = None
        return False

    def _call(self, node: cst.Call) -> bool:
        self.attribute_stack.append(None)
        self.type_hint_stack.append(False)
        qnames = self._qualified(node)
        if "typing.NewType" in qnames or "typing.TypeVar" in qnames:
            self.visit(node.func)
            self.type_hint_stack[-1] = True
            for arg in node.args[1:]:
                self.visit(arg)
            return False
        if "typing.cast" in qnames:
            self.visit(node.func)
            if node.args:
                self.type_hint_stack.append(True)
                self.visit(node.args[0])
                self.type_hint_stack.pop()
                for arg in node.args[1:]:
                    self.visit(arg)
            return False
        return True

    def _leave_call(self, node: cst.CSTNode) -> None:
        self.attribute_stack.pop()
        self.type_hint_stack.pop()

    def _annotation(self, node: cst.Annotation) -> None:
        self.annotation_stack.append(True)

    def _leave_annotation(self, node: cst.CSTNode) -> None:
        self.annotation_stack.pop()

    def _simple_string(self, node: cst.SimpleString) -> bool:
        self._string_annotation(node)
        return False

    def _concatenated_string(self, node: cst.ConcatenatedString) -> bool:
        return not self._string_annotation(node)

    def _string_annotation(self, node: cst.SimpleString | cst.ConcatenatedString) -> bool:
        if (self.type_hint_stack[-1] or self.annotation_stack[-1]) and not self.ignored_subscripts:
            value = node.evaluated_value
            if value:
                top_level = self.last_string_annotation is None
                if top_level:
                    self.last_string_annotation = node
                # As CPython: an unparsable string annotation is ignored.
                with suppress(cst.ParserSyntaxError):
                    self.visit(cst.parse_module(value))
                if top_level:
                    self.last_string_annotation = None
                return True
        return False

    def _subscript(self, node: cst.Subscript) -> bool:
        in_type_hint = False
        if isinstance(node.value, cst.Name):
            qnames = self._qualified(node.value)
            if any(qn.startswith(("typing.", "typing_extensions.")) for qn in qnames):
                in_type_hint = True
            if "typing.Literal" in qnames or "typing_extensions.Literal" in qnames:
                self.ignored_subscripts.add(node)
        self.type_hint_stack.append(in_type_hint)
        return True

    def _leave_subscript(self, node: cst.CSTNode) -> None:
        self.type_hint_stack.pop()
        self.ignored_subscripts.discard(node)  # type: ignore[arg-type]

    def _name(self, node: cst.Name) -> None:
        if node in self.stores:
            self.scope.record_assignment(node.value, node)
            return
        access = Access(
            node,
            self.scope,
            is_annotation=bool(self.annotation_stack[-1]),
            is_type_hint=bool(self.type_hint_stack[-1]),
        )
        self.deferred.append((access, self.attribute_stack[-1], self.last_string_annotation))

    def _function_def(self, node: cst.FunctionDef) -> bool:
        self.scope.record_assignment(node.name.value, node)
        self.scopes[node.name] = self.scope
        parent = self.scope
        if node.type_parameters:
            self.scope = AnnotationScope(parent, node, None)
            self.visit(node.type_parameters)
        try:
            with self._new_scope(FunctionScope, node, get_full_name_for_node(node.name)):
                self.visit(node.params)
                self.visit(node.body)
            for decorator in node.decorators:
                self.visit(decorator)
            if node.returns:
                self.visit(node.returns)
        finally:
            self.scope = parent
        return False

    def _lambda(self, node: cst.Lambda) -> bool:
        with self._new_scope(FunctionScope, node):
            self.visit(node.params)
            self.visit(node.body)
        return False

    def _param(self, node: cst.Param) -> bool:
        self.scope.record_assignment(node.name.value, node)
        self.scopes[node.name] = self.scope
        with self._switch_scope(self.scope.parent):
            for part in (node.default, node.annotation):
                if part:
                    self.visit(part)
        return False

    def _arg(self, node: cst.Arg) -> bool:
        if node.value:
            self.visit(node.value)
        return False

    def _class_def(self, node: cst.ClassDef) -> bool:
        self.scope.record_assignment(node.name.value, node)
        self.scopes[node.name] = self.scope
        for decorator in node.decorators:
            self.visit(decorator)
        parent = self.scope
        if node.type_parameters:
            self.scope = AnnotationScope(parent, node, None)
            self.visit(node.type_parameters)
        try:
            for base in node.bases:
                self.visit(base)
            for keyword in node.keywords:
                self.visit(keyword)
            with self._new_scope(ClassScope, node, get_full_name_for_node(node.name)):
                for statement in node.body.body:
                    self.visit(statement)
        finally:
            self.scope = parent
        return False

    def _global(self, node: cst.Global) -> bool:
        for item in node.names:
            self.scope.record_global_overwrite(item.name.value)
        return False

    def _nonlocal(self, node: cst.Nonlocal) -> bool:
        for item in node.names:
            self.scope.record_nonlocal_overwrite(item.name.value)
        return False

    def _comprehension(
        self, node: cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp
    ) -> bool:
        for_in = node.for_in
        self.visit(for_in.iter)
        self.scopes[for_in] = self.scope
        with self._new_scope(ComprehensionScope, node):
            self.visit(for_in.target)
            self.scope._assignment_count += 1  # what follows can refer to the target
            for condition in for_in.ifs:
                self.visit(condition)
            if for_in.inner_for_in:
                self.visit(for_in.inner_for_in)
            if isinstance(node, cst.DictComp):
                self.visit(node.key)
                self.visit(node.value)
            else:
                self.visit(node.elt)
        return False

    def _for(self, node: cst.For) -> bool:
        self.visit(node.target)
        self.scope._assignment_count += 1
        for child in (node.iter, node.body, node.orelse, node.asynchronous):
            if child is not None and not is_trivia(type(child)):
                self.visit(child)
        return False

    def _type_alias(self, node: cst.TypeAlias) -> bool:
        self.scope.record_assignment(node.name.value, node)
        with self._new_scope(AnnotationScope, node, None):
            if node.type_parameters is not None:
                self.visit(node.type_parameters)
            self.visit(node.value)
        return False

    def _type_var(self, node: cst.TypeVar) -> bool:
        self.scope.record_assignment(node.name.value, node)
        if node.bound is not None:
            self.visit(node.bound)
        return False

    def _type_param_name(self, node: cst.TypeVarTuple | cst.ParamSpec) -> bool:
        self.scope.record_assignment(node.name.value, node)
        return False

    def infer_accesses(self) -> None:
        """LibCST's `ScopeVisitor.infer_accesses`: resolve each access, once the
        whole module's assignments are known."""
        by_scope_and_name: dict[tuple[Scope, str], set[Access]] = defaultdict(set)
        for access, attribute, string_annotation in self.deferred:
            name = cst.ensure_type(access.node, cst.Name).value
            if attribute is not None:
                for dotted, node in _gen_dotted_names(attribute):
                    if dotted in access.scope:
                        access.node = node
                        name = dotted
                        break
            if string_annotation is not None:
                access.node = string_annotation
            by_scope_and_name[(access.scope, name)].add(access)
            access.record_assignments(name)
            access.scope.record_access(name, access)
        for (scope, name), accesses in by_scope_and_name.items():
            for assignment in scope._resolve_scope_for_access(name, scope):
                assignment.record_accesses(accesses)
        self.deferred = []

"""aiolint's own per-file semantic model: parent links and qualified names
without LibCST's whole-file metadata providers.

LibCST's `ParentNodeProvider`, `ScopeProvider` and `QualifiedNameProvider` each
walk the whole module through the visitor machinery, and together cost most of
a lint. Here:

- `parent_map(module)` links every node to its parent with one iterative walk
  over the nodes' dataclass fields (the same children LibCST's `children`
  yields, order aside).
- `NameModel.qualified_names(node)` answers, for a name or attribute chain in
  an expression, exactly what LibCST's `QualifiedNameProvider` would, in the
  cases where that answer follows from the file's imports alone: the head of
  the chain is bound by nothing but module-level imports (or by nothing at
  all: a builtin, or an unknown name). It is computed from the module-level
  import table and the set of names the file binds anywhere (from the `ast`
  gate's walk). Any other case (a head also bound by an assignment, a
  parameter, a local import, `global`...) returns None, and the caller falls
  back to LibCST's scope analysis, resolved lazily for that file only.

The logic follows LibCST's `Scope.get_qualified_names_for` and
`ImportAssignment.get_qualified_names_for`: the longest dotted prefix of the
name's full name that an import records, and `builtins.<head>` for a builtin.
A test compares both answers on the fixtures and the standard library.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import QualifiedName, QualifiedNameSource

from aiolint.semantic.visit_order import (
    NODE,
    NODE_KINDS,
    TRIVIA,
    children,
    formatting_fields,
    node_kind,
)

if TYPE_CHECKING:
    from aiolint.engine.gate import AstFacts

__all__ = [
    "NameModel",
    "ParentMap",
    "enclosing_scopes",
    "parent_map",
    "region_bindings",
    "scope_bindings",
]

_FIELDS: dict[type, tuple[str, ...]] = {}
#: Nodes whose full name LibCST derives from a name chain (`a.b`, `a.b[T]`, `a.b()`).
_CHAINS = (cst.Name, cst.Attribute, cst.Subscript, cst.Call)

#: Parents under which a `Name` is not a plain expression (LibCST's scope visitor
#: skips it, or it is a binding occurrence): left to LibCST.
_SPECIAL_PARENTS = (
    cst.ImportAlias,
    cst.AsName,
    cst.Import,
    cst.ImportFrom,
    cst.Param,
    cst.FunctionDef,
    cst.ClassDef,
    cst.NameItem,
    cst.Global,
    cst.Nonlocal,
    cst.MatchAs,
    cst.MatchStar,
    cst.MatchMapping,
    cst.MatchKeywordElement,
)


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = tuple(f.name for f in dataclasses.fields(cls))
        _FIELDS[cls] = fields
    return fields


def iter_children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node's direct children (any order)."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, tuple | list):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def parent_map(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    """Every node's parent (the module has none). `iter_children` inlined: a
    generator per node made this twice as slow (measured on a 3,300-line file);
    whether a value is a node is looked up per type (`visit_order.node_kind`:
    `isinstance(value, cst.CSTNode)` goes through the ABC machinery, 2.3
    million calls on dispatch, a third of this walk)."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    fields_of = _FIELDS
    kinds = NODE_KINDS
    while stack:
        node = stack.pop()
        fields = fields_of.get(type(node)) or _child_fields(type(node))
        for name in fields:
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    item_kind = kinds.get(type(item))
                    if item_kind is None:
                        item_kind = node_kind(type(item))
                    if item_kind:
                        parents[item] = node
                        stack.append(item)
                continue
            value_kind = kinds.get(kind)
            if value_kind is None:
                value_kind = node_kind(kind)
            if value_kind:
                parents[value] = node
                stack.append(value)
    return parents


_LEAN_FIELDS: dict[type, tuple[str, ...]] = {}


def _lean_fields(cls: type) -> tuple[str, ...]:
    """The node's fields in `parent_map`'s order, without those that hold only
    formatting nodes (`visit_order.formatting_fields`)."""
    fields = _LEAN_FIELDS.get(cls)
    if fields is None:
        formatting = formatting_fields(cls)
        fields = tuple(name for name in _child_fields(cls) if name not in formatting)
        _LEAN_FIELDS[cls] = fields
    return fields


def _node_parents(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    """`parent_map` of the nodes but formatting ones (`visit_order.TRIVIA`,
    two thirds of a tree), inserted in the same order: a formatting node's
    subtree holds only formatting nodes."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    kinds = NODE_KINDS
    lean = _LEAN_FIELDS
    while stack:
        node = stack.pop()
        for name in lean.get(type(node)) or _lean_fields(type(node)):
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    item_kind = kinds.get(type(item))
                    if item_kind is None:
                        item_kind = node_kind(type(item))
                    if item_kind == NODE:
                        parents[item] = node
                        stack.append(item)
                continue
            value_kind = kinds.get(kind)
            if value_kind is None:
                value_kind = node_kind(kind)
            if value_kind == NODE:
                parents[value] = node
                stack.append(value)
    return parents


def _formatting(node: object) -> bool:
    kind = NODE_KINDS.get(type(node))
    return (kind if kind is not None else node_kind(type(node))) == TRIVIA


class ParentMap(Mapping[cst.CSTNode, cst.CSTNode]):
    """Every node's parent, as `parent_map` gives it, the formatting nodes'
    (whitespace, commas, parentheses...) found only when one is first asked
    about or the map is iterated: the rules ask about the others."""

    __slots__ = ("_complete", "_module", "_parents")

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._parents = _node_parents(module)
        self._complete = False

    def _all(self) -> dict[cst.CSTNode, cst.CSTNode]:
        if not self._complete:
            self._parents = parent_map(self._module)
            self._complete = True
        return self._parents

    def __getitem__(self, node: cst.CSTNode) -> cst.CSTNode:
        found = self._parents.get(node)
        if found is None:
            if self._complete or not _formatting(node):
                raise KeyError(node)
            return self._all()[node]
        return found

    def get(self, node: cst.CSTNode, default: Any = None) -> Any:
        found = self._parents.get(node)
        if found is None and not self._complete and _formatting(node):
            found = self._all().get(node)
        return default if found is None else found

    def __contains__(self, node: object) -> bool:
        if node in self._parents:
            return True
        return not self._complete and _formatting(node) and node in self._all()

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def non_formatting(self) -> Iterator[cst.CSTNode]:
        """The nodes but formatting ones, in the order of iterating the map."""
        if not self._complete:
            return iter(self._parents)
        return (node for node in self._parents if not _formatting(node))


@dataclasses.dataclass(frozen=True, slots=True)
class _ModuleImport:
    """A module-level import statement and the top-level statement it is in."""

    statement: cst.Import | cst.ImportFrom
    top_index: int


class NameModel:
    """Qualified names from the file's imports (see the module doc)."""

    def __init__(
        self, module: cst.Module, parents: Mapping[cst.CSTNode, cst.CSTNode], facts: AstFacts
    ) -> None:
        self._module = module
        self._parents = parents
        self._facts = facts
        #: Names bound anywhere in the file by anything but a module-level import.
        self._bound = facts.bound
        #: Names no scope reasoning here settles: bound at module level by more
        #: than imports, declared global/nonlocal, bound by `:=`.
        self._unsure = facts.module_bound | facts.declared | facts.walrus
        self._scope_names: dict[cst.CSTNode, set[str]] = {}
        self._body_bindings: dict[cst.CSTNode, set[str]] = {}
        #: Dotted name an import records -> the module-level imports recording it.
        self._imports: dict[str, list[_ModuleImport]] = {}
        self._top_index = {statement: i for i, statement in enumerate(module.body)}
        #: Full name -> what the imports recording it give (`_imported`), computed
        #: once per name: a name imported by many statements was asked of every
        #: one of them at each of its uses.
        self._import_names: dict[str, set[QualifiedName]] = {}
        for index, statement in enumerate(module.body):
            for imported in _module_level_imports(statement):
                for recorded in _recorded_names(imported):
                    self._imports.setdefault(recorded, []).append(_ModuleImport(imported, index))

    def qualified_names(self, node: cst.CSTNode) -> set[QualifiedName] | None:
        """LibCST's qualified names of `node`, or None when only its scope
        analysis can tell."""
        if not isinstance(node, _CHAINS) or not self._in_expression(node):
            return None
        full = get_full_name_for_node(node)
        if not full:
            return None
        head = full.split(".", 1)[0]
        if head in self._bound and not self._reaches_module_scope(node, head):
            return None
        prefix: str | None = full
        while prefix:
            found = self._imports.get(prefix)
            if found:
                return self._imported(node, full, found)
            cut = prefix.rfind(".")
            prefix = prefix[:cut] if cut != -1 else None
        if hasattr(builtins, head):
            return {QualifiedName(f"builtins.{head}", QualifiedNameSource.BUILTIN)}
        return set()

    def _in_expression(self, node: cst.CSTNode) -> bool:
        """Whether the name chain is an expression LibCST's scope visitor resolves
        (not an attribute's name, a keyword, nor part of an import or a binding)."""
        parents = self._parents
        parent = parents.get(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return False
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            return False
        current: cst.CSTNode = node
        while isinstance(parent, cst.Attribute) and parent.value is current:
            current, parent = parent, parents.get(parent)
        return parent is not None and not isinstance(parent, _SPECIAL_PARENTS)

    def _reaches_module_scope(self, node: cst.CSTNode, head: str) -> bool:
        """Whether `head`, read at `node`, resolves to module-level bindings that
        are only imports (or to builtins): no enclosing scope visible from
        `node` binds it (LibCST's lookup: the innermost scope, then the
        enclosing functions, lambdas and comprehensions, class bodies skipped)."""
        if head in self._unsure or self._facts.has_type_params:
            return False
        scopes = enclosing_scopes(node, self._parents)
        for index, scope in enumerate(scopes):
            if index > 0 and isinstance(scope, cst.ClassDef):
                continue
            if head in self._names_of(scope):
                return False
        return True

    def binding_scope(self, name: cst.Name) -> cst.CSTNode | None:
        """For a name read in an expression, the innermost scope visible from it
        that binds the name (class bodies skipped, as LibCST does), else the
        module: then LibCST's scopes give the name the module's bindings or a
        builtin, never a local's. (In a def, class or comprehension, a read
        before every binding of the scope's own gets the outer scope's from
        LibCST; a parameter is bound before its body runs.) None when not
        known without scope analysis (`global`/`nonlocal`/`:=` names, PEP 695
        type parameters)."""
        head = name.value
        facts = self._facts
        if (
            head in facts.declared
            or head in facts.walrus
            or facts.has_type_params
            or not self._in_expression(name)
        ):
            return None
        if head not in self._bound:
            return self._module
        for index, scope in enumerate(enclosing_scopes(name, self._parents)):
            if index > 0 and isinstance(scope, cst.ClassDef):
                continue
            if head in self._names_of(scope):
                return scope
        return self._module

    def parameter_of(self, name: cst.Name) -> cst.Param | None:
        """The parameter a name read in an expression refers to, when it is the
        one binding LibCST's scopes give it: the name's binding scope
        (`binding_scope`) is a function or lambda binding it by a parameter and
        by nothing else in its own code. None when that is not so, or not known."""
        scope = self.binding_scope(name)
        if not isinstance(scope, cst.FunctionDef | cst.Lambda):
            return None
        head = name.value
        found = [param for param in _params(scope.params) if param.name.value == head]
        if len(found) != 1 or head in self._body_names(scope):
            return None
        return found[0]

    def _names_of(self, scope: ScopeNode) -> set[str]:
        """`scope_bindings(scope)`, once per scope (a def's body walked once
        for this and `_body_names`)."""
        names = self._scope_names.get(scope)
        if names is None:
            if isinstance(scope, cst.FunctionDef | cst.Lambda):
                names = {param.name.value for param in _params(scope.params)}
                names |= self._body_names(scope)
            else:
                names = scope_bindings(scope)
            self._scope_names[scope] = names
        return names

    def _body_names(self, scope: cst.FunctionDef | cst.Lambda) -> set[str]:
        """The names a function's or lambda's own code binds (its parameters aside)."""
        names = self._body_bindings.get(scope)
        if names is None:
            names = self._body_bindings[scope] = region_bindings(scope.body)
        return names

    def _imported(
        self, node: cst.CSTNode, full: str, imports: list[_ModuleImport]
    ) -> set[QualifiedName] | None:
        top = self._top_statement(node)
        if top is None:
            return None
        # `imports` is in statement order: the last is the latest.
        if top[1] and imports[-1].top_index >= top[0]:
            return None  # module-level code may run before the import: LibCST decides
        names = self._import_names.get(full)
        if names is None:
            names = set()
            for imported in imports:
                names |= import_qualified_names(imported.statement, full)
            self._import_names[full] = names
        return set(names)

    def _top_statement(self, node: cst.CSTNode) -> tuple[int, bool] | None:
        """(index of the top-level statement holding `node`, whether `node` runs
        at module level, i.e. outside any def, lambda and class body)."""
        module_level = True
        current = node
        parents = self._parents
        while True:
            parent = parents.get(current)
            if parent is None:
                return None
            if (
                isinstance(parent, cst.FunctionDef | cst.ClassDef | cst.Lambda)
                and current is parent.body
            ):
                module_level = False
            if parent is self._module:
                index = self._top_index.get(current)
                return None if index is None else (index, module_level)
            current = parent


_BLOCKS = (
    cst.BaseSuite,
    cst.BaseCompoundStatement,
    cst.SimpleStatementLine,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Else,
    cst.Finally,
    cst.MatchCase,
)


def _module_level_imports(node: cst.CSTNode) -> Iterator[cst.Import | cst.ImportFrom]:
    """Imports that run in module scope: in the statement, or in the blocks of
    `if`/`try`/`with`/`for`/`while`/`match` around it (no def or class)."""
    if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
        for small in node.body:
            if isinstance(small, cst.Import | cst.ImportFrom):
                yield small
        return
    if isinstance(node, cst.FunctionDef | cst.ClassDef):
        return
    for child in iter_children(node):
        if isinstance(child, _BLOCKS):
            yield from _module_level_imports(child)


def _recorded_names(statement: cst.Import | cst.ImportFrom) -> Iterator[str]:
    """The names LibCST's scope records for an import: the alias, else every
    dotted prefix of the imported name (`import a.b.c`: a.b.c, a.b, a)."""
    if isinstance(statement.names, cst.ImportStar):
        return
    for alias in statement.names:
        target = alias.asname.name if alias.asname is not None else alias.name
        full = get_full_name_for_node(target)
        if not full:
            continue
        parts = full.split(".")
        for end in range(len(parts), 0, -1):
            yield ".".join(parts[:end])


def import_qualified_names(
    statement: cst.Import | cst.ImportFrom, full_name: str
) -> set[QualifiedName]:
    """LibCST's `ImportAssignment.get_qualified_names_for(full_name)`."""
    module = ""
    if isinstance(statement, cst.ImportFrom):
        if statement.module:
            module = get_full_name_for_node(statement.module) or ""
        if statement.relative:
            module = "." * len(statement.relative) + module
    results: set[QualifiedName] = set()
    if isinstance(statement.names, cst.ImportStar):
        return results
    for alias in statement.names:
        real_name = get_full_name_for_node(alias.name)
        if not real_name:
            continue
        parts = real_name.split(".")
        for candidate in [".".join(parts[:i]) for i in range(len(parts), 0, -1)]:
            as_name = candidate
            real = candidate
            if module and module.endswith("."):
                real = f"{module}{candidate}"
            elif module:
                real = f"{module}.{candidate}"
            if alias.asname:
                evaluated = alias.evaluated_alias
                if evaluated is not None:
                    as_name = evaluated
            if full_name.startswith(as_name):
                remaining = full_name.split(as_name, 1)[1]
                if remaining and not remaining.startswith("."):
                    continue
                remaining = remaining.lstrip(".")
                results.add(
                    QualifiedName(
                        f"{real}.{remaining}" if remaining else real, QualifiedNameSource.IMPORT
                    )
                )
                break
    return results


# --- scopes and the names they bind -------------------------------------------

Comprehension = cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp
ScopeNode = cst.FunctionDef | cst.Lambda | cst.ClassDef | Comprehension
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
#: Statements and expressions whose `target` binds names.
_TARGETED = (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.NamedExpr)


def enclosing_scopes(
    node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]
) -> list[ScopeNode]:
    """The local scopes (LibCST's: function, lambda, class, comprehension) whose
    code runs `node`, innermost first. A def's decorators, defaults, annotations
    and return annotation run in the enclosing scope, as does the first iterable
    of a comprehension."""
    scopes: list[ScopeNode] = []
    below: list[cst.CSTNode] = [node]
    current = node
    while True:
        parent = parents.get(current)
        if parent is None:
            return scopes
        if isinstance(parent, cst.FunctionDef | cst.Lambda):
            if current is parent.body or (
                current is parent.params and _is_param_name(below, parent.params)
            ):
                scopes.append(parent)
        elif isinstance(parent, cst.ClassDef):
            if current is parent.body:
                scopes.append(parent)
        elif isinstance(parent, _COMPREHENSIONS):
            outer_iter = (
                current is parent.for_in and len(below) >= 2 and below[-2] is parent.for_in.iter
            )
            if not outer_iter:
                scopes.append(parent)  # type: ignore[arg-type]
        below.append(parent)
        current = parent


def _is_param_name(below: list[cst.CSTNode], params: cst.Parameters) -> bool:
    """`below` runs from the node up to `params`: whether it passes through a
    parameter's name (its own scope) rather than its default or annotation."""
    for index in range(len(below) - 1, 0, -1):
        if isinstance(below[index], cst.Param):
            param = below[index]
            assert isinstance(param, cst.Param)
            return below[index - 1] is param.name
    return False


def scope_bindings(scope: ScopeNode) -> set[str]:
    """The names a scope's own code binds, as LibCST's scope records them."""
    if isinstance(scope, cst.FunctionDef | cst.Lambda):
        names = {param.name.value for param in _params(scope.params)}
        return names | region_bindings(scope.body)
    if isinstance(scope, cst.ClassDef):
        return region_bindings(scope.body)
    names = set()
    for_in: cst.CompFor | None = scope.for_in
    while for_in is not None:
        names |= target_names(for_in.target)
        for_in = for_in.inner_for_in
    return names


def _params(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg


def target_names(target: cst.CSTNode) -> set[str]:
    """Names a binding target binds (`a`, `a, *b`, `[a, (b, c)]`; not `a.x`, `a[i]`)."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Tuple | cst.List):
        found: set[str] = set()
        for element in target.elements:
            found |= target_names(element.value)
        return found
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return set()


#: What `region_bindings` does with a node, by its type (`_region_role`).
_PLAIN, _DEF, _LAMBDA, _COMPREHENSION, _TARGET, _WITH, _EXCEPT, _IMPORT, _DECLARED = range(9)
_MATCH_NAME, _MATCH_REST = 9, 10
_REGION_ROLES: dict[type, int] = {}
_ROLE_TYPES: tuple[tuple[int, tuple[type, ...]], ...] = (
    (_DEF, (cst.FunctionDef, cst.ClassDef)),
    (_LAMBDA, (cst.Lambda,)),
    (_COMPREHENSION, _COMPREHENSIONS),
    (_TARGET, _TARGETED),
    (_WITH, (cst.WithItem,)),
    (_EXCEPT, (cst.ExceptHandler, cst.ExceptStarHandler)),
    (_IMPORT, (cst.Import, cst.ImportFrom)),
    (_DECLARED, (cst.Global, cst.Nonlocal)),
    (_MATCH_NAME, (cst.MatchAs, cst.MatchStar)),
    (_MATCH_REST, (cst.MatchMapping,)),
)


def _region_role(kind: type) -> int:
    """A node type's role in `region_bindings` (looked up once per type:
    `isinstance` against LibCST's abstract classes is slow in a hot walk)."""
    role = _REGION_ROLES.get(kind)
    if role is None:
        role = next((r for r, types in _ROLE_TYPES if issubclass(kind, types)), _PLAIN)
        _REGION_ROLES[kind] = role
    return role


def region_bindings(root: cst.CSTNode) -> set[str]:
    """Names bound by the code of `root` that runs in `root`'s own scope (nested
    scopes contribute their names and what runs outside their bodies)."""
    names: set[str] = set()
    stack: list[cst.CSTNode] = [root]
    roles = _REGION_ROLES
    while stack:
        node = stack.pop()
        role = roles.get(type(node))
        if role is None:
            role = _region_role(type(node))
        if role == _PLAIN:
            stack.extend(children(node))  # formatting nodes bind nothing
            continue
        if role == _DEF:
            assert isinstance(node, cst.FunctionDef | cst.ClassDef)
            names.add(node.name.value)
            stack.extend(d.decorator for d in node.decorators)
            if isinstance(node, cst.FunctionDef):
                stack.extend(_outer_parts(node.params))
                if node.returns is not None:
                    stack.append(node.returns)
            else:
                stack.extend(arg.value for arg in (*node.bases, *node.keywords))
            continue
        if role == _LAMBDA:
            assert isinstance(node, cst.Lambda)
            stack.extend(_outer_parts(node.params))
            continue
        if role == _COMPREHENSION:
            assert isinstance(node, _COMPREHENSIONS)
            stack.append(node.for_in.iter)
            continue
        if role == _IMPORT:
            assert isinstance(node, cst.Import | cst.ImportFrom)
            names.update(_recorded_names(node))
            continue
        if role == _TARGET:
            names |= target_names(node.target)  # type: ignore[attr-defined]
        elif role == _WITH:
            assert isinstance(node, cst.WithItem)
            if node.asname is not None:
                names |= target_names(node.asname.name)
        elif role == _EXCEPT:
            assert isinstance(node, cst.ExceptHandler | cst.ExceptStarHandler)
            if node.name is not None:
                names |= target_names(node.name.name)
        elif role == _DECLARED:
            assert isinstance(node, cst.Global | cst.Nonlocal)
            names.update(item.name.value for item in node.names)
        elif role == _MATCH_NAME:
            assert isinstance(node, cst.MatchAs | cst.MatchStar)
            if node.name is not None:
                names.add(node.name.value)
        elif role == _MATCH_REST:
            assert isinstance(node, cst.MatchMapping)
            if node.rest is not None:
                names.add(node.rest.value)
        stack.extend(children(node))
    return names


def _outer_parts(params: cst.Parameters) -> Iterator[cst.CSTNode]:
    """What of a parameter list runs in the enclosing scope: defaults, annotations."""
    for param in _params(params):
        if param.default is not None:
            yield param.default
        if param.annotation is not None:
            yield param.annotation

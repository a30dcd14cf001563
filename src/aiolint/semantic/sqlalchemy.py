"""What an expression is in SQLAlchemy terms: a session, a session factory, an engine.

`classify(ctx, expr)` answers with a `SqlaKind` (or None when it cannot be
known) from how the value was made:

- constructors and factories: `Session(engine)`, `AsyncSession(engine)`,
  `sqlmodel.Session(engine)`, `scoped_session(...)`, `sessionmaker(...)`
  (async with `class_=AsyncSession`), `async_sessionmaker(...)`,
  `create_engine(...)` / `create_async_engine(...)`, and calls of them:
  `SessionLocal()` where `SessionLocal = sessionmaker(...)`,
  `SessionLocal.begin()`, `ScopedSession()`;
- names followed to their single binding, `with`/`async with` targets;
- annotations: `Session`, `AsyncSession`, `Optional[...]`, `X | None`,
  `Annotated[Session, Depends(get_db)]`, aliases such as
  `SessionDep = Annotated[Session, Depends(get_session)]`, string annotations;
- `Depends(get_db)` where `get_db` is a function of this module that returns or
  yields a session (its return annotation, e.g. `Generator[Session, None, None]`
  or `AsyncIterator[AsyncSession]`, else what it yields or returns);
- `self.session` where the class annotates `session` or every method assigns it
  the same kind of value;
- `request.state.db` where every `<x>.state.db = ...` of the module's
  functions (a middleware) assigns the same kind of value;
- Flask-SQLAlchemy: `db = SQLAlchemy(app)`; `db.session` is a scoped session.

Results are memoized per file in `ctx.memo`.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import libcst as cst
from libcst.metadata import QualifiedNameSource

from aiolint.engine import known_names
from aiolint.engine.gate import AstFacts, dotted_parts
from aiolint.semantic.bindings import assignments_of, binding_value, imports_only
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_scope
from aiolint.semantic.names import dotted, module_imports, qualified_name

__all__ = [
    "SQLA_ROOTS",
    "SqlaKind",
    "class_kind",
    "classify",
    "constructed_kind",
    "depends_kind",
    "imports_sqlalchemy",
    "is_flask_model_class",
    "may_annotate_kind",
    "may_have_kind",
    "may_open_session",
    "opens_session",
    "session_kind",
    "type_kind",
]

_MAX_DEPTH = 16
#: Top-level packages whose import makes a module "a SQLAlchemy module".
SQLA_ROOTS = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")


class SqlaKind(Enum):
    """What a SQLAlchemy-related value is."""

    SESSION = "Session"
    ASYNC_SESSION = "AsyncSession"
    SCOPED_SESSION = "scoped_session"
    ASYNC_SCOPED_SESSION = "async_scoped_session"
    SESSION_FACTORY = "sessionmaker"
    ASYNC_SESSION_FACTORY = "async_sessionmaker"
    ENGINE = "Engine"
    ASYNC_ENGINE = "AsyncEngine"
    FLASK_SQLALCHEMY = "SQLAlchemy"

    @property
    def is_session(self) -> bool:
        """A session or a scoped-session registry (both answer `.query`, `.execute` ...)."""
        return self in _SESSIONS

    @property
    def is_async(self) -> bool:
        return self in _ASYNC

    @property
    def is_factory(self) -> bool:
        return self in (SqlaKind.SESSION_FACTORY, SqlaKind.ASYNC_SESSION_FACTORY)

    @property
    def is_engine(self) -> bool:
        return self in (SqlaKind.ENGINE, SqlaKind.ASYNC_ENGINE)


_SESSIONS = frozenset(
    {
        SqlaKind.SESSION,
        SqlaKind.ASYNC_SESSION,
        SqlaKind.SCOPED_SESSION,
        SqlaKind.ASYNC_SCOPED_SESSION,
    }
)
_ASYNC = frozenset(
    {
        SqlaKind.ASYNC_SESSION,
        SqlaKind.ASYNC_SCOPED_SESSION,
        SqlaKind.ASYNC_SESSION_FACTORY,
        SqlaKind.ASYNC_ENGINE,
    }
)

#: Classes (and class-like callables) -> the kind of their instances. Used for
#: annotations, `class_=` arguments and base classes.
_TYPES: dict[str, SqlaKind] = {name: SqlaKind(kind) for name, kind in known_names.TYPES.items()}
#: Functions that build an engine.
_ENGINE_FUNCTIONS: dict[str, SqlaKind] = {
    name: SqlaKind(kind) for name, kind in known_names.ENGINE_FUNCTIONS.items()
}

_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_ITERATORS = frozenset(
    f"{module}.{name}"
    for module in ("typing", "typing_extensions", "collections.abc")
    for name in known_names.ITERATOR_NAMES
)
_DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends"})
_CONTEXT_MANAGERS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})
#: What calling an instance of a kind gives.
#: The library classes and functions whose call `classify` gives a kind.
_KNOWN_CALLS = frozenset((*known_names.TYPES, *known_names.ENGINE_FUNCTIONS))
_CALL_RESULT = {
    SqlaKind(kind): SqlaKind(result) for kind, result in known_names.CALL_RESULTS.items()
}


# --- public API -------------------------------------------------------------


def classify(ctx: FileContext, expr: cst.BaseExpression | None) -> SqlaKind | None:
    """The SQLAlchemy kind of the value of `expr`, or None when unknown (or none)."""
    if expr is None:
        return None
    return _classify(ctx, expr, 0)


def session_kind(ctx: FileContext, expr: cst.BaseExpression | None) -> SqlaKind | None:
    """Like `classify`, but only sessions and scoped-session registries."""
    kind = classify(ctx, expr)
    return kind if kind is not None and kind.is_session else None


def type_kind(ctx: FileContext, annotation: cst.BaseExpression) -> SqlaKind | None:
    """The kind of a value annotated with `annotation` (`Optional[Session]` -> SESSION)."""
    return _annotation_kind(ctx, annotation, annotation, 0)


def class_kind(ctx: FileContext, expr: cst.BaseExpression) -> SqlaKind | None:
    """The kind of the instances of the class `expr` names (an imported SQLAlchemy
    class or a class of this module deriving from one)."""
    return _class_kind(ctx, expr, 0)


def constructed_kind(ctx: FileContext, call: cst.Call) -> SqlaKind | None:
    """What a call of an SQLAlchemy class or factory builds, when it calls one
    directly (`AsyncSession(engine)`, `async_sessionmaker(engine)`,
    `sessionmaker(engine, class_=AsyncSession)`), not an instance of one
    (`SessionLocal()`) nor a subclass of this module."""
    kind = _TYPES.get(qualified_name(ctx, call.func) or "")
    if kind is SqlaKind.SESSION_FACTORY:
        return _sessionmaker_kind(ctx, call, 0)
    return None if kind is None or kind.is_engine else kind


def opens_session(ctx: FileContext, call: cst.Call) -> bool:
    """Whether `call` opens a new session: `Session(...)`, `AsyncSession(...)`,
    a call of a `sessionmaker` / `async_sessionmaker` instance, or its
    `.begin()` (not a scoped-session registry, which hands out its own)."""
    if constructed_kind(ctx, call) in (SqlaKind.SESSION, SqlaKind.ASYNC_SESSION):
        return True
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "begin":
        func = func.value
    return classify(ctx, func) in (SqlaKind.SESSION_FACTORY, SqlaKind.ASYNC_SESSION_FACTORY)


def depends_kind(ctx: FileContext, call: cst.Call) -> SqlaKind | None:
    """For `Depends(get_db)`: what FastAPI injects (see the module doc)."""
    return _depends_kind(ctx, call, 0)


def imports_sqlalchemy(ctx: FileContext) -> bool:
    """Whether the module imports sqlalchemy, sqlmodel or flask_sqlalchemy."""
    return module_imports(ctx, *SQLA_ROOTS)


def is_flask_model_class(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """Whether `expr` names a class of this module that derives (directly or
    through other classes of this module) from a Flask-SQLAlchemy `db.Model`
    (`db = SQLAlchemy(...)`), or is `cls`/`self` in a method of such a class."""
    classdef = _local_class(ctx, expr)
    if classdef is None and isinstance(expr, cst.Name):
        classdef = _method_class(ctx, expr)
    return classdef is not None and _derives_flask_model(ctx, classdef, 0)


def may_have_kind(facts: AstFacts, value: ast.expr, depth: int = 0) -> bool:
    """For an `ast` gate: False when `classify` cannot give the value (`ast`)
    a kind. It follows `classify`'s cases:

    - a name an assignment, a parameter, a `for`/`with` target or `:=` binds
      (followed to its value), an import of a project instance, a name bound
      nowhere (a `*` import); not a builtin, def, class or other import;
    - an attribute through an import (a project instance), `.session` or
      `.engine` of what may have a kind (Flask-SQLAlchemy), an attribute of
      a method's first parameter (`self.session`), of a `.state`;
    - a call of a SQLAlchemy class or function, of a project name, of `next`,
      of a class or function of this file, of what may have a kind (`begin`
      included);
    - `await` and `and`/`or` of those.
    A name several imports bind may be any of theirs."""
    if depth > _MAX_DEPTH:
        return True
    while isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.BoolOp):
        return any(may_have_kind(facts, operand, depth + 1) for operand in value.values)
    if isinstance(value, ast.Call):
        return _call_may_have_kind(facts, value, depth)
    if isinstance(value, ast.Name):
        head = value.id
        if head in facts.stored:
            return True
        if head not in facts.imports:  # builtin, def, class; undefined (a `*` import)
            return head not in facts.bound and not hasattr(builtins, head)
        return _imports_any(facts, value, lambda name: _project_instance_name(facts, name))
    if not isinstance(value, ast.Attribute):
        return False
    if _imports_any(facts, value, lambda name: _project_instance_name(facts, name)):
        return True
    owner = value.value
    if value.attr in ("session", "engine") and may_have_kind(facts, owner, depth + 1):
        return True
    if isinstance(owner, ast.Name):
        return owner.id in facts.receivers
    return isinstance(owner, ast.Attribute) and owner.attr == "state"


def _call_may_have_kind(facts: AstFacts, call: ast.Call, depth: int) -> bool:
    """`may_have_kind` of a call (`_call_kind`)."""
    func = call.func
    if _imports_any(facts, func, lambda name: _call_name_has_kind(facts, name)):
        return True
    if isinstance(func, ast.Name):
        head = func.id
        if head in facts.bound or head == "next":
            return True  # followed, a class or function of this file, or `next(get_db())`
        if head not in facts.imports and not hasattr(builtins, head):
            return True  # bound nowhere (a `*` import)
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "begin"
        and may_have_kind(facts, func.value, depth + 1)
    ):
        return True
    return may_have_kind(facts, func, depth + 1)


def _project_instance_name(facts: AstFacts, name: str) -> bool:
    project = facts.project
    return project is not None and name in project.instances


def _call_name_has_kind(facts: AstFacts, name: str) -> bool:
    """Whether a call of the imported `name` may have a kind: a SQLAlchemy
    class or engine function, or a project instance, class or function (or
    an instance's `begin`)."""
    if name in _KNOWN_CALLS:
        return True
    project = facts.project
    if project is None:
        return False
    owner = name.rpartition(".")[0]
    tables = (project.instances, project.classes, project.functions)
    return any(name in table or owner in table for table in tables)


def may_open_session(facts: AstFacts, call: ast.Call) -> bool:
    """For an `ast` gate: False when `opens_session` cannot hold for the call.
    It needs a call of `Session`/`AsyncSession` (an import naming one), or a
    callee (less a `.begin`) that `classify` may find a session factory:

    - a name an assignment, a parameter, a `for`/`with` target or `:=` binds
      (followed to its value), or an import of a project session factory (a
      def, class, builtin or other import never is one);
    - an attribute of a method's first parameter (`self.factory`), of a
      `.state`, or through an import (a project module's factory);
    - a call, `await` or `and`/`or`, which `classify` follows further."""
    func = call.func
    if _imports_any(facts, func, lambda name: _TYPES.get(name) in _OPENED):
        return True
    if isinstance(func, ast.Attribute) and func.attr == "begin":
        func = func.value
    if isinstance(func, ast.Call | ast.Await | ast.BoolOp):
        return True
    if isinstance(func, ast.Name):
        head = func.id
        if head in facts.stored:
            return True
        if head not in facts.imports:  # builtin, def, class; undefined (a `*` import)
            return head not in facts.bound and not hasattr(builtins, head)
    elif isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id in facts.receivers:
            return True
        if isinstance(owner, ast.Attribute) and owner.attr == "state":
            return True
    else:
        return False
    project = facts.project
    if project is None:
        return False
    return _imports_any(facts, func, lambda name: _kind(project.instances.get(name)) in _FACTORIES)


def may_annotate_kind(facts: AstFacts, annotation: ast.expr) -> bool:
    """For an `ast` gate: False when `type_kind` cannot give the annotation a
    kind. It may when the annotation holds a string (parsed then), a call
    (`Depends(...)` in an `Annotated`), or a name that may be a SQLAlchemy
    class, a project class or session factory (an import of one), a class,
    alias or factory of this file (any name the file binds), or a name
    bound nowhere (a `*` import); builtins and other imports are not."""
    for node in ast.walk(annotation):
        if isinstance(node, ast.Call):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return True
        if isinstance(node, ast.Name):
            head = node.id
            if head in facts.bound or (head not in facts.imports and not hasattr(builtins, head)):
                return True
        if isinstance(node, ast.Name | ast.Attribute) and _imports_any(
            facts, node, lambda name: _names_type(facts, name)
        ):
            return True
    return False


def _names_type(facts: AstFacts, name: str) -> bool:
    """Whether an annotation naming `name` has a kind (`_type_name_kind`)."""
    if name in _TYPES:
        return True
    project = facts.project
    if project is None:
        return False
    return name in project.classes or _kind(project.instances.get(name)) in _FACTORIES


#: What `opens_session` looks for.
_OPENED = frozenset({SqlaKind.SESSION, SqlaKind.ASYNC_SESSION})
_FACTORIES = frozenset({SqlaKind.SESSION_FACTORY, SqlaKind.ASYNC_SESSION_FACTORY})


def _imports_any(facts: AstFacts, expr: ast.expr, wanted: Callable[[str], bool]) -> bool:
    """Whether `expr` (a name or attribute chain through an import) may resolve
    to a name `wanted` accepts, the way `qualified_name` resolves it (relative
    imports made absolute, a project's re-exports of library names followed;
    a relative import the project could not make absolute names nothing
    known); a name several imports bind, any of theirs."""
    parts = dotted_parts(expr)
    if not parts or parts[0] not in facts.imports:
        return False
    project = facts.project
    for name in facts.dotted_names(".".join(parts)):
        if wanted(name) or (project is not None and wanted(project.canonical(name))):
            return True
    return False


# --- classification ---------------------------------------------------------


def _classify(ctx: FileContext, expr: cst.BaseExpression, depth: int) -> SqlaKind | None:
    if depth > _MAX_DEPTH:
        return None
    memo: dict[cst.CSTNode, SqlaKind | None] = ctx.memo.setdefault("sqla.classify", {})
    if expr in memo:
        return memo[expr]
    memo[expr] = None  # breaks cycles such as `x = x`
    result = _classify_uncached(ctx, expr, depth)
    memo[expr] = result
    return result


def _classify_uncached(ctx: FileContext, expr: cst.BaseExpression, depth: int) -> SqlaKind | None:
    if isinstance(expr, cst.Await):
        return _classify(ctx, expr.expression, depth + 1)
    if isinstance(expr, cst.Call):
        return _call_kind(ctx, expr, depth)
    if isinstance(expr, cst.Name):
        imported = qualified_name(ctx, expr)
        if imported is not None:  # a class or function, or a project module's instance
            return _project_instance(ctx, imported)
        return _name_kind(ctx, expr, depth)
    if isinstance(expr, cst.Attribute):
        return _attribute_kind(ctx, expr, depth)
    if isinstance(expr, cst.BooleanOperation):
        left = _classify(ctx, expr.left, depth + 1)
        right = _classify(ctx, expr.right, depth + 1)
        return left if left == right else None
    return None


def _call_kind(ctx: FileContext, call: cst.Call, depth: int) -> SqlaKind | None:
    func = call.func
    name = qualified_name(ctx, func)
    if name is not None:
        if name in _ENGINE_FUNCTIONS:
            return _ENGINE_FUNCTIONS[name]
        kind = _TYPES.get(name)
        if kind is SqlaKind.SESSION_FACTORY:
            return _sessionmaker_kind(ctx, call, depth)
        if kind is not None and kind.is_engine:
            return None  # Engine(...) is not constructed directly
        if name == "builtins.next":
            return _next_kind(ctx, call, depth)
        return kind if kind is not None else _project_call(ctx, name)
    if isinstance(func, cst.Attribute) and func.attr.value == "begin":
        # `with SessionLocal.begin() as session:` (sessionmaker.begin)
        owner = _classify(ctx, func.value, depth + 1)
        return _CALL_RESULT.get(owner) if owner is not None and owner.is_factory else None
    callee = _classify(ctx, func, depth + 1)
    if callee is not None:
        return _CALL_RESULT.get(callee)
    local_class = _class_kind(ctx, func, depth + 1)
    if local_class is not None:
        return local_class
    funcdef = _local_function(ctx, func)
    if funcdef is not None and not _is_generator(ctx, funcdef):
        return _returned_kind(ctx, funcdef, depth + 1)
    return None


def _sessionmaker_kind(ctx: FileContext, call: cst.Call, depth: int) -> SqlaKind | None:
    """`sessionmaker(...)`: async when `class_` (keyword or 2nd positional) is async."""
    class_arg: cst.BaseExpression | None = None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "class_":
            class_arg = arg.value
    if class_arg is None and len(positional) >= 2:
        class_arg = positional[1].value
    if class_arg is None:
        if any(a.star == "**" for a in call.args):
            return None  # class_ may hide in **kwargs
        return SqlaKind.SESSION_FACTORY
    made = _class_kind(ctx, class_arg, depth + 1)
    if made is SqlaKind.SESSION:
        return SqlaKind.SESSION_FACTORY
    if made is SqlaKind.ASYNC_SESSION:
        return SqlaKind.ASYNC_SESSION_FACTORY
    return None


def _name_kind(ctx: FileContext, name: cst.Name, depth: int) -> SqlaKind | None:
    if imports_only(ctx, name):  # an import's binding has no kind here
        return None
    param = ctx.parameter_of(name)
    if param is not None:  # its one binding, known without scope analysis
        return _param_kind(ctx, param, depth + 1)
    assignments = assignments_of(ctx, name)
    if not assignments:
        return None
    found: set[SqlaKind | None] = set()
    for assignment in assignments:
        value = binding_value(ctx, assignment)
        if isinstance(value, cst.Param):
            found.add(_param_kind(ctx, value, depth + 1))
        elif isinstance(value, cst.AnnAssign):
            found.add(_annotation_kind(ctx, value.annotation.annotation, value, depth + 1))
        elif isinstance(value, cst.BaseExpression):
            found.add(_binding_expression_kind(ctx, value, depth + 1))
        else:
            return None
        if len(found) > 1:
            return None
    (single,) = found
    return single


def _binding_expression_kind(
    ctx: FileContext, value: cst.BaseExpression, depth: int
) -> SqlaKind | None:
    """The kind of a binding's value; for `with f() as x`, what the context yields."""
    if isinstance(value, cst.Call):
        item = ctx.parent(value)
        if isinstance(item, cst.WithItem) and item.item is value:
            funcdef = _local_function(ctx, value.func)
            if funcdef is not None and _is_context_manager(ctx, funcdef):
                return _yielded_kind(ctx, funcdef, depth + 1)
            yielded = _project_generator(ctx, value.func)
            if yielded is not None:  # a project `@contextmanager` yielding a session
                return yielded
    return _classify(ctx, value, depth)


def _project_generator(ctx: FileContext, func: cst.BaseExpression) -> SqlaKind | None:
    """What a generator function of another project module yields."""
    name = qualified_name(ctx, func)
    project = ctx.project
    function = project.functions.get(name) if project is not None and name else None
    return _kind(function[0]) if function is not None and function[1] else None


def _next_kind(ctx: FileContext, call: cst.Call, depth: int) -> SqlaKind | None:
    """`next(get_db())`: what the generator `get_db` (of this module or the
    project) yields first."""
    if len(call.args) != 1 or not isinstance(call.args[0].value, cst.Call):
        return None
    inner = call.args[0].value
    funcdef = _local_function(ctx, inner.func)
    if funcdef is not None:
        return _yielded_kind(ctx, funcdef, depth + 1) if _is_generator(ctx, funcdef) else None
    return _project_generator(ctx, inner.func)


def _param_kind(ctx: FileContext, param: cst.Param, depth: int) -> SqlaKind | None:
    if param.annotation is not None:
        kind = _annotation_kind(ctx, param.annotation.annotation, param, depth + 1)
        if kind is not None:
            return kind
    default = param.default
    if isinstance(default, cst.Call) and qualified_name(ctx, default.func) in _DEPENDS:
        return _depends_kind(ctx, default, depth + 1)
    return None


def _attribute_kind(ctx: FileContext, attr: cst.Attribute, depth: int) -> SqlaKind | None:
    imported = qualified_name(ctx, attr)
    if imported is not None:  # `sqlalchemy.orm.Session` itself (a class), or `db.SessionLocal`
        return _project_instance(ctx, imported)
    if attr.attr.value in ("session", "engine"):
        owner = _classify(ctx, attr.value, depth + 1)
        if owner is SqlaKind.FLASK_SQLALCHEMY:
            return SqlaKind.SCOPED_SESSION if attr.attr.value == "session" else SqlaKind.ENGINE
    if isinstance(attr.value, cst.Name):
        return _self_attribute_kind(ctx, attr.value, attr.attr.value, depth + 1)
    if isinstance(attr.value, cst.Attribute) and attr.value.attr.value == "state":
        return _state_kind(ctx, attr.attr.value, depth + 1)
    return None


def _state_kind(ctx: FileContext, attr: str, depth: int) -> SqlaKind | None:
    """`request.state.<attr>`: the kind every `<x>.state.<attr> = value` of the
    module's functions agrees on (a middleware setting `request.state.db =
    SessionLocal()`); None when the module stores none, or several kinds."""
    memo: dict[str, SqlaKind | None] = ctx.memo.setdefault("sqla.state", {})
    if attr not in memo:
        memo[attr] = None
        found: set[SqlaKind | None] = set()
        for stores in _function_facts(ctx).attribute_stores.values():
            for target, value, annotation in stores:
                if (
                    target.attr.value != attr
                    or not isinstance(target.value, cst.Attribute)
                    or target.value.attr.value != "state"
                ):
                    continue
                if annotation is not None:
                    found.add(_annotation_kind(ctx, annotation, target, depth + 1))
                elif value is not None and not _is_none(value):
                    found.add(_classify(ctx, value, depth + 1))
        memo[attr] = found.pop() if len(found) == 1 else None
    return memo[attr]


# --- annotations ------------------------------------------------------------


def _annotation_kind(
    ctx: FileContext, ann: cst.BaseExpression, anchor: cst.CSTNode, depth: int
) -> SqlaKind | None:
    """The kind of a value annotated `ann`. `anchor` is a node of the real tree,
    used to resolve names of a parsed string annotation."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(ann, cst.SimpleString):
        try:
            parsed = cst.parse_expression(ann.evaluated_value)  # type: ignore[arg-type]
        except Exception:
            return None
        return _annotation_kind(ctx, parsed, ann, depth + 1)
    if isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
        sides = [s for s in (ann.left, ann.right) if not _is_none(s)]
        return _annotation_kind(ctx, sides[0], anchor, depth + 1) if len(sides) == 1 else None
    if isinstance(ann, cst.Subscript):
        return _subscript_kind(ctx, ann, anchor, depth)
    kind = _type_name_kind(ctx, ann, anchor, depth)
    if kind is not None:
        return kind
    # A type alias of this module: `SessionDep = Annotated[Session, Depends(get_session)]`.
    if isinstance(ann, cst.Name) and ann in ctx.parents:
        for value in _single_binding_values(ctx, ann):
            if isinstance(value, cst.Subscript | cst.BinaryOperation | cst.SimpleString):
                return _annotation_kind(ctx, value, value, depth + 1)
    return None


def _subscript_kind(
    ctx: FileContext, ann: cst.Subscript, anchor: cst.CSTNode, depth: int
) -> SqlaKind | None:
    wrapper = _type_name(ctx, ann.value, anchor)
    elements = [e.slice.value for e in ann.slice if isinstance(e.slice, cst.Index)]
    if not elements:
        return None
    if wrapper in _OPTIONAL and len(elements) == 1:
        return _annotation_kind(ctx, elements[0], anchor, depth + 1)
    if wrapper in _UNION:
        rest = [e for e in elements if not _is_none(e)]
        return _annotation_kind(ctx, rest[0], anchor, depth + 1) if len(rest) == 1 else None
    if wrapper in _ANNOTATED:
        inner = _annotation_kind(ctx, elements[0], anchor, depth + 1)
        if inner is not None:
            return inner
        for extra in elements[1:]:
            if (
                isinstance(extra, cst.Call)
                and extra in ctx.parents
                and qualified_name(ctx, extra.func) in _DEPENDS
            ):
                return _depends_kind(ctx, extra, depth + 1)
        return None
    # `sessionmaker[Session]`, `async_sessionmaker[AsyncSession]`, `scoped_session[Session]`
    generic = _type_name_kind(ctx, ann.value, anchor, depth)
    if generic is SqlaKind.SESSION_FACTORY:
        made = _annotation_kind(ctx, elements[0], anchor, depth + 1)
        return SqlaKind.ASYNC_SESSION_FACTORY if made is SqlaKind.ASYNC_SESSION else generic
    return generic


def _type_name_kind(
    ctx: FileContext, node: cst.BaseExpression, anchor: cst.CSTNode, depth: int
) -> SqlaKind | None:
    name = _type_name(ctx, node, anchor)
    if name is not None:
        return _TYPES.get(name) or _project_class(ctx, name) or _factory_product(ctx, name)
    if node in ctx.parents:
        kind = _class_kind(ctx, node, depth + 1)
        if kind is None:  # `db: SessionLocal`, a factory of this module: what it makes
            made = _classify(ctx, node, depth + 1)
            kind = _CALL_RESULT.get(made) if made is not None and made.is_factory else None
        return kind
    return None


def _type_name(ctx: FileContext, node: cst.BaseExpression, anchor: cst.CSTNode) -> str | None:
    """The imported dotted name `node` refers to; a node of a parsed string
    annotation is resolved in the scope of `anchor`."""
    if node in ctx.parents:
        return qualified_name(ctx, node)
    path = dotted(node)
    scope = ctx.scopes.get(anchor)
    if not path or scope is None:
        return None
    names = scope.get_qualified_names_for(path)
    if len(names) != 1:
        return None
    (found,) = names
    return found.name if found.source is QualifiedNameSource.IMPORT else None


# --- classes ------------------------------------------------------------------


def _class_kind(ctx: FileContext, expr: cst.BaseExpression, depth: int) -> SqlaKind | None:
    """Instances of the class `expr`: an imported SQLAlchemy class, or a class of
    this module with such a base (`class TenantSession(Session): ...`)."""
    if depth > _MAX_DEPTH:
        return None
    name = qualified_name(ctx, expr)
    if name is not None:
        return _TYPES.get(name) or _project_class(ctx, name)
    classdef = _local_class(ctx, expr)
    if classdef is None:
        return None
    kinds = {_class_kind(ctx, base.value, depth + 1) for base in classdef.bases}
    kinds.discard(None)
    return kinds.pop() if len(kinds) == 1 else None


def _local_class(ctx: FileContext, expr: cst.BaseExpression) -> cst.ClassDef | None:
    if not isinstance(expr, cst.Name) or expr not in ctx.parents:
        return None
    values = _single_binding_values(ctx, expr)
    return values[0] if len(values) == 1 and isinstance(values[0], cst.ClassDef) else None


def _derives_flask_model(ctx: FileContext, classdef: cst.ClassDef, depth: int) -> bool:
    if depth > _MAX_DEPTH:
        return False
    for base in classdef.bases:
        value = base.value
        if qualified_name(ctx, value) in ("flask_sqlalchemy.model.Model",):
            return True
        if (
            isinstance(value, cst.Attribute)
            and value.attr.value == "Model"
            and _classify(ctx, value.value, depth + 1) is SqlaKind.FLASK_SQLALCHEMY
        ):
            return True
        parent = _local_class(ctx, value)
        if parent is not None and _derives_flask_model(ctx, parent, depth + 1):
            return True
    return False


def _self_attribute_kind(
    ctx: FileContext, receiver: cst.Name, attr: str, depth: int
) -> SqlaKind | None:
    """`self.<attr>` inside a method: the class's annotation of `attr`, else the
    kind every `self.<attr> = ...` in the class's methods agrees on."""
    classdef = _method_class(ctx, receiver)
    if classdef is None:
        return None
    memo: dict[tuple[cst.ClassDef, str], SqlaKind | None] = ctx.memo.setdefault(
        "sqla.self_attr", {}
    )
    key = (classdef, attr)
    if key not in memo:
        memo[key] = None
        memo[key] = _class_attribute_kind(ctx, classdef, attr, depth)
    return memo[key]


def _method_class(ctx: FileContext, receiver: cst.Name) -> cst.ClassDef | None:
    """The class whose method has `receiver` as its first (self/cls) parameter."""
    if ctx.binding_scope(receiver) is ctx.module:
        return None  # a module-level name or a builtin: no parameter
    values = _single_binding_values(ctx, receiver)
    if len(values) != 1 or not isinstance(values[0], cst.Param):
        return None
    param = values[0]
    params = ctx.parent(param)
    func = ctx.parent(params) if isinstance(params, cst.Parameters) else None
    if not isinstance(func, cst.FunctionDef) or not func.params.params:
        return None
    if func.params.params[0] is not param:
        return None
    if any(dotted(d.decorator) == "staticmethod" for d in func.decorators):
        return None
    scope = enclosing_scope(ctx, func)
    return scope if isinstance(scope, cst.ClassDef) else None


def _class_attribute_kind(
    ctx: FileContext, classdef: cst.ClassDef, attr: str, depth: int
) -> SqlaKind | None:
    found: set[SqlaKind | None] = set()
    for stmt in classdef.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if (
                    isinstance(small, cst.AnnAssign)
                    and isinstance(small.target, cst.Name)
                    and small.target.value == attr
                ):
                    return _annotation_kind(ctx, small.annotation.annotation, small, depth + 1)
        elif isinstance(stmt, cst.FunctionDef):
            for target, value, annotation in _self_assignments(ctx, stmt, attr):
                if annotation is not None:
                    found.add(_annotation_kind(ctx, annotation, target, depth + 1))
                elif value is not None and not _is_none(value):
                    found.add(_classify(ctx, value, depth + 1))
    if len(found) != 1:
        return None
    return found.pop()


def _self_assignments(
    ctx: FileContext, func: cst.FunctionDef, attr: str
) -> list[tuple[cst.Attribute, cst.BaseExpression | None, cst.BaseExpression | None]]:
    """`self.<attr> = value` / `self.<attr>: T = value` in a method (not nested defs)."""
    if not func.params.params:
        return []
    self_name = func.params.params[0].name.value
    return [
        found
        for found in _function_facts(ctx).attribute_stores.get(func, [])
        if _is_self_attr(found[0], self_name, attr)
    ]


def _is_self_attr(node: cst.BaseExpression, self_name: str, attr: str) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == self_name
        and node.attr.value == attr
    )


# --- functions of this module -------------------------------------------------


def _depends_kind(ctx: FileContext, call: cst.Call, depth: int) -> SqlaKind | None:
    if not call.args or call.args[0].keyword not in (None,):
        return None
    target = call.args[0].value
    imported = qualified_name(ctx, target)
    if imported is not None and ctx.project is not None:
        function = ctx.project.functions.get(imported)  # `Depends(get_db)` from `app.deps`
        if function is not None:
            return _kind(function[0])
    funcdef = _local_function(ctx, target)
    if funcdef is not None:
        if _is_generator(ctx, funcdef):
            return _yielded_kind(ctx, funcdef, depth + 1)
        return _returned_kind(ctx, funcdef, depth + 1)
    kind = _classify(ctx, target, depth + 1)  # `Depends(SessionLocal)`
    return _CALL_RESULT.get(kind) if kind is not None else None


def _local_function(ctx: FileContext, expr: cst.BaseExpression) -> cst.FunctionDef | None:
    if not isinstance(expr, cst.Name) or expr not in ctx.parents:
        return None
    if qualified_name(ctx, expr) is not None:
        return None
    values = _single_binding_values(ctx, expr)
    return values[0] if len(values) == 1 and isinstance(values[0], cst.FunctionDef) else None


def _returned_kind(ctx: FileContext, func: cst.FunctionDef, depth: int) -> SqlaKind | None:
    if func.returns is not None:
        return _annotation_kind(ctx, func.returns.annotation, func, depth + 1)
    return _agreed(ctx, _function_facts(ctx).returns.get(func, []), depth)


def _yielded_kind(ctx: FileContext, func: cst.FunctionDef, depth: int) -> SqlaKind | None:
    """What a generator (or a context manager built from one) yields."""
    returns = func.returns.annotation if func.returns is not None else None
    if isinstance(returns, cst.Subscript) and qualified_name(ctx, returns.value) in _ITERATORS:
        first = returns.slice[0].slice if returns.slice else None
        if isinstance(first, cst.Index):
            return _annotation_kind(ctx, first.value, func, depth + 1)
        return None
    return _agreed(ctx, _function_facts(ctx).yields.get(func, []), depth)


def _agreed(ctx: FileContext, values: list[cst.BaseExpression], depth: int) -> SqlaKind | None:
    kinds = {_classify(ctx, v, depth + 1) for v in values if not _is_none(v)}
    return kinds.pop() if len(kinds) == 1 else None


def _is_generator(ctx: FileContext, func: cst.FunctionDef) -> bool:
    return func in _function_facts(ctx).generators


def _is_context_manager(ctx: FileContext, func: cst.FunctionDef) -> bool:
    return any(qualified_name(ctx, d.decorator) in _CONTEXT_MANAGERS for d in func.decorators)


@dataclass
class _FunctionFacts:
    """Per-file facts about every function, gathered in one pass over the nodes."""

    returns: dict[cst.FunctionDef, list[cst.BaseExpression]] = field(default_factory=dict)
    yields: dict[cst.FunctionDef, list[cst.BaseExpression]] = field(default_factory=dict)
    generators: set[cst.FunctionDef] = field(default_factory=set)
    #: `x.attr = value` / `x.attr: T = value` by function: (target, value, annotation).
    attribute_stores: dict[
        cst.FunctionDef,
        list[tuple[cst.Attribute, cst.BaseExpression | None, cst.BaseExpression | None]],
    ] = field(default_factory=dict)


#: The nodes `_function_facts` records (concrete LibCST classes: no subclasses).
_FACT_NODES = frozenset({cst.Return, cst.Yield, cst.Assign, cst.AnnAssign})


def _function_facts(ctx: FileContext) -> _FunctionFacts:
    facts: _FunctionFacts | None = ctx.memo.get("sqla.function_facts")
    if facts is not None:
        return facts
    facts = _FunctionFacts()
    for node in list(ctx.parents.non_formatting()):
        if type(node) not in _FACT_NODES:  # a set: isinstance costs on every node
            continue
        func = enclosing_scope(ctx, node)
        if not isinstance(func, cst.FunctionDef):
            continue
        if isinstance(node, cst.Return):
            if node.value is not None:
                facts.returns.setdefault(func, []).append(node.value)
        elif isinstance(node, cst.Yield):
            facts.generators.add(func)
            if isinstance(node.value, cst.BaseExpression):
                facts.yields.setdefault(func, []).append(node.value)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Attribute):
                    store = (target.target, node.value, None)
                    facts.attribute_stores.setdefault(func, []).append(store)
        elif isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Attribute):
            store = (node.target, node.value, node.annotation.annotation)
            facts.attribute_stores.setdefault(func, []).append(store)
    ctx.memo["sqla.function_facts"] = facts
    return facts


# --- the project's other modules ----------------------------------------------


def _kind(value: str | None) -> SqlaKind | None:
    try:
        return SqlaKind(value) if value is not None else None
    except ValueError:
        return None  # an app, not a SQLAlchemy object


def _project_instance(ctx: FileContext, name: str) -> SqlaKind | None:
    """`SessionLocal` imported from the project's `app.db`: what it holds."""
    project = ctx.project
    return _kind(project.instances.get(name)) if project is not None else None


def _project_class(ctx: FileContext, name: str) -> SqlaKind | None:
    """A project class deriving from a SQLAlchemy one: the kind of its instances."""
    project = ctx.project
    return _kind(project.classes.get(name)) if project is not None else None


def _factory_product(ctx: FileContext, name: str) -> SqlaKind | None:
    """`db: SessionLocal` with a project factory: the session it makes."""
    made = _project_instance(ctx, name)
    return _CALL_RESULT.get(made) if made is not None and made.is_factory else None


def _project_call(ctx: FileContext, name: str) -> SqlaKind | None:
    """A call of a project name: a factory's product, a subclass's instance, or
    what a plain function returns (`SessionLocal()`, `SessionLocal.begin()`,
    `TenantSession(engine)`, `get_engine()`)."""
    project = ctx.project
    if project is None:
        return None
    owner, _, method = name.rpartition(".")
    if method == "begin":
        made = _project_instance(ctx, owner)
        if made is not None and made.is_factory:
            return _CALL_RESULT[made]
    made = _project_instance(ctx, name)
    if made is not None:
        return _CALL_RESULT.get(made)
    function = project.functions.get(name)
    if function is not None and not function[1]:
        return _kind(function[0])
    return _project_class(ctx, name)


# --- small helpers ------------------------------------------------------------


def _single_binding_values(ctx: FileContext, name: cst.Name) -> list[cst.CSTNode]:
    """The value nodes of every binding `name` may refer to ([] when unknown;
    also when they can only be imports, which every caller passes over)."""
    if imports_only(ctx, name):
        return []
    param = ctx.parameter_of(name)
    if param is not None:
        return [param]
    assignments = assignments_of(ctx, name)
    if not assignments:
        return []
    values: list[cst.CSTNode] = []
    for assignment in assignments:
        value = binding_value(ctx, assignment)
        if value is None:
            return []
        values.append(value)
    return values


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"

"""What a name was bound to, and where an expression's value comes from.

`origin(ctx, expr)` describes a value by how it was made, as a dotted string:
an imported name resolves to its qualified name (`sqlalchemy.orm.Session`), a
call appends `()` (`sqlalchemy.orm.Session()` is an instance), an attribute
appends `.attr`. Local names are followed to their single binding (assignment,
`with ... as`, annotated parameter), so

    SessionLocal = sessionmaker(bind=engine)
    db = SessionLocal()

gives `db` the origin `sqlalchemy.orm.sessionmaker()()`. Anything ambiguous
(two different bindings, a loop target, an unknown call) has no origin.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import Assignment, BaseAssignment

from aiolint.semantic.context import FileContext
from aiolint.semantic.names import qualified_name

_MAX_DEPTH = 8
#: Prefix of the origin of a function or class defined in this module.
LOCAL = "<local>."
_OPTIONAL_WRAPPERS = frozenset({"typing.Optional", "typing_extensions.Optional"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})


def assignments_of(ctx: FileContext, name: cst.Name) -> set[BaseAssignment] | None:
    """The bindings a loaded name may refer to (None when scope analysis has none)."""
    scope = ctx.scopes.get(name)
    if scope is None:
        return None
    referents: set[BaseAssignment] = set()
    for access in scope.accesses[name]:
        referents |= set(access.referents)
    if not referents:
        referents = set(scope[name.value]) if name.value in scope else set()
    return referents or None


def imports_only(ctx: FileContext, name: cst.Name) -> bool:
    """Whether the bindings of `name` can only be module-level imports or a
    builtin (`FileContext.binds_beyond_imports`): none of them has a value
    `binding_value` gives but the import statement, and asking `assignments_of`
    (scope analysis of the whole file) would tell nothing more."""
    return not ctx.binds_beyond_imports(name.value)


def binding_value(ctx: FileContext, assignment: BaseAssignment) -> cst.CSTNode | None:
    """The node that gives a binding its value.

    `x = <value>` / `x: T = <value>` -> the value expression (an annotation-only
    binding gives the AnnAssign); `with <item> as x` -> the item's call;
    `def f(x: T = d)` -> the Param; imports, defs and classes -> their statement.
    """
    if not isinstance(assignment, Assignment):
        return None
    node = assignment.node
    if not isinstance(node, cst.Name):
        return node  # Param, Import, ImportFrom, FunctionDef, ClassDef
    parent = ctx.parent(node)
    if isinstance(parent, cst.AssignTarget):
        assign = ctx.parent(parent)
        return assign.value if isinstance(assign, cst.Assign) else None
    if isinstance(parent, cst.AnnAssign) and parent.target is node:
        return parent.value if parent.value is not None else parent
    if isinstance(parent, cst.AsName):
        item = ctx.parent(parent)
        if isinstance(item, cst.WithItem):
            return item.item
        return None
    if isinstance(parent, cst.NamedExpr) and parent.target is node:
        return parent.value
    if isinstance(parent, cst.Global | cst.Nonlocal):
        return None
    return None


def single_binding_value(ctx: FileContext, name: cst.Name) -> cst.CSTNode | None:
    """The value node (`binding_value`) of the one binding a loaded name may
    refer to; None when it has none, or several."""
    bindings = assignments_of(ctx, name)
    if not bindings or len(bindings) != 1:
        return None
    (binding,) = bindings
    return binding_value(ctx, binding)


def origin(ctx: FileContext, expr: cst.BaseExpression | None, depth: int = 0) -> str | None:
    """How the value of `expr` was made, as a dotted descriptor (see module doc)."""
    if expr is None or depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Await):
        return origin(ctx, expr.expression, depth + 1)
    if isinstance(expr, cst.Call):
        base = origin(ctx, expr.func, depth + 1)
        return f"{base}()" if base else None
    if isinstance(expr, cst.Attribute):
        resolved = qualified_name(ctx, expr)
        if resolved:
            return _project_origin(ctx, resolved)
        base = origin(ctx, expr.value, depth + 1)
        return f"{base}.{expr.attr.value}" if base else None
    if isinstance(expr, cst.Name):
        resolved = qualified_name(ctx, expr)
        if resolved:
            return _project_origin(ctx, resolved)
        return _name_origin(ctx, expr, depth)
    return None


def _project_origin(ctx: FileContext, name: str) -> str:
    """An imported name; an instance a project module made is described by its
    library class (`router` from `app.api` -> `fastapi.APIRouter()`)."""
    project = ctx.project
    made = project.instance_class(name) if project is not None else None
    return f"{made}()" if made is not None else name


def _name_origin(ctx: FileContext, name: cst.Name, depth: int) -> str | None:
    if imports_only(ctx, name):  # an import's binding gives no origin here
        return None
    param = ctx.parameter_of(name)
    if param is not None:  # its one binding, known without scope analysis
        return param_origin(ctx, param, depth + 1)
    assignments = assignments_of(ctx, name)
    if not assignments:
        return None
    found: set[str | None] = set()
    for assignment in assignments:
        value = binding_value(ctx, assignment)
        if isinstance(value, cst.Param):
            found.add(param_origin(ctx, value, depth + 1))
        elif isinstance(value, cst.AnnAssign):
            found.add(annotation_origin(ctx, value.annotation.annotation, depth + 1))
        elif isinstance(value, cst.FunctionDef | cst.ClassDef):
            found.add(f"{LOCAL}{value.name.value}")
        elif isinstance(value, cst.BaseExpression):
            found.add(origin(ctx, value, depth + 1))
        else:
            return None
        if len(found) > 1:
            return None
    (single,) = found
    return single


def param_origin(ctx: FileContext, param: cst.Param, depth: int = 0) -> str | None:
    """An annotated parameter is an instance of its annotation; `= Depends(f)` is
    described as `<depends>.f` when there is no usable annotation."""
    if param.annotation is not None:
        annotated = annotation_origin(ctx, param.annotation.annotation, depth + 1)
        if annotated:
            return annotated
    default = param.default
    if isinstance(default, cst.Call) and _is_depends(ctx, default) and default.args:
        target = default.args[0].value
        if isinstance(target, cst.Name):
            return f"<depends>.{target.value}"
    return None


def annotation_origin(ctx: FileContext, ann: cst.BaseExpression, depth: int = 0) -> str | None:
    """`Session`, `Optional[Session]`, `Session | None`, `Annotated[Session, ...]`
    -> "sqlalchemy.orm.Session()" (an instance of the class)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(ann, cst.SimpleString | cst.ConcatenatedString):
        return None
    if isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
        sides = [s for s in (ann.left, ann.right) if not _is_none(s)]
        return annotation_origin(ctx, sides[0], depth + 1) if len(sides) == 1 else None
    if isinstance(ann, cst.Subscript):
        wrapper = qualified_name(ctx, ann.value)
        elements = [e.slice for e in ann.slice if isinstance(e.slice, cst.Index)]
        if wrapper in _OPTIONAL_WRAPPERS and len(elements) == 1:
            return annotation_origin(ctx, elements[0].value, depth + 1)
        if wrapper in _ANNOTATED and elements:
            inner = annotation_origin(ctx, elements[0].value, depth + 1)
            if inner:
                return inner
            for extra in elements[1:]:
                dep = extra.value
                if isinstance(dep, cst.Call) and _is_depends(ctx, dep) and dep.args:
                    target = dep.args[0].value
                    if isinstance(target, cst.Name):
                        return f"<depends>.{target.value}"
        return None
    base = origin(ctx, ann, depth + 1)
    return f"{base}()" if base else None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_depends(ctx: FileContext, call: cst.Call) -> bool:
    return qualified_name(ctx, call.func) in {"fastapi.Depends", "fastapi.params.Depends"}

"""What one async function loads through an AsyncSession, and which of its
attribute reads would make SQLAlchemy load implicitly (AIO309).

`implicit_loads(ctx, func)` walks the body of one `async def` in source order
(nested functions, lambdas and classes aside; branches and loop bodies in
order, once) and follows the objects it loads through an AsyncSession:

- `await s.get(M, pk[, options=[...]])`, `await s.scalar(stmt)`,
  `(await s.scalars(stmt)).all()/first()/one()/one_or_none()`,
  `(await s.execute(stmt)).scalars()...`, `.scalar_one()...`, through local
  names (`result = await s.execute(stmt)`), and iteration over those;
- `stmt` is `select(M)` (a mapped class of the project) with `.where(...)`
  and the like, inline or bound to a local name; its `.options(...)` give the
  relationship paths the statement loads (`selectinload(M.a)`,
  `joinedload(M.a).selectinload(A.b)`, `.options(...)` of an option); an
  option that cannot be read (`*opts`, a wildcard, a variable) makes the
  loader unknown, and the object is not followed;
- `await s.refresh(obj, ["a"])` and `await obj.awaitable_attrs.a` load `a`;
- `s.add(obj)` of an object the function made (`obj = M(...)`) makes it an
  object of the session (for the commit case only: a new object's
  relationships do not load);
- `await s.commit()` expires every object of `s` when `s` comes from a factory
  (or constructor) that expires on commit; `await s.refresh(obj)` reloads it.

A read is reported when it is a relationship whose strategy loads lazily
(`select`, `raise`, `raise_on_sql`) and the object's load did not include it,
or any mapped attribute of an expired object. Unknown strategies, unknown
loaders, sync sessions and objects the function did not load are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import libcst as cst

from aiolint.project.orm import LAZY, OrmModel, link_orm, scan_orm
from aiolint.semantic.context import FileContext
from aiolint.semantic.names import qualified_name
from aiolint.semantic.orm_options import Paths, loaded_paths
from aiolint.semantic.sqlalchemy import SqlaKind, session_kind

__all__ = ["Finding", "implicit_loads", "orm_model"]

#: The module name a lone file's mapped classes are linked under.
LONE_MODULE = "__aiolint_file__"
_SELECTS = frozenset(
    {
        "sqlalchemy.select",
        "sqlalchemy.sql.select",
        "sqlalchemy.sql.expression.select",
        "sqlalchemy.future.select",
        "sqlmodel.select",
        "sqlmodel.sql.expression.select",
    }
)
_SESSION_CLASSES = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
#: Statement methods that keep the selected entity.
_KEEPS = frozenset(
    {
        "where",
        "filter",
        "filter_by",
        "order_by",
        "limit",
        "offset",
        "join",
        "outerjoin",
        "join_from",
        "outerjoin_from",
        "distinct",
        "group_by",
        "having",
        "execution_options",
        "with_for_update",
        "params",
        "select_from",
        "slice",
        "fetch",
    }
)
_ONE = frozenset({"first", "one", "one_or_none"})
_SCALAR_ONE = frozenset({"scalar_one", "scalar_one_or_none", "scalar"})


@dataclass(frozen=True, slots=True)
class Statement:
    """A `select(M)` statement: its class, the paths its options load (None:
    unknown), and its line."""

    cls: str
    paths: Paths | None
    line: int
    via_get: bool = False


@dataclass(slots=True)
class Obj:
    """An object (or, `many`, a collection of them) of a session."""

    cls: str
    session: str
    statement: Statement | None  # None: made by the function (`M(...)`) and added
    paths: Paths = frozenset()
    many: bool = False
    expired: tuple[int, str] | None = None  # (line, session text) of the commit
    fresh: set[str] = field(default_factory=set)  # loaded since (refresh, awaitable_attrs)
    prefix: tuple[str, ...] = ()  # the relationship path from the loaded object


@dataclass(frozen=True, slots=True)
class Result:
    """An `execute`/`scalars` result of a statement (`scalars`: of its objects)."""

    statement: Statement
    session: str
    scalars: bool


@dataclass(frozen=True, slots=True)
class Finding:
    node: cst.Attribute
    message: str
    #: (module, line, column, what) of the relationship's declaration, if any.
    declaration: tuple[str, int, int, str] | None


def orm_model(ctx: FileContext) -> tuple[OrmModel, str]:
    """The project's mapped classes and this file's module name among them
    (a lone file: its own classes, under `LONE_MODULE`)."""
    cached = ctx.memo.get("orm_model")
    if cached is None:
        project = ctx.project
        module = ctx.module_name[0] if project is not None else None
        if project is not None and module is not None:
            cached = (project.orm, module)
        else:
            cached = (_lone_model(ctx.source), LONE_MODULE)
        ctx.memo["orm_model"] = cached
    return cached  # type: ignore[no-any-return]


def _lone_model(source: str) -> OrmModel:
    import ast

    from aiolint.project.expr import record_import
    from aiolint.project.scan import _module_statements

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return OrmModel()
    statements = _module_statements(tree.body)
    imports: dict[str, str] = {}
    for stmt in statements:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            record_import(imports, stmt, "")

    def resolve(module: str, name: str) -> str:
        head, _, rest = name.partition(".")
        base = imports.get(head, f"{module}.{head}")
        return f"{base}.{rest}" if rest else base

    record = scan_orm(tree, statements, imports)
    return link_orm({LONE_MODULE: record}, resolve, lambda name: name)


def implicit_loads(ctx: FileContext, func: cst.FunctionDef) -> list[Finding]:
    """The implicit loads `func` (an `async def`) makes (see the module doc)."""
    model, module = orm_model(ctx)
    if not model.classes:
        return []
    walker = _Walker(ctx, model, module)
    walker.block(func.body)
    return walker.findings


class _Walker:
    def __init__(self, ctx: FileContext, model: OrmModel, module: str) -> None:
        self.ctx = ctx
        self.model = model
        self.module = module
        self.env: dict[str, Obj | Result | Statement] = {}
        self.findings: list[Finding] = []
        self.sessions: dict[str, bool] = {}  # session text -> expires on commit
        self.reported: set[int] = set()

    # --- statements ---------------------------------------------------------

    def block(self, body: cst.BaseSuite) -> None:
        if isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self.small(small)
            return
        for stmt in body.body:  # type: ignore[union-attr]
            self.statement(stmt)

    def statement(self, stmt: cst.BaseStatement) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small)
        elif isinstance(stmt, cst.If):
            self.reads(stmt.test)
            orelse = stmt.orelse
            if isinstance(orelse, cst.If):
                self.paths([stmt.body, orelse], falls_through=False)
            else:
                bodies = [stmt.body] if orelse is None else [stmt.body, orelse.body]
                self.paths(bodies, falls_through=orelse is None)
        elif isinstance(stmt, cst.For):
            self.reads(stmt.iter)
            element = self.element(stmt.iter)
            target = stmt.target

            def loop() -> None:
                self.bind_target(target, element)
                self.block(stmt.body)

            self.paths([loop], falls_through=True)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body)
        elif isinstance(stmt, cst.While):
            self.reads(stmt.test)
            self.paths([stmt.body], falls_through=True)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                self.reads(item.item)
                if item.asname is not None:
                    self.forget(item.asname.name)
                    if isinstance(item.asname.name, cst.Name):
                        self.session_from(item.asname.name.value, item.item)
            self.block(stmt.body)
        elif isinstance(stmt, cst.Try | cst.TryStar):
            self.block(stmt.body)
            self.paths([handler.body for handler in stmt.handlers], falls_through=True)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body)
            if stmt.finalbody is not None:
                self.block(stmt.finalbody.body)
        elif isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            self.forget(stmt.name)

    def paths(
        self,
        bodies: list[cst.BaseSuite | cst.If | Callable[[], None]],
        *,
        falls_through: bool,
    ) -> None:
        """Run each of `bodies` from the same bindings (a branch, a loop body,
        a handler); after them, a name keeps its value only where every path
        (and, `falls_through`, skipping them all) leaves the same one: a
        statement with options in one branch and without in the other is
        not known."""
        before = dict(self.env)
        ends = [before] if falls_through else []
        for body in bodies:
            self.env = dict(before)
            if isinstance(body, cst.If):
                self.statement(body)
            elif isinstance(body, cst.BaseSuite):
                self.block(body)
            else:
                body()
            ends.append(self.env)
        first, rest = ends[0], ends[1:]
        self.env = {k: v for k, v in first.items() if all(_same(e.get(k), v) for e in rest)}

    def small(self, stmt: cst.BaseSmallStatement) -> None:
        if isinstance(stmt, cst.Assign):
            self.reads(stmt.value)
            for target in stmt.targets:
                self.reads_in_target(target.target)
            self.effect(stmt.value)
            value = self.evaluate(stmt.value)
            for target in stmt.targets:
                self.bind_target(target.target, value)
            if len(stmt.targets) == 1 and isinstance(stmt.targets[0].target, cst.Name):
                self.new_object(stmt.targets[0].target.value, stmt.value)
        elif isinstance(stmt, cst.AnnAssign):
            if stmt.value is not None:
                self.reads(stmt.value)
                self.bind_target(stmt.target, self.evaluate(stmt.value))
                if isinstance(stmt.target, cst.Name):
                    self.new_object(stmt.target.value, stmt.value)
        elif isinstance(stmt, cst.AugAssign):
            self.reads(stmt.value)
            self.reads(stmt.target)  # `obj.count += 1` reads it
        elif isinstance(stmt, cst.Expr):
            self.reads(stmt.value)
            self.effect(stmt.value)
        elif isinstance(stmt, cst.Return):
            if stmt.value is not None:
                self.reads(stmt.value)
        elif isinstance(stmt, cst.Del):
            pass
        else:
            self.reads(stmt)

    # --- effects ------------------------------------------------------------

    def effect(self, expr: cst.BaseExpression) -> None:
        awaited = isinstance(expr, cst.Await)
        call = expr.expression if isinstance(expr, cst.Await) else expr
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            if isinstance(call, cst.Attribute):
                self.awaitable_attr(call, awaited)
            return
        method = call.func.attr.value
        receiver = call.func.value
        session = self.async_session(receiver)
        if session is None:
            return
        if method == "commit" and awaited:
            if self.expires(session, receiver):
                line = self.line(expr)
                for value in self.env.values():
                    if isinstance(value, Obj) and value.session == session:
                        value.expired = (line, session)
                        value.fresh = set()
        elif method == "refresh" and awaited and call.args:
            target = call.args[0].value
            obj = self.env.get(target.value) if isinstance(target, cst.Name) else None
            if not isinstance(obj, Obj):
                return
            names = self.attribute_names(call)
            if names is None:
                obj.expired = None
            else:
                obj.fresh.update(names)
                obj.paths = obj.paths | {(name,) for name in names}
        elif method in ("add", "add_all") and call.args:
            arg = call.args[0].value
            items = (
                [e.value for e in arg.elements] if isinstance(arg, cst.List | cst.Tuple) else [arg]
            )
            if method == "add":
                items = [arg]
            for item in items:
                if isinstance(item, cst.Name):
                    pending = self.env.get(f"new:{item.value}")
                    if isinstance(pending, Obj):
                        self.env[item.value] = replace(pending, session=session)

    def awaitable_attr(self, node: cst.Attribute, awaited: bool) -> None:
        """`await obj.awaitable_attrs.rel` loads `rel`."""
        inner = node.value
        if (
            awaited
            and isinstance(inner, cst.Attribute)
            and inner.attr.value == "awaitable_attrs"
            and isinstance(inner.value, cst.Name)
        ):
            obj = self.env.get(inner.value.value)
            if isinstance(obj, Obj):
                obj.fresh.add(node.attr.value)
                obj.paths = obj.paths | {(node.attr.value,)}

    def attribute_names(self, call: cst.Call) -> list[str] | None:
        """The literal attribute names of `refresh(obj, [...])` (None: all)."""
        arg = next((a for a in call.args[1:] if a.keyword is None), None)
        if arg is None:
            arg = next(
                (a for a in call.args if a.keyword and a.keyword.value == "attribute_names"), None
            )
        if arg is None or (isinstance(arg.value, cst.Name) and arg.value.value == "None"):
            return None
        value = arg.value
        if not isinstance(value, cst.List | cst.Tuple | cst.Set):
            return []  # not readable: it may name anything; nothing is known loaded
        names = []
        for element in value.elements:
            if isinstance(element.value, cst.SimpleString):
                names.append(element.value.evaluated_value)
        return [n for n in names if isinstance(n, str)]

    def new_object(self, name: str, value: cst.BaseExpression) -> None:
        """`obj = M(...)`: a new object, of a session once added."""
        self.env.pop(f"new:{name}", None)
        if isinstance(value, cst.Call):
            cls = self.mapped_class(value.func)
            if cls is not None:
                self.env[f"new:{name}"] = Obj(cls, "", None)

    # --- bindings -----------------------------------------------------------

    def forget(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.env.pop(target.value, None)
            self.env.pop(f"new:{target.value}", None)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self.forget(element.value)
        elif isinstance(target, cst.StarredElement):
            self.forget(target.value)

    def bind_target(
        self, target: cst.BaseExpression, value: Obj | Result | Statement | None
    ) -> None:
        self.forget(target)
        if isinstance(target, cst.Name) and value is not None:
            self.env[target.value] = value

    def reads_in_target(self, target: cst.BaseExpression) -> None:
        """`obj.a.b = x` reads `obj.a`; `obj.a = x` reads nothing."""
        if isinstance(target, cst.Attribute):
            self.reads(target.value)
        elif isinstance(target, cst.Subscript):
            self.reads(target)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self.reads_in_target(element.value)

    def session_from(self, name: str, made: cst.BaseExpression) -> None:
        """`async with F() as s` / `async with F.begin() as s` / `async with
        AsyncSession(engine) as s`: whether `s` expires on commit (False when
        its factory is not known)."""
        self.sessions[name] = False
        if not isinstance(made, cst.Call):
            return
        func = made.func
        if isinstance(func, cst.Attribute) and func.attr.value == "begin":
            func = func.value
        if qualified_name(self.ctx, func) in _SESSION_CLASSES:
            self.sessions[name] = _expires(made)
            return
        full = self.full_name(func)
        self.sessions[name] = (self.model.factory(full) if full else None) == "1"

    # --- values -------------------------------------------------------------

    def evaluate(self, expr: cst.BaseExpression) -> Obj | Result | Statement | None:
        """What `expr` is: a statement, a result, an object (or a list of them)."""
        awaited = isinstance(expr, cst.Await)
        node = expr.expression if awaited else expr
        if isinstance(node, cst.Name):
            return self.env.get(node.value) if not awaited else None
        if isinstance(node, cst.Attribute):
            return self.related(node) if not awaited else None
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        if not isinstance(func, cst.Attribute):
            return self.statement_of(node) if not awaited else None
        method = func.attr.value
        if awaited:
            session = self.async_session(func.value)
            if session is None:
                return None
            if method in ("get", "get_one"):
                return self.get(node, session)
            statement = self.statement_arg(node)
            if statement is None:
                return None
            if method in ("scalars", "exec"):
                return Result(statement, session, True)
            if method == "execute":
                return Result(statement, session, False)
            if method == "scalar":
                return self.obj(statement, session, many=False)
            return None
        if method == "options" or method in _KEEPS:
            return self.statement_of(node)
        base = self.evaluate(func.value)
        if isinstance(base, Result):
            if method == "unique":
                return base
            if method == "scalars" and not base.scalars and not node.args:
                return Result(base.statement, base.session, True)
            if base.scalars and method == "all":
                return self.obj(base.statement, base.session, many=True)
            if base.scalars and method in _ONE:
                return self.obj(base.statement, base.session, many=False)
            if not base.scalars and method in _SCALAR_ONE:
                return self.obj(base.statement, base.session, many=False)
        return None

    def obj(self, statement: Statement, session: str, *, many: bool) -> Obj | None:
        if statement.paths is None:
            return None
        return Obj(statement.cls, session, statement, statement.paths, many)

    def element(self, iterable: cst.BaseExpression) -> Obj | None:
        """What iterating `iterable` gives: an object of a loaded collection."""
        value = self.evaluate(iterable)
        if isinstance(value, Result) and value.scalars:
            value = self.obj(value.statement, value.session, many=True)
        if isinstance(value, Obj) and (value.many or value.prefix):
            return replace(value, many=False, fresh=set(value.fresh))
        return None

    def related(self, node: cst.Attribute) -> Obj | None:
        """`obj.rel` where the load included `rel`: the related object(s)."""
        base = self.evaluate(node.value)
        if not isinstance(base, Obj) or base.many or base.statement is None:
            return None
        name = node.attr.value
        found = self.model.relationship(base.cls, name)
        if found is None or not found[2]:
            return None
        loaded = (name,) in base.paths or name in base.fresh or found[1] not in LAZY
        if not loaded or found[1] in ("dynamic", "write_only", "?", "noload"):
            return None
        paths = frozenset(p[1:] for p in base.paths if p[:1] == (name,) and len(p) > 1)
        return Obj(
            found[2],
            base.session,
            base.statement,
            paths,
            expired=base.expired,  # a collection or one object: `.attr` and `for` follow
            prefix=(*base.prefix, name),
        )

    def get(self, call: cst.Call, session: str) -> Obj | None:
        """`await s.get(M, pk, options=[...])`."""
        if not call.args or call.args[0].keyword is not None:
            return None
        cls = self.mapped_class(call.args[0].value)
        if cls is None:
            return None
        paths: Paths | None = frozenset()
        for arg in call.args[1:]:
            if arg.keyword is not None and arg.keyword.value == "options":
                if not isinstance(arg.value, cst.List | cst.Tuple):
                    return None
                paths = loaded_paths(self.ctx, [e.value for e in arg.value.elements], frozenset())
            elif arg.star:
                return None
        if paths is None:
            return None
        statement = Statement(cls, paths, self.line(call), via_get=True)
        return Obj(cls, session, statement, paths)

    def statement_arg(self, call: cst.Call) -> Statement | None:
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        value = self.evaluate(call.args[0].value)
        return value if isinstance(value, Statement) else None

    def statement_of(self, node: cst.Call) -> Statement | None:
        """`select(M)` and methods on it."""
        func = node.func
        if isinstance(func, cst.Attribute):
            base = self.evaluate(func.value)
            if not isinstance(base, Statement):
                return None
            method = func.attr.value
            if method == "options":
                if any(arg.star or arg.keyword is not None for arg in node.args):
                    return replace(base, paths=None)
                if base.paths is None:
                    return base
                paths = loaded_paths(self.ctx, [arg.value for arg in node.args], base.paths)
                return replace(base, paths=paths)
            return base if method in _KEEPS else None
        if qualified_name(self.ctx, func) not in _SELECTS or len(node.args) != 1:
            return None
        arg = node.args[0]
        if arg.star or arg.keyword is not None:
            return None
        cls = self.mapped_class(arg.value)
        return Statement(cls, frozenset(), self.line(node)) if cls is not None else None

    # --- reads --------------------------------------------------------------

    def reads(self, node: cst.CSTNode) -> None:
        """Report the attribute reads in `node` (not in nested scopes)."""
        pending: list[cst.CSTNode] = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, cst.Lambda | cst.FunctionDef | cst.ClassDef):
                continue
            if isinstance(current, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
                self.comprehension(current)
                continue
            if isinstance(current, cst.Attribute) and self.read(current):
                continue
            pending.extend(reversed(current.children))

    def comprehension(
        self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp
    ) -> None:
        """`[item.product for item in order.items]`: its targets bound in order."""
        saved = dict(self.env)
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            self.reads(clause.iter)
            self.bind_target(clause.target, self.element(clause.iter))
            for condition in clause.ifs:
                self.reads(condition.test)
            clause = clause.inner_for_in
        if isinstance(node, cst.DictComp):
            self.reads(node.key)
            self.reads(node.value)
        else:
            self.reads(node.elt)
        self.env = saved

    def read(self, node: cst.Attribute) -> bool:
        """Check one `x.attr` read; True when reported (its inner reads are not)."""
        if id(node) in self.reported:
            return True
        base = self.evaluate(node.value)
        if not isinstance(base, Obj) or base.many:
            return False
        name = node.attr.value
        attrs = self.model.classes.get(base.cls, {})
        found = attrs.get(name)
        if found is None:
            return False
        if base.expired is not None and name not in base.fresh:
            self.report(node, self.expired_message(node, base), base, found)
            return True
        if found[0] != "r" or base.statement is None or found[1] not in LAZY:
            return False
        if (name,) in base.paths or name in base.fresh:
            return False
        if found[1] != "raise" and self.holds(base.session, found[2]):
            return False  # a many-to-one may be found in the identity map without SQL
        self.report(node, self.lazy_message(node, base, found), base, found)
        return True

    def holds(self, session: str, cls: str) -> bool:
        """Whether a local of the function holds an object of `cls` (a
        relationship's target, "" unknown) loaded through `session`: the
        identity map keeps only objects something refers to."""
        return bool(cls) and any(
            isinstance(value, Obj) and value.cls == cls and value.session == session
            for value in self.env.values()
        )

    def report(
        self,
        node: cst.Attribute,
        message: str,
        base: Obj,
        found: tuple[str, str, str, str, int, int],
    ) -> None:
        """One finding, pointing at where `base.cls`'s attribute is declared
        (its own class, a mixin or a base)."""
        self.reported.add(id(node))
        what = f"`{self.short(base.cls)}.{node.attr.value}` is declared here"
        if found[0] == "r":
            what += f' (lazy="{found[1]}")'
        self.findings.append(Finding(node, message, (found[3], found[4], found[5], what)))

    def lazy_message(
        self, node: cst.Attribute, base: Obj, found: tuple[str, str, str, str, int, int]
    ) -> str:
        name = node.attr.value
        raises = (
            "raises `InvalidRequestError`"
            if found[1] in ("raise", "raise_on_sql")
            else "raises `MissingGreenlet`"
        )
        statement = base.statement
        assert statement is not None
        loader = self.loader_text(statement.cls, (*base.prefix, name))
        if statement.via_get:
            where = f"pass `options=[{loader}]` to `get()` at line {statement.line}"
        else:
            where = f"add `{loader}` to the statement at line {statement.line}"
        others = []
        if base.cls in self.model.awaitable:
            others.append(f"`await {self.code(node.value)}.awaitable_attrs.{name}` first")
        if found[1] == "select":
            others.append('declare the relationship `lazy="selectin"`')
        alternatives = "".join(f", or {other}" for other in others)
        return (
            f"`{self.code(node)}` loads the relationship `{self.short(base.cls)}.{name}` "
            f'(lazy="{found[1]}") implicitly, which {raises} under an AsyncSession: '
            f"{where}{alternatives}"
        )

    def expired_message(self, node: cst.Attribute, base: Obj) -> str:
        assert base.expired is not None
        line, session = base.expired
        return (
            f"`{self.code(node)}` is read after `await {session}.commit()` (line {line}), "
            "which expired it (the session's factory expires on commit): the reload raises "
            f"`MissingGreenlet`; `await {session}.refresh({self.code(node.value)})` first, or make "
            "the factory with `expire_on_commit=False`"
        )

    def loader_text(self, root: str, path: tuple[str, ...]) -> str:
        """`selectinload(Order.items).selectinload(Item.product)`."""
        parts = []
        cls = root
        for name in path:
            parts.append(f"selectinload({self.short(cls)}.{name})")
            found = self.model.relationship(cls, name)
            cls = found[2] if found is not None and found[2] else "?"
        return ".".join(parts)

    # --- names --------------------------------------------------------------

    def async_session(self, receiver: cst.BaseExpression) -> str | None:
        """The text of `receiver` when it is an AsyncSession (None: not one or unknown)."""
        text = self.code(receiver)
        if not isinstance(receiver, cst.Name | cst.Attribute):
            return None
        if session_kind(self.ctx, receiver) is not SqlaKind.ASYNC_SESSION:
            return None
        return text

    def expires(self, session: str, receiver: cst.BaseExpression) -> bool:
        if session in self.sessions:  # opened here
            return self.sessions[session]
        return self.model.expiry == "1"  # a parameter: every factory of the project expires

    def mapped_class(self, node: cst.BaseExpression) -> str | None:
        full = self.full_name(node)
        return self.model.mapped(full) if full else None

    def full_name(self, node: cst.BaseExpression) -> str | None:
        """The absolute dotted name `node` stands for: an import, or a name of
        this module."""
        names = self.ctx.qualified_names(node)
        if len(names) != 1:
            return None
        (name,) = names
        text = name.name
        if text.startswith("."):
            return self.ctx.absolute_name(text)
        if name.source.name == "IMPORT":
            return self.ctx.absolute_name(text) if self.ctx.project is not None else text
        if name.source.name == "LOCAL" and "<locals>" not in text:
            return f"{self.module}.{text}"
        return None

    def short(self, cls: str) -> str:
        return cls.rpartition(".")[2]

    def code(self, node: cst.CSTNode) -> str:
        return self.ctx.module.code_for_node(node)

    def line(self, node: cst.CSTNode) -> int:
        return self.ctx.positions[node].start.line


def _same(one: object, other: object) -> bool:
    """The same value on two paths: the same object, or two statements that
    select and load the same (`stmt = select(M).where(a)` / `select(M)`)."""
    if one is other:
        return True
    return (
        isinstance(one, Statement)
        and isinstance(other, Statement)
        and (one.cls, one.paths, one.via_get) == (other.cls, other.paths, other.via_get)
    )


def _expires(call: cst.Call) -> bool:
    """`AsyncSession(engine, ...)` expires on commit: no `expire_on_commit`
    (and no `**kwargs` that may hold it), or a literal `True`."""
    if any(arg.star == "**" for arg in call.args):
        return False
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "expire_on_commit":
            return isinstance(arg.value, cst.Name) and arg.value.value == "True"
    return True

"""AIO301's fix: a legacy `session.query(...)` chain rewritten in the 2.0 style.

`find_chain` reads `session.query(E...).<step>(...)....<terminal>()` upwards from
the `.query(...)` call; `build_fix` turns it into `session.scalars(select(E)...)`,
`session.execute(...)`, `session.get(...)`, `session.scalar(select(func.count())...)`
or `session.execute(delete(E)...)` / `update(E)...`, awaited on an `AsyncSession`.
Anything it does not understand gets no fix (the diagnostic stays).

Result shape: `Query` de-duplicates the rows of every statement that selects
an ORM entity (`Query._iter()` calls `result.unique()` whenever the rows hold
one, whatever the steps); a 2.0 `select()` does not, and a joined-eager
collection (`lazy="joined"`) makes its `.all()`/`.one()` raise until
`.unique()` is called. So every rows rewrite that selects an entity gets
`.unique()` before its terminal; rows of columns only get none.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import libcst as cst

from aiolint.engine.model import Applicability, Edit, Fix, RequiredImport
from aiolint.fixes.imports import reference
from aiolint.fixes.nodes import await_expression, in_generator_expression
from aiolint.semantic.bindings import assignments_of, binding_value
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import in_async_code
from aiolint.semantic.names import qualified_name

#: Query methods that build the statement; `Select` has each of them (`filter` as `where`).
STEPS = frozenset(
    {
        "distinct",
        "filter",
        "filter_by",
        "group_by",
        "join",
        "limit",
        "offset",
        "options",
        "order_by",
        "outerjoin",
        "where",
    }
)
#: Query methods that run it.
TERMINALS = frozenset(
    {"all", "count", "delete", "first", "get", "one", "one_or_none", "scalar", "update"}
)
_RENAMED = {"filter": "where"}
#: Steps `count()` keeps meaning under `select(func.count()).select_from(E)`.
_COUNT_STEPS = frozenset({"filter", "filter_by", "where", "join", "outerjoin"})
#: Steps `Query.delete()` / `Query.update()` accept.
_DML_STEPS = frozenset({"filter", "filter_by", "where"})
_ALIASING = frozenset(
    {
        "sqlalchemy.orm.aliased",
        "sqlalchemy.orm.util.aliased",
        "sqlalchemy.orm.with_polymorphic",
        "sqlalchemy.orm.util.with_polymorphic",
    }
)
_COLUMN_FUNCTIONS = frozenset(
    {
        "sqlalchemy.case",
        "sqlalchemy.cast",
        "sqlalchemy.literal",
        "sqlalchemy.literal_column",
        "sqlalchemy.sql.expression.case",
        "sqlalchemy.sql.expression.cast",
        "sqlalchemy.sql.expression.literal",
        "sqlalchemy.sql.expression.literal_column",
    }
)


class Selected(Enum):
    """What one argument of `query(...)` selects."""

    ENTITY = "entity"  # a mapped class or an alias of one: rows of objects
    COLUMN = "column"  # a column or SQL expression: rows of values


@dataclass(frozen=True, slots=True)
class QueryChain:
    """`<receiver>.query(...).<steps>...<terminal>(...)`."""

    query: cst.Call
    steps: tuple[cst.Call, ...]
    terminal: cst.Call

    @property
    def receiver(self) -> cst.BaseExpression:
        assert isinstance(self.query.func, cst.Attribute)
        return self.query.func.value

    @property
    def method(self) -> str:
        return _method(self.terminal)

    @property
    def step_names(self) -> set[str]:
        return {_method(step) for step in self.steps}


def find_chain(ctx: FileContext, query: cst.Call) -> QueryChain | None:
    """The chain `query` starts, when it is made only of known steps and ends in
    a terminal call."""
    steps: list[cst.Call] = []
    current: cst.Call = query
    while True:
        attr = ctx.parent(current)
        if not isinstance(attr, cst.Attribute) or attr.value is not current:
            return None
        call = ctx.parent(attr)
        if not isinstance(call, cst.Call) or call.func is not attr:
            return None
        name = attr.attr.value
        if name in TERMINALS:
            return QueryChain(query, tuple(steps), call)
        if name not in STEPS:
            return None
        steps.append(call)
        current = call


def selected(ctx: FileContext, expr: cst.BaseExpression) -> Selected | None:
    """Whether an argument of `query(...)` is an entity or a column (None: unknown)."""
    if isinstance(expr, cst.Name):
        return _name_selects(ctx, expr)
    if isinstance(expr, cst.Attribute):
        if _capitalized(expr.attr.value):
            return Selected.ENTITY if _module_like(expr.value) else None  # models.User
        if isinstance(expr.value, cst.Name | cst.Attribute) and _class_like(expr.value):
            return Selected.COLUMN  # User.id, models.User.id
        return None
    if isinstance(expr, cst.Call):
        name = qualified_name(ctx, expr.func)
        if name in _ALIASING:
            return Selected.ENTITY
        if name in _COLUMN_FUNCTIONS or (name or "").startswith("sqlalchemy.func."):
            return Selected.COLUMN
        func = expr.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "label"
            and selected(ctx, func.value) is Selected.COLUMN
        ):
            return Selected.COLUMN
    return None


def _name_selects(ctx: FileContext, name: cst.Name) -> Selected | None:
    """`User` (a class of this module, or imported with a class-like name) or
    `UserAlias = aliased(User)`."""
    if qualified_name(ctx, name) is not None:
        return Selected.ENTITY if _capitalized(name.value) else None
    assignments = assignments_of(ctx, name)
    if not assignments:
        return None
    values = [binding_value(ctx, a) for a in assignments]
    if all(isinstance(v, cst.ClassDef) for v in values):
        return Selected.ENTITY
    if all(isinstance(v, cst.Call) and qualified_name(ctx, v.func) in _ALIASING for v in values):
        return Selected.ENTITY
    return None


def _capitalized(name: str) -> bool:
    return name[:1].isupper() and not name.isupper()


def _class_like(expr: cst.Name | cst.Attribute) -> bool:
    last = expr.value if isinstance(expr, cst.Name) else expr.attr.value
    return _capitalized(last)


def _module_like(expr: cst.BaseExpression) -> bool:
    """`models` or `app.models`: lower-case dotted names."""
    if isinstance(expr, cst.Name):
        return expr.value.islower()
    return (
        isinstance(expr, cst.Attribute) and expr.attr.value.islower() and _module_like(expr.value)
    )


def _method(call: cst.Call) -> str:
    assert isinstance(call.func, cst.Attribute)
    return call.func.attr.value


def _plain_args(call: cst.Call) -> bool:
    return all(a.star == "" and a.keyword is None for a in call.args)


class _Builder:
    """Builds the replacement of one chain; `None` from `build()` means no fix."""

    def __init__(self, ctx: FileContext, chain: QueryChain, is_async: bool) -> None:
        self.ctx = ctx
        self.chain = chain
        self.is_async = is_async
        self.imports: list[RequiredImport] = []
        #: The line break of a chain written one step per line, else None.
        self.layout = _line_break(chain)
        #: The comment ending the line before the terminal step (`.filter(...)  #
        #: noqa: E712` then `.all()`): it goes with the first line break made
        #: after the last step, so it stays on the line of the code it followed.
        self.trailing = _trailing_comment(chain.terminal) if self.layout is not None else None

    def build(self) -> cst.BaseExpression | None:
        chain = self.chain
        if not chain.query.args or not _plain_args(chain.query):
            return None
        kinds = [selected(self.ctx, a.value) for a in chain.query.args]
        if None in kinds:
            return None
        single_entity = kinds == [Selected.ENTITY]
        method = chain.method
        if method == "get":
            return self._get() if single_entity else None
        if method == "count":
            return self._count() if single_entity else None
        if method in ("delete", "update"):
            return self._dml(method) if single_entity else None
        return self._rows(single_entity, Selected.ENTITY in kinds)

    # --- .all() / .first() / .one() / .one_or_none() / .scalar() ----------------

    def _rows(self, single_entity: bool, has_entity: bool) -> cst.BaseExpression | None:
        chain, method = self.chain, self.chain.method
        names = chain.step_names
        if chain.terminal.args or ("distinct" in names and "order_by" in names):
            return None  # Query adds ORDER BY columns to a DISTINCT; select() does not
        unique = has_entity  # what `Query` de-duplicated (see the module's docstring)
        if method == "scalar" and unique and not single_entity:
            return None  # Query de-duplicates whole rows, scalars() the first column
        statement = self._select()
        if statement is None:
            return None
        if method == "first":
            statement = self._append(statement, "limit", cst.Arg(cst.Integer("1")))
        runner = "scalars" if single_entity or method == "scalar" else "execute"
        result = self._run(runner, statement)
        if unique:
            result = _call(result, "unique")
        return self._terminal(result, "one_or_none" if method == "scalar" else method)

    def _select_ref(self) -> cst.BaseExpression | None:
        select = self._ref("select")
        if select is None:  # `from sqlmodel import select` takes the name: reuse it
            found = reference(self.ctx, "sqlmodel", "select", self.chain.query, style="from")
            select = found.expression() if found is not None and not found.imports else None
        return select

    def _select(self) -> cst.BaseExpression | None:
        select = self._select_ref()
        if select is None:
            return None
        statement: cst.BaseExpression = self.chain.query.with_changes(func=select)
        return self._steps(statement)

    def _steps(self, statement: cst.BaseExpression) -> cst.BaseExpression:
        for step in self.chain.steps:
            attr = step.func
            assert isinstance(attr, cst.Attribute)
            name = _RENAMED.get(attr.attr.value, attr.attr.value)
            dot = attr.dot
            if self.layout is not None and isinstance(dot, cst.Dot):
                dot = dot.with_changes(whitespace_before=_indented(dot.whitespace_before))
            renamed = attr.with_changes(
                value=statement, attr=attr.attr.with_changes(value=name), dot=dot
            )
            statement = step.with_changes(func=renamed)
        return statement

    def _append(self, value: cst.BaseExpression, method: str, *args: cst.Arg) -> cst.Call:
        """`value.method(args)`, on a line of its own in a one-step-per-line chain."""
        dot = cst.Dot()
        if self.layout is not None:
            dot = cst.Dot(whitespace_before=_indented(self._break()))
        return cst.Call(cst.Attribute(value, cst.Name(method), dot=dot), args)

    def _break(self) -> cst.ParenthesizedWhitespace:
        """The chain's line break, carrying the trailing comment the first time."""
        assert self.layout is not None
        if self.trailing is None:
            return self.layout
        line, self.trailing = self.trailing, None
        return self.layout.with_changes(first_line=line)

    def _wrap(self, runner: str, *args: cst.Arg) -> cst.Call:
        """`<receiver>.runner(args)`; a one-step-per-line chain goes on its own lines."""
        func = cst.Attribute(self.chain.receiver, cst.Name(runner))
        if self.layout is None or len(args) != 1:
            return cst.Call(func, args)
        arg = args[0].with_changes(whitespace_after_arg=self._break())
        return cst.Call(func, (arg,), whitespace_before_args=_indented(self.layout))

    # --- .get(pk) -----------------------------------------------------------------

    def _get(self) -> cst.BaseExpression | None:
        terminal = self.chain.terminal
        if self.chain.steps or len(terminal.args) != 1 or not _plain_args(terminal):
            return None
        entity = self.chain.query.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        pk = terminal.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return self._awaited(self._wrap("get", entity, pk))

    # --- .count() -----------------------------------------------------------------

    def _count(self) -> cst.BaseExpression | None:
        if self.chain.terminal.args or not self.chain.step_names <= _COUNT_STEPS:
            return None
        select, func = self._select_ref(), self._ref("func")
        if select is None or func is None:
            return None
        count = cst.Call(cst.Attribute(func, cst.Name("count")))
        entity = self.chain.query.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        statement = _call(cst.Call(select, (cst.Arg(count),)), "select_from", entity)
        return self._awaited(self._wrap("scalar", cst.Arg(self._steps(statement))))

    # --- .delete() / .update({...}) --------------------------------------------

    def _dml(self, method: str) -> cst.BaseExpression | None:
        terminal = self.chain.terminal
        if not self.chain.step_names <= _DML_STEPS:
            return None
        positional = [a for a in terminal.args if a.keyword is None]
        keywords = [a for a in terminal.args if a.keyword is not None]
        if any(a.star for a in terminal.args) or len(positional) != (method == "update"):
            return None
        if any(a.keyword.value != "synchronize_session" for a in keywords if a.keyword):
            return None
        construct = self._ref(method)
        if construct is None:
            return None
        entity = self.chain.query.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        statement = self._steps(cst.Call(construct, (entity,)))
        if positional:
            values = positional[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            statement = self._append(statement, "values", values)
        if keywords:
            option = keywords[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            statement = self._append(statement, "execution_options", option)
        executed = self._wrap("execute", cst.Arg(statement))
        parent = self.ctx.parent(terminal)
        if isinstance(parent, cst.Expr) and parent.value is terminal:
            return self._awaited(executed)  # the row count is not used
        if self.is_async:
            executed = _parenthesized(cst.Await(executed))
        rowcount = cst.Attribute(executed, cst.Name("rowcount"))  # what Query returned
        return rowcount.with_changes(lpar=terminal.lpar, rpar=terminal.rpar)

    # --- shared -------------------------------------------------------------------

    def _ref(self, name: str) -> cst.BaseExpression | None:
        found = reference(self.ctx, "sqlalchemy", name, self.chain.query, style="from")
        if found is None:
            return None
        self.imports.extend(found.imports)
        return found.expression()

    def _run(self, runner: str, statement: cst.BaseExpression) -> cst.BaseExpression:
        if runner == "scalars" and self.ctx.options.library_below("sqlalchemy", "1.4.24"):
            # `Session.scalars()` came with 1.4.24: `execute(...).scalars()` before
            return _call(self._run("execute", statement), "scalars")
        call = self._wrap(runner, cst.Arg(statement))
        return _parenthesized(cst.Await(call)) if self.is_async else call

    def _awaited(self, call: cst.Call) -> cst.BaseExpression:
        terminal = self.chain.terminal
        if not self.is_async:
            return call.with_changes(lpar=terminal.lpar, rpar=terminal.rpar)
        return await_expression(self.ctx, terminal, call)

    def _terminal(self, result: cst.BaseExpression, method: str) -> cst.BaseExpression:
        """The original terminal call (its parentheses and spacing) on `result`."""
        terminal = self.chain.terminal
        attr = terminal.func
        assert isinstance(attr, cst.Attribute)
        dot = attr.dot
        if self.layout is not None and isinstance(dot, cst.Dot) and _trailing_comment(terminal):
            ws = dot.whitespace_before
            assert isinstance(ws, cst.ParenthesizedWhitespace)
            dot = dot.with_changes(
                whitespace_before=ws.with_changes(first_line=cst.TrailingWhitespace())
            )
        if self.layout is not None and isinstance(dot, cst.Dot) and not _has_comment(dot):
            dot = dot.with_changes(whitespace_before=cst.SimpleWhitespace(""))  # `).all()`
        renamed = attr.with_changes(
            value=result, attr=attr.attr.with_changes(value=method), dot=dot
        )
        return terminal.with_changes(func=renamed)


def _call(value: cst.BaseExpression, method: str, *args: cst.Arg) -> cst.Call:
    return cst.Call(cst.Attribute(value, cst.Name(method)), args)


def _line_break(chain: QueryChain) -> cst.ParenthesizedWhitespace | None:
    """The first line break before a `.step` of the chain, without its comment."""
    for call in (*chain.steps, chain.terminal):
        attr = call.func
        if isinstance(attr, cst.Attribute) and isinstance(attr.dot, cst.Dot):
            ws = attr.dot.whitespace_before
            if isinstance(ws, cst.ParenthesizedWhitespace):
                return cst.ParenthesizedWhitespace(indent=ws.indent, last_line=ws.last_line)
    return None


def _indented(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """`ws` one level (four spaces) deeper, when it ends a line break."""
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return ws
    lines = [
        line.with_changes(whitespace=cst.SimpleWhitespace(line.whitespace.value + "    "))
        if line.comment is not None
        else line
        for line in ws.empty_lines
    ]
    return ws.with_changes(
        empty_lines=lines, last_line=cst.SimpleWhitespace(ws.last_line.value + "    ")
    )


def _trailing_comment(call: cst.Call) -> cst.TrailingWhitespace | None:
    """The comment at the end of the line before `call`'s `.method` (on the line
    of the code before it), or None."""
    attr = call.func
    if not isinstance(attr, cst.Attribute) or not isinstance(attr.dot, cst.Dot):
        return None
    ws = attr.dot.whitespace_before
    if isinstance(ws, cst.ParenthesizedWhitespace) and ws.first_line.comment is not None:
        return ws.first_line
    return None


def _has_comment(dot: cst.Dot) -> bool:
    ws = dot.whitespace_before
    return isinstance(ws, cst.ParenthesizedWhitespace) and (
        ws.first_line.comment is not None or any(e.comment for e in ws.empty_lines)
    )


def _parenthesized(node: cst.Await) -> cst.Await:
    return node.with_changes(lpar=(cst.LeftParen(),), rpar=(cst.RightParen(),))


def build_fix(ctx: FileContext, query: cst.Call, *, is_async: bool, guessed: bool) -> Fix | None:
    """The unsafe fix for the legacy chain `query` starts, or None."""
    chain = find_chain(ctx, query)
    if chain is None or isinstance(ctx.parent(chain.terminal), cst.Await):
        return None  # `await session.query(...).all()` was never valid code
    if is_async and (
        not in_async_code(ctx, chain.terminal) or in_generator_expression(ctx, chain.terminal)
    ):
        return None
    builder = _Builder(ctx, chain, is_async)
    replacement = builder.build()
    if replacement is None:
        return None
    return Fix(
        "Rewrite the query in the SQLAlchemy 2.0 style (`select()`)",
        Applicability.UNSAFE,
        (Edit(chain.terminal, replacement),),
        tuple(dict.fromkeys(builder.imports)),
        guessed=guessed,
    )

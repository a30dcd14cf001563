"""AIO304's fix: turn values formatted into SQL text into bound parameters.

Two spellings of the result:
- `text()`: `text(f"... WHERE id = {user_id}")` ->
  `text("... WHERE id = :user_id").bindparams(user_id=user_id)`;
- asyncpg (`.fetch`, `.fetchrow`, `.fetchval`): `conn.fetch(f"... {x}")` ->
  `conn.fetch("... $1", x)`, numbering after the `$n` the text already has.

Only a statement whose values the database takes as parameters is fixed
(`aiolint.semantic.sql_statement`): one SELECT/INSERT/UPDATE/DELETE/WITH/MERGE.
A `SET [LOCAL] name = {v}` whose result is not used becomes
`SELECT set_config('name', :v, <is_local>)` with the value passed as `str(v)`
(the text the f-string wrote: `set_config` takes text, and asyncpg and psycopg
refuse an int or a UUID for a text parameter). Other utility statements (DDL,
GRANT, COPY...) take no parameters and get no fix.

Every non-constant slot of the template must be a simple value expression (a
name, an attribute chain, a subscript by a literal or a name) in a value
position (`aiolint.semantic.sql_positions`); otherwise no fix is offered.
Constant slots of an f-string (`{TABLE}`) stay fields. A parameter is named
after the name, the attribute's last part or the subscript's string key
(`user_id`, `user.id` -> `id`, `row["name"]` -> `name`), else `p1`, `p2`...;
names are unique in the statement (also against its existing `:name`
parameters), and an expression used twice is bound once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from keyword import iskeyword

import libcst as cst
from libcst.metadata import BuiltinAssignment

from aiolint.engine.model import Applicability, Edit, Fix
from aiolint.semantic.context import FileContext
from aiolint.semantic.sql_positions import bind_names, highest_dollar, value_position
from aiolint.semantic.sql_statement import SetStatement, Statement, parameter_statement
from aiolint.semantic.sql_template import Chunk, Slot, Template, template_of
from aiolint.semantic.sql_text import Interpolation, interpolation

_EMPTY = cst.Module(body=[])
_PLAIN_TAIL = re.compile(r"[ \t\r\n;]*")


class Placeholders(Enum):
    """How the sink spells a bound parameter."""

    NAMED = "named"
    """SQLAlchemy `text()`: `:name`, values through `.bindparams(name=...)`."""
    DOLLAR = "dollar"
    """asyncpg: `$1`, values as extra positional arguments."""


@dataclass
class _Plan:
    placeholders: dict[int, str] = field(default_factory=dict)
    quoted: set[int] = field(default_factory=set)
    params: list[tuple[str, cst.BaseExpression]] = field(default_factory=list)


def bind_fix(
    ctx: FileContext, call: cst.Call, sql: cst.BaseExpression, style: Placeholders
) -> Fix | None:
    """The fix for the building expression `sql`, the first argument of `call`
    (a `text()` call or an asyncpg query method), or None."""
    first = call.args[0] if call.args else None
    if first is None or first.value is not sql or first.keyword is not None:
        return None
    if any(arg.star for arg in call.args):
        return None
    template = template_of(sql)
    if template is None:
        return None
    text, _ = template.text()
    statement = parameter_statement(text)
    if isinstance(statement, SetStatement):
        return _set_config_fix(ctx, call, template, statement, style)
    if statement is not Statement.QUERY:
        return None
    if style is Placeholders.NAMED:
        if len(call.args) != 1:
            return None
        plan = _plan(ctx, template, style, bind_names(text), 0)
    else:
        extra = sum(1 for arg in call.args[1:] if arg.keyword is None)
        if extra != highest_dollar(text):
            return None
        plan = _plan(ctx, template, style, set(), extra)
    if plan is None or not plan.params:
        return None
    literal = template.rebuild(plan.placeholders, frozenset(plan.quoted))
    if literal is None:
        return None
    if style is Placeholders.NAMED:
        return _bindparams_fix(call, literal, plan)
    return _dollar_fix(call, literal, plan)


def _plan(
    ctx: FileContext, template: Template, style: Placeholders, taken: set[str], numbered: int
) -> _Plan | None:
    text, offsets = template.text()
    plan = _Plan()
    by_code: dict[str, str] = {}
    fallback = 0
    # Names the values give themselves: `p1`, `p2`... go around them.
    reserved = {_base_name(item.expr) for item in template.items if isinstance(item, Slot)}
    for index, offset in offsets.items():
        slot = template.items[index]
        assert isinstance(slot, Slot)
        kind = interpolation(ctx, slot.expr)
        if kind is Interpolation.CONSTANT and slot.field is not None:
            continue  # `{TABLE}` stays an f-string field
        if kind is not Interpolation.VALUE or not _simple(slot.expr):
            return None
        position = value_position(text, offset, allow_cast=style is Placeholders.DOLLAR)
        if position is None:
            return None
        if position.quoted:
            plan.quoted.add(index)
        code = _EMPTY.code_for_node(slot.expr.with_changes(lpar=(), rpar=()))
        placeholder = by_code.get(code)
        if placeholder is None:
            if style is Placeholders.DOLLAR:
                placeholder = f"${numbered + len(plan.params) + 1}"
                plan.params.append((placeholder, slot.expr.with_changes(lpar=(), rpar=())))
            else:
                name = _base_name(slot.expr)
                if name is None:
                    fallback += 1
                    while f"p{fallback}" in reserved:
                        fallback += 1
                    name = f"p{fallback}"
                name = _unique(name, taken)
                taken.add(name)
                placeholder = f":{name}"
                plan.params.append((name, slot.expr.with_changes(lpar=(), rpar=())))
            by_code[code] = placeholder
        plan.placeholders[index] = placeholder
    return plan


def _simple(expr: cst.BaseExpression) -> bool:
    """A name, an attribute chain on a name, or a subscript of one by a literal or
    a name: evaluating it twice or later has no effect of its own."""
    if isinstance(expr, cst.Name):
        return True
    if isinstance(expr, cst.Attribute):
        return _simple(expr.value) and not isinstance(expr.value, cst.Subscript)
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        return (
            isinstance(index, cst.Index)
            and isinstance(index.value, cst.SimpleString | cst.Integer | cst.Name)
            and isinstance(expr.value, cst.Name | cst.Attribute)
            and _simple(expr.value)
        )
    return False


def _base_name(expr: cst.BaseExpression) -> str | None:
    """`user_id` -> user_id, `user.id` -> id, `row["name"]` -> name, else None."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    if isinstance(expr, cst.Subscript):
        index = expr.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            key = index.value.evaluated_value
            if isinstance(key, str) and key.isidentifier() and not iskeyword(key):
                return key
    return None


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name}_{number}" in taken:
        number += 1
    return f"{name}_{number}"


def _bindparams_fix(call: cst.Call, literal: cst.BaseExpression, plan: _Plan) -> Fix:
    inner = call.with_changes(args=(call.args[0].with_changes(value=literal),), lpar=(), rpar=())
    no_space = cst.SimpleWhitespace("")
    args = tuple(
        cst.Arg(
            value=expr,
            keyword=cst.Name(name),
            equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
        )
        for name, expr in plan.params
    )
    bound = cst.Call(
        func=cst.Attribute(value=inner, attr=cst.Name("bindparams")),
        args=args,
        lpar=call.lpar,
        rpar=call.rpar,
    )
    return Fix(
        "Bind the formatted values with `.bindparams()`",
        Applicability.UNSAFE,
        (Edit(call, bound),),
    )


def _separator(call: cst.Call, last: int) -> cst.Comma:
    """The comma to put after argument `last` and between new ones: one argument
    a line when the arguments are laid out so (argument `last` ends its line),
    else a plain comma like the call's others (never one holding a comment)."""
    comma = call.args[last].comma
    if isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        return cst.Comma(whitespace_after=call.whitespace_before_args)
    for index, arg in enumerate(call.args):
        if (
            index != last
            and isinstance(arg.comma, cst.Comma)
            and isinstance(arg.comma.whitespace_before, cst.SimpleWhitespace)
            and isinstance(arg.comma.whitespace_after, cst.SimpleWhitespace)
        ):
            return arg.comma
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _dollar_fix(call: cst.Call, literal: cst.BaseExpression, plan: _Plan) -> Fix:
    args = list(call.args)
    args[0] = args[0].with_changes(value=literal)
    last = max(i for i, arg in enumerate(args) if arg.keyword is None)
    between = _separator(call, last)
    # The new arguments take over what followed the last positional one: its
    # comma (or none) and the whitespace and comment after it.
    new = [cst.Arg(value=expr, comma=between) for _, expr in plan.params]
    new[-1] = new[-1].with_changes(
        comma=args[last].comma, whitespace_after_arg=args[last].whitespace_after_arg
    )
    args[last] = args[last].with_changes(
        comma=between, whitespace_after_arg=cst.SimpleWhitespace("")
    )
    args[last + 1 : last + 1] = new
    return Fix(
        "Pass the formatted values as `$n` arguments",
        Applicability.UNSAFE,
        (Edit(call, call.with_changes(args=tuple(args))),),
    )


# -- SET name = value -> SELECT set_config('name', value, is_local) ---------------


def _set_config_fix(
    ctx: FileContext,
    call: cst.Call,
    template: Template,
    statement: SetStatement,
    style: Placeholders,
) -> Fix | None:
    """`SET [LOCAL] name = {v}` -> `SELECT set_config('name', :v, <is_local>)`, when
    nothing reads the statement's result (a SELECT returns a row, SET none)."""
    slots = [item for item in template.items if isinstance(item, Slot)]
    if len(template.leaves) != 1 or len(slots) != 1 or len(call.args) != 1:
        return None  # (asyncpg: no `$n` argument yet, as there is no `$n`)
    if not _result_unused(ctx, call, style):
        return None
    expr = slots[0].expr.with_changes(lpar=(), rpar=())
    if interpolation(ctx, slots[0].expr) is not Interpolation.VALUE or not _simple(expr):
        return None
    if not _builtin(ctx, call, "str"):
        return None
    spelled = _set_config_literal(template, statement)
    if spelled is None:
        return None
    value = cst.Call(func=cst.Name("str"), args=(cst.Arg(expr),))
    plan = _Plan()
    if style is Placeholders.NAMED:
        name = _base_name(expr) or "value"
        plan.params.append((name, value))
        return _bindparams_fix(call, spelled(f":{name}"), plan)
    plan.params.append(("$1", value))
    return _dollar_fix(call, spelled("$1"), plan)


def _set_config_literal(
    template: Template, statement: SetStatement
) -> Callable[[str], cst.SimpleString] | None:
    """A writer of the new string literal, given the placeholder: the same quotes
    (`"` for `'`) and prefix (less `f` and `r`), the whitespace and `;` around the
    statement as written. None when that text is not written plainly."""
    first, last = template.items[0], template.items[-1]
    if not isinstance(first, Chunk):
        return None
    leading = first.raw[: len(statement.leading)]
    if leading != statement.leading:
        return None
    trailing = ""
    if isinstance(last, Chunk):
        trailing = last.raw[1:] if statement.quoted else last.raw
        if statement.quoted and not last.raw.startswith("'"):
            return None
    if not _PLAIN_TAIL.fullmatch(trailing):
        return None
    leaf = template.leaves[0]
    if isinstance(leaf, cst.FormattedString):
        quote, prefix = leaf.end, leaf.start[: -len(leaf.end)]
    else:
        quote, prefix = leaf.quote, leaf.prefix
    prefix = "".join(c for c in prefix if c.lower() not in "fr")
    local = "true" if statement.local else "false"
    node = template.node

    if quote == "'":
        quote = '"'  # the new text holds single quotes, and no double ones

    def write(placeholder: str) -> cst.SimpleString:
        call = f"SELECT set_config('{statement.name}', {placeholder}, {local})"
        return cst.SimpleString(
            prefix + quote + leading + call + trailing + quote, lpar=node.lpar, rpar=node.rpar
        )

    return write


def _result_unused(ctx: FileContext, call: cst.Call, style: Placeholders) -> bool:
    """Whether the statement's result is thrown away: `text(...)` is the statement
    of an `.execute(...)` (asyncpg: the query call itself) in an expression
    statement, awaited or not."""
    runner: cst.CSTNode = call
    if style is Placeholders.NAMED:
        arg = ctx.parent(call)
        execute = ctx.parent(arg) if isinstance(arg, cst.Arg) else None
        if not (
            isinstance(execute, cst.Call)
            and isinstance(execute.func, cst.Attribute)
            and execute.func.attr.value == "execute"
            and execute.args
            and execute.args[0] is arg
        ):
            return False
        runner = execute
    parent = ctx.parent(runner)
    if isinstance(parent, cst.Await):
        parent = ctx.parent(parent)
    return isinstance(parent, cst.Expr)


def _builtin(ctx: FileContext, node: cst.CSTNode, name: str) -> bool:
    """Whether `name` at `node` is the builtin (no binding of the module shadows it)."""
    scope = ctx.scopes.get(node)
    if scope is None:
        return False
    return all(isinstance(a, BuiltinAssignment) for a in scope[name])

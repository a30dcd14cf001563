"""Node-building helpers shared by fixes."""

from __future__ import annotations

import libcst as cst

from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_scope


def await_expression(
    ctx: FileContext, original: cst.BaseExpression, value: cst.BaseExpression
) -> cst.BaseExpression:
    """`await value`, to stand where `original` stood; parenthesized when it is
    the base of an attribute, subscript or call (`(await f()).x`, not `await f().x`)
    or the left operand of `**`."""
    value = value.with_changes(lpar=(), rpar=())
    node = cst.Await(expression=value, lpar=original.lpar, rpar=original.rpar)
    parent = ctx.parent(original)
    tight = (
        (isinstance(parent, cst.Attribute) and parent.value is original)
        or (isinstance(parent, cst.Subscript) and parent.value is original)
        or (isinstance(parent, cst.Call) and parent.func is original)
        or (
            isinstance(parent, cst.BinaryOperation)
            and isinstance(parent.operator, cst.Power)
            and parent.left is original
        )
    )
    if tight and not original.lpar:
        node = node.with_changes(lpar=(cst.LeftParen(),), rpar=(cst.RightParen(),))
    return node


def in_generator_expression(ctx: FileContext, node: cst.CSTNode) -> bool:
    """Whether `node` runs inside a generator expression of its own function
    (an `await` there would make it an async generator)."""
    scope = enclosing_scope(ctx, node)
    current = ctx.parent(node)
    while current is not None and current is not scope:
        if isinstance(current, cst.GeneratorExp):
            return True
        current = ctx.parent(current)
    return False


def append_argument(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """`call` with `arg` last, in the call's layout: on a line of its own when
    the arguments are one per line (comments stay on their lines), keeping a
    trailing comma."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[arg])
    last = args[-1]
    trailing = isinstance(last.comma, cst.Comma)
    # The space between the last argument and `)`.
    after = (
        last.comma.whitespace_after
        if isinstance(last.comma, cst.Comma)
        else last.whitespace_after_arg
    )
    if isinstance(after, cst.ParenthesizedWhitespace):
        indent = _argument_indent(call) or after.last_line
        kept = cst.Comma(whitespace_after=after.with_changes(last_line=indent))
        closing = after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    else:
        kept = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        closing = after
    if trailing:
        assert isinstance(last.comma, cst.Comma)
        args[-1] = last.with_changes(comma=kept)
        new = arg.with_changes(comma=last.comma.with_changes(whitespace_after=closing))
    else:
        args[-1] = last.with_changes(comma=kept, whitespace_after_arg=cst.SimpleWhitespace(""))
        new = arg.with_changes(whitespace_after_arg=closing)
    return call.with_changes(args=[*args, new])


def _argument_indent(call: cst.Call) -> cst.SimpleWhitespace | None:
    """The indentation of the arguments of a call written one per line."""
    spaces = [call.whitespace_before_args] + [
        a.comma.whitespace_after for a in call.args[:-1] if isinstance(a.comma, cst.Comma)
    ]
    for space in spaces:
        if isinstance(space, cst.ParenthesizedWhitespace):
            return space.last_line
    return None

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

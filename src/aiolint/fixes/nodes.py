"""Node-building helpers shared by fixes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import libcst as cst

from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_scope
from aiolint.semantic.model import iter_children

N = TypeVar("N", bound=cst.CSTNode)


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


def written_indent(module: cst.Module) -> str:
    """One level of indentation as new code must write it: the module's own
    (`default_indent`) as Python counts it, else four spaces. A form feed in
    indentation resets Python's column count, so only what follows the last
    one indents; LibCST keeps it in `default_indent` (`"\\f    "`), which its
    parser config refuses and which, written inside a deeper block, would
    dedent the line."""
    indent = module.default_indent.rsplit("\f", 1)[-1]
    return indent if indent and not indent.strip(" \t") else "    "


def parsing_config(module: cst.Module) -> cst.PartialParserConfig:
    """`module.config_for_parsing` with the indentation new code writes."""
    return cst.PartialParserConfig(
        encoding=module.encoding,
        default_indent=written_indent(module),
        default_newline=module.default_newline,
    )


class _ExplicitIndent(cst.CSTTransformer):
    """Give the new blocks of a replacement (`indent=None`: "the module's
    default") the indentation new code writes; original blocks keep theirs."""

    def __init__(self, indent: str, original: Callable[[cst.CSTNode], bool]) -> None:
        super().__init__()
        self.indent = indent
        self.original = original

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not self.original(node)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated_node.indent is None and not self.original(original_node):
            return updated_node.with_changes(indent=self.indent)
        return updated_node


def with_written_indent(module: cst.Module, node: N, original: Callable[[cst.CSTNode], bool]) -> N:
    """`node` (a fix's replacement) with its new blocks indented as new code is
    written, when that differs from the module's `default_indent` (a form feed
    in it); `original` tells the module's own nodes, left as they are."""
    indent = written_indent(module)
    if indent == module.default_indent or original(node):
        return node
    changed = node.visit(_ExplicitIndent(indent, original))
    return changed if isinstance(changed, type(node)) else node


def descendants(
    roots: Iterable[cst.CSTNode], skip: cst.CSTNode | None = None
) -> Iterator[cst.CSTNode]:
    """The roots and every node under them, in no particular order, not
    entering `skip` (a plain walk: LibCST's `visit` would rebuild every node it
    passes, most of the cost of a fix on a gather of thousands of arguments)."""
    stack = [node for node in roots if node is not skip]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in iter_children(node) if child is not skip)


def comment_counts(roots: Iterable[cst.CSTNode]) -> Counter[str]:
    """The comments under `roots`, counted: a replacement keeps every comment
    of the code it replaces when the counts are equal."""
    return Counter(node.value for node in descendants(roots) if isinstance(node, cst.Comment))


AwaitedStatement = cst.Expr | cst.Assign | cst.Return


def awaited_statement(
    ctx: FileContext, call: cst.Call
) -> tuple[cst.SimpleStatementLine, AwaitedStatement, cst.Await] | None:
    """`await <call>` as an expression statement, an assignment's value or a
    `return` value, alone on its line (the line, the statement, the await)."""
    awaited = ctx.parent(call)
    if not isinstance(awaited, cst.Await) or awaited.expression is not call:
        return None
    statement = ctx.parent(awaited)
    if not isinstance(statement, AwaitedStatement) or statement.value is not awaited:
        return None
    line = ctx.parent(statement)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    return line, statement, awaited

"""The AIO104 fix: a statement awaiting `asyncio.wait_for(aw, t)` becomes the
same statement awaiting `aw` inside `async with asyncio.timeout(t):`.

    x = await asyncio.wait_for(fetch(), timeout=5)   # any of: expression
                                                     # statement, `x = ...`,
    async with asyncio.timeout(5):                   # `return ...`
        x = await fetch()

(See `WaitForTimeout`'s "Fix safety" for what changes and why it is unsafe.)
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from aiolint.engine.model import Applicability, Edit, Fix
from aiolint.fixes.imports import reference
from aiolint.fixes.nodes import AwaitedStatement, awaited_statement, comment_counts, descendants
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_function, is_async_function

#: Expressions `await` takes without parentheses (Python's "primary").
_PRIMARY = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.List,
    cst.Dict,
    cst.Set,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)
#: Nodes that run code or bind names: evaluated before the awaitable (the
#: fix's order), they could see or change what it sees.
_EFFECTS = (cst.Call, cst.Await, cst.Yield, cst.NamedExpr)


def wait_for_arguments(call: cst.Call) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """The awaitable and the timeout of `wait_for(aw, t)` / `(aw, timeout=t)` /
    `(fut=aw, timeout=t)`; None for any other argument list."""
    found: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            if index > 1:
                return None
            key = ("fut", "timeout")[index]
        else:
            key = arg.keyword.value
        if key not in ("fut", "timeout") or key in found:
            return None
        found[key] = arg.value
    if len(found) != 2:
        return None
    return found["fut"], found["timeout"]


def timeout_fix(ctx: FileContext, call: cst.Call) -> Fix | None:
    """The rewrite of the statement awaiting `call` (see the module doc), or
    None when its shape or arguments do not allow one."""
    arguments = wait_for_arguments(call)
    if arguments is None:
        return None
    awaitable, timeout = arguments
    if _has_effects([timeout]) or _has_effects([awaitable], only=(cst.NamedExpr,)):
        return None
    site = _site(ctx, call)
    if site is None:
        return None
    line, statement, awaited = site
    timeout_ref = reference(ctx, "asyncio", "timeout", call)
    if timeout_ref is None:
        return None
    awaitable = _dedented(awaitable, call)
    if not isinstance(awaitable, _PRIMARY) and not awaitable.lpar:
        awaitable = awaitable.with_changes(lpar=(cst.LeftParen(),), rpar=(cst.RightParen(),))
    inner = statement.with_changes(value=awaited.with_changes(expression=awaitable))
    block = cst.With(
        items=[cst.WithItem(cst.Call(timeout_ref.expression(), args=[cst.Arg(timeout)]))],
        body=cst.IndentedBlock(
            body=[line.with_changes(body=[inner], leading_lines=())],
            header=_header(call),
        ),
        asynchronous=cst.Asynchronous(),
        leading_lines=line.leading_lines,
    )
    if comment_counts([line.with_changes(leading_lines=())]) != comment_counts(
        [block.with_changes(leading_lines=())]
    ):
        return None  # a comment inside the call would have no place
    return Fix(
        "Rewrite with `async with asyncio.timeout(...)`",
        Applicability.UNSAFE,
        (Edit(line, block),),
        timeout_ref.imports,
        min_version=(3, 11),
    )


class _Dedent(cst.CSTTransformer):
    """Take `prefix` off the indentation of every continuation line."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        last = updated_node.last_line.value
        if updated_node.indent and last.startswith(self.prefix):
            return updated_node.with_changes(
                last_line=cst.SimpleWhitespace(last.removeprefix(self.prefix))
            )
        return updated_node


def _dedented(awaitable: cst.BaseExpression, call: cst.Call) -> cst.BaseExpression:
    """`awaitable` as it reads one level out: written on its own line inside
    `wait_for(`, its continuation lines were indented for that line; now it
    follows `await` on the statement's line.

        return await asyncio.wait_for(          async with asyncio.timeout(t):
            fetch(                                  return await fetch(
                url,                      ->            url,
            ),                                      )
            timeout=t,
        )
    """
    before = call.whitespace_before_args
    if not isinstance(before, cst.ParenthesizedWhitespace) or not before.indent:
        return awaitable
    prefix = before.last_line.value
    if not prefix:
        return awaitable
    dedented = awaitable.visit(_Dedent(prefix))
    return dedented if isinstance(dedented, cst.BaseExpression) else awaitable


def _header(call: cst.Call) -> cst.TrailingWhitespace:
    """The `async with` line's end: it takes the comment after `wait_for(`
    (`return await asyncio.wait_for(  # slow on cold caches`)."""
    before = call.whitespace_before_args
    if isinstance(before, cst.ParenthesizedWhitespace) and before.first_line.comment is not None:
        return cst.TrailingWhitespace(cst.SimpleWhitespace("  "), before.first_line.comment)
    return cst.TrailingWhitespace()


def _site(
    ctx: FileContext, call: cst.Call
) -> tuple[cst.SimpleStatementLine, AwaitedStatement, cst.Await] | None:
    """`await <call>` as an expression statement, an assignment's value or a
    `return` value, alone on its line in an async function."""
    found = awaited_statement(ctx, call)
    if found is None:
        return None
    function = enclosing_function(ctx, found[0])
    if function is None or not is_async_function(function):
        return None
    return found


def _has_effects(
    roots: Iterable[cst.CSTNode], only: tuple[type[cst.CSTNode], ...] = _EFFECTS
) -> bool:
    return any(isinstance(node, only) for node in descendants(roots))

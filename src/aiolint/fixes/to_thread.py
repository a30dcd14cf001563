"""The `await asyncio.to_thread(func, *args, **kwargs)` fix shared by blocking-call rules.

`requests.get(url, timeout=5)` becomes `await asyncio.to_thread(requests.get,
url, timeout=5)`: the callee is kept as written (an alias, a method on a client
object), the arguments follow it unchanged, and the call is parenthesized where
`await` would bind too loosely (`(await asyncio.to_thread(f, x)).json()`).
"""

from __future__ import annotations

import libcst as cst

from aiolint.engine.model import Applicability, Edit, Fix
from aiolint.fixes.imports import Reference, reference
from aiolint.fixes.nodes import await_expression, in_generator_expression
from aiolint.semantic.async_library import THREAD_FUNCTIONS, async_library
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_scope

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def to_thread_fix(ctx: FileContext, node: cst.Call, action: str) -> Fix | None:
    """An unsafe fix that runs the call `node` in a worker thread (with the
    file's async library: `asyncio.to_thread`, `anyio.to_thread.run_sync`,
    `trio.to_thread.run_sync`, the last two only without keyword arguments),
    or None where an `await` cannot stand in its place: a generator expression
    (it would become an async generator), an annotation, or the context
    manager of a `with` (entering it, not the call, does the I/O); or in a file
    importing both trio and asyncio. The caller has checked that `node` is in
    async code."""
    if _is_with_item(ctx, node) or _in_annotation(ctx, node):
        return None
    if in_generator_expression(ctx, node):
        return None
    library = async_library(ctx)
    if library is None:
        return None  # trio and asyncio both imported: no thread call is right for both
    to_thread = reference(ctx, library, "to_thread", node)
    if to_thread is None:
        return None
    if library != "asyncio":
        # anyio's and trio's `to_thread.run_sync(func, *args)` pass no keyword
        # arguments on to `func`.
        if any(arg.keyword is not None or arg.star == "**" for arg in node.args):
            return None
        to_thread = Reference(f"{to_thread.code}.run_sync", to_thread.imports)
    callee = cst.Arg(node.func, comma=_first_comma(node)) if node.args else cst.Arg(node.func)
    call = cst.Call(
        func=to_thread.expression(),
        args=(callee, *node.args),
        whitespace_after_func=node.whitespace_after_func,
        whitespace_before_args=node.whitespace_before_args,
    )
    return Fix(
        f"{action} in a thread with `{THREAD_FUNCTIONS[library]}`",
        Applicability.UNSAFE,
        (Edit(node, await_expression(ctx, node, call)),),
        to_thread.imports,
        min_version=(3, 11) if _nested_comprehensions(ctx, node) else None,
    )


def _first_comma(node: cst.Call) -> cst.Comma:
    """The comma after the callee: on its own line when the arguments are."""
    before = node.whitespace_before_args
    if isinstance(before, cst.ParenthesizedWhitespace):
        after: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            indent=before.indent,
            last_line=before.last_line,
        )
    else:
        after = cst.SimpleWhitespace(" ")
    return cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=after)


def _is_with_item(ctx: FileContext, node: cst.Call) -> bool:
    parent = ctx.parent(node)
    return isinstance(parent, cst.WithItem) and parent.item is node


def _ancestors(ctx: FileContext, node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes between `node` and the scope whose code runs it."""
    scope = enclosing_scope(ctx, node)
    found: list[cst.CSTNode] = []
    current = ctx.parent(node)
    while current is not None and current is not scope:
        found.append(current)
        current = ctx.parent(current)
    return found


def _in_annotation(ctx: FileContext, node: cst.CSTNode) -> bool:
    """`await` is a syntax error in an annotation under `from __future__ import
    annotations` (and in any annotation on newer Pythons)."""
    return any(isinstance(n, cst.Annotation) for n in _ancestors(ctx, node))


def _nested_comprehensions(ctx: FileContext, node: cst.CSTNode) -> bool:
    """An `await` in a comprehension nested in another one compiles on 3.11+ only."""
    return sum(isinstance(n, _COMPREHENSIONS) for n in _ancestors(ctx, node)) >= 2

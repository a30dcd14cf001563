"""The AIO401 fix: move an app's startup/shutdown handlers into a lifespan.

Given an app and its event handlers (`aiolint.semantic.fastapi.AppEvents`), build

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await open_pool()      # startup handlers, in order (sync ones called plainly)
        yield
        await close_pool()     # shutdown handlers, in order


    app = FastAPI(..., lifespan=lifespan)

in place of the app's statement, and drop the `@app.on_event(...)` decorators
and `app.add_event_handler(...)` lines (the handler functions stay). The
lifespan body runs only when the app starts, after the module has been imported,
so it may call handlers defined further down.
"""

from __future__ import annotations

from itertools import count

import libcst as cst
from libcst.metadata import Assignment

from aiolint.engine.model import Applicability, Edit, Fix
from aiolint.fixes.imports import Reference, reference
from aiolint.fixes.nodes import parsing_config, written_indent
from aiolint.semantic.context import FileContext
from aiolint.semantic.fastapi import AppEvents

#: The lifespan's parameter, as FastAPI's documentation names it.
PARAMETER = "app"
BASE_NAME = "lifespan"


def lifespan_fix(ctx: FileContext, events: AppEvents, taken: set[str]) -> Fix | None:
    """The fix for one app, or None when it cannot be written safely.

    `taken` holds lifespan names given to other apps of this module (one pass may
    fix several apps); the chosen name is added to it.
    """
    handlers = {f.name.value for f in (*events.startup, *events.shutdown)}
    if PARAMETER in handlers:
        return None  # the parameter would shadow a handler inside the lifespan
    annotation = ctx.module.code_for_node(events.constructor.func)
    if "#" in annotation or "\n" in annotation or "\r" in annotation:
        return None
    decorator = reference(ctx, "contextlib", "asynccontextmanager", events.statement, style="from")
    if decorator is None or not _bound_before(ctx, decorator, events.statement):
        return None
    name = unused_name(ctx, BASE_NAME, taken)
    taken.add(name)
    lifespan = _lifespan_def(ctx, events, name, decorator.code, annotation)
    app = _app_statement(ctx, events, name)
    replacements: dict[cst.CSTNode, _Replacement] = {
        events.statement: cst.FlattenSentinel([lifespan, app])
    }
    replacements.update((func, _undecorated(func)) for func in events.decorated)
    replacements.update((line, cst.RemovalSentinel.REMOVE) for line in events.registration_lines)
    # One edit of the module: separate edits of neighbouring statements can
    # resolve to overlapping text spans (two similar `add_event_handler` lines).
    fixed = ctx.module.visit(_Replace(replacements))
    return Fix(
        f"Move the startup/shutdown handlers into a `{name}` context manager",
        Applicability.UNSAFE,
        (Edit(ctx.module, fixed),),
        decorator.imports,
    )


_Replacement = cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]


class _Replace(cst.CSTTransformer):
    """Replace module statements (by identity) in one walk."""

    def __init__(self, replacements: dict[cst.CSTNode, _Replacement]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Only the module's own statements are replaced: do not descend further.
        return isinstance(node, cst.Module)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> _Replacement:
        return self.replacements.get(original_node, updated_node)


def unused_name(ctx: FileContext, base: str, taken: set[str]) -> str:
    """`base`, or `base_1`, `base_2`... : the first name no scope of the module
    binds or reads, and not in `taken`."""
    scopes = {id(s): s for s in ctx.scopes.values() if s is not None}.values()
    for number in count():
        name = base if number == 0 else f"{base}_{number}"
        if name in taken:
            continue
        if not any(name in s.assignments or name in s.accesses for s in scopes):
            return name
    raise AssertionError("unreachable")  # pragma: no cover


def _bound_before(ctx: FileContext, ref: Reference, statement: cst.CSTNode) -> bool:
    """A reused import binds the decorator's name before `statement` runs (the
    lifespan is defined just before the app, perhaps above a late import)."""
    if ref.imports:
        return True
    scope = ctx.scopes.get(statement)
    if scope is None:
        return False
    body = list(ctx.module.body)
    limit = body.index(statement)
    bound = ref.code.split(".")[0]
    for assignment in scope.assignments[bound]:
        if not isinstance(assignment, Assignment):
            return False
        top = _top_statement(ctx, assignment.node)
        if top is None or body.index(top) >= limit:
            return False
    return True


def _top_statement(ctx: FileContext, node: cst.CSTNode) -> cst.CSTNode | None:
    current: cst.CSTNode | None = node
    while current is not None:
        parent = ctx.parent(current)
        if parent is ctx.module:
            return current
        current = parent
    return None


def _lifespan_def(
    ctx: FileContext, events: AppEvents, name: str, decorator: str, annotation: str
) -> cst.BaseStatement:
    module = ctx.module
    indent, newline = written_indent(module), module.default_newline
    lines = [f"@{decorator}", f"async def {name}({PARAMETER}: {annotation}):"]
    lines.extend(indent + _call(f) for f in events.startup)
    lines.append(f"{indent}yield")
    lines.extend(indent + _call(f) for f in events.shutdown)
    code = newline.join(lines) + newline
    node = cst.parse_statement(code, config=parsing_config(module))
    blank = () if ctx.module.body[0] is events.statement else (cst.EmptyLine(),) * 2
    return node.with_changes(leading_lines=blank)


def _call(func: cst.FunctionDef) -> str:
    call = f"{func.name.value}()"
    return f"await {call}" if func.asynchronous is not None else call


def _app_statement(ctx: FileContext, events: AppEvents, name: str) -> cst.SimpleStatementLine:
    """The app's statement with `lifespan=name` passed, two blank lines after the
    lifespan, and the comments that were above it."""
    statement = events.statement
    lines = list(statement.leading_lines)
    while lines and lines[0].comment is None:
        lines.pop(0)
    new_call = _with_lifespan_argument(events.constructor, name)
    updated = statement.deep_replace(events.constructor, new_call)
    assert isinstance(updated, cst.SimpleStatementLine)
    return updated.with_changes(leading_lines=(cst.EmptyLine(), cst.EmptyLine(), *lines))


def _with_lifespan_argument(call: cst.Call, name: str) -> cst.Call:
    """`FastAPI(a=1)` -> `FastAPI(a=1, lifespan=name)`, keeping a one-argument-a-line
    layout and a trailing comma."""
    keyword = cst.Arg(
        keyword=cst.Name("lifespan"),
        value=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=(keyword,))
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        separator, closing = _split(_separator(call), last.comma.whitespace_after)
        new = keyword.with_changes(comma=last.comma.with_changes(whitespace_after=closing))
        args[-1] = last.with_changes(comma=separator)
    else:
        separator, closing = _split(_separator(call), last.whitespace_after_arg)
        new = keyword.with_changes(whitespace_after_arg=closing)
        args[-1] = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
    return call.with_changes(args=(*args, new))


def _split(
    separator: cst.Comma, after_last: cst.BaseParenthesizableWhitespace
) -> tuple[cst.Comma, cst.BaseParenthesizableWhitespace]:
    """What followed the last argument, split in two: the end of its line (with
    a comment there) stays after the last argument's new comma; the indentation
    of the closing parenthesis goes after the new argument."""
    between = separator.whitespace_after
    if not isinstance(after_last, cst.ParenthesizedWhitespace) or not isinstance(
        between, cst.ParenthesizedWhitespace
    ):
        return separator, after_last
    kept = between.with_changes(
        first_line=after_last.first_line, empty_lines=after_last.empty_lines
    )
    closing = cst.ParenthesizedWhitespace(indent=after_last.indent, last_line=after_last.last_line)
    return separator.with_changes(whitespace_after=kept), closing


def _separator(call: cst.Call) -> cst.Comma:
    """The comma between two arguments of `call` (without any comment it carried)."""
    if len(call.args) >= 2 and isinstance(call.args[-2].comma, cst.Comma):
        after = call.args[-2].comma.whitespace_after
    else:
        after = call.whitespace_before_args
    if isinstance(after, cst.ParenthesizedWhitespace):
        clean: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            indent=after.indent, last_line=after.last_line
        )
    else:
        clean = cst.SimpleWhitespace(" ")
    return cst.Comma(whitespace_after=clean)


def _undecorated(func: cst.FunctionDef) -> cst.FunctionDef:
    """`func` without its (`on_event`) decorators; comment lines among them stay."""
    leading = list(func.leading_lines)
    for decorator in func.decorators:
        leading.extend(decorator.leading_lines)
    leading.extend(func.lines_after_decorators)
    return func.with_changes(decorators=(), leading_lines=leading, lines_after_decorators=())

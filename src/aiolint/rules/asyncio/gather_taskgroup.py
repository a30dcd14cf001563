"""The AIO101 fix: a directly awaited `asyncio.gather(...)` statement becomes an
`async with asyncio.TaskGroup() as tg:` block that creates one task per argument,
followed by the statement reading the tasks' results (see `AsyncioGather`'s
"Fix safety" for the shapes that get a fix and why it is unsafe).

The block is wrapped so that it raises what `gather` raised, the first failure
itself, not the `ExceptionGroup` a TaskGroup raises (callers' `except
SomeError:` keep catching it):

    try:
        async with asyncio.TaskGroup() as tg:
            ...
    except BaseExceptionGroup as group:
        raise group.exceptions[0]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import BuiltinAssignment

from aiolint.engine.model import Applicability, Edit, Fix
from aiolint.fixes.imports import reference
from aiolint.fixes.nodes import AwaitedStatement, awaited_statement, comment_counts, descendants
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_function, is_async_function
from aiolint.semantic.shared_session import call_shares_session

#: Last name of callees known to return a future or task, not a coroutine
#: (`tg.create_task` accepts only coroutines): no fix when an argument calls one.
FUTURE_MAKERS = frozenset(
    {
        "gather",
        "ensure_future",
        "create_task",
        "shield",
        "run_in_executor",
        "create_future",
        "wrap_future",
        "run_coroutine_threadsafe",
        "as_completed",
        "Task",
        "Future",
    }
)

#: What a TaskGroup raises on failure (a builtin since Python 3.11).
GROUP_CLASS = "BaseExceptionGroup"


@dataclass(frozen=True, slots=True)
class _Site:
    """The statement line that holds the awaited gather, and its one statement."""

    line: cst.SimpleStatementLine
    statement: AwaitedStatement
    function: cst.FunctionDef


def gather_fix(ctx: FileContext, call: cst.Call) -> Fix | None:
    """The TaskGroup rewrite of the statement awaiting `call`, or None when the
    statement's shape or the arguments do not allow it."""
    site = _site(ctx, call)
    if site is None or any(arg.keyword is not None for arg in call.args):
        return None
    if call_shares_session(ctx, call) is not None:
        return None  # AIO305: a TaskGroup over one session is as wrong; await one by one
    task_group = reference(ctx, "asyncio", "TaskGroup", call)
    if task_group is None:
        return None
    names = _NamePicker(ctx, site.function, call)
    if not names.builtin(GROUP_CLASS):
        return None  # the name is taken: the first failure cannot be unwrapped
    tg = names.pick("tg", numbered=False)
    group = names.pick("group", numbered=False)
    comprehension = _comprehension(call.args)
    if comprehension is not None:
        built = _comprehension_block(site, call, comprehension, tg, names)
    else:
        built = _explicit_block(site, call, tg, names)
    if built is None:
        return None
    body, result = built
    header, leading = _header_comments(site.line, call)
    block = cst.With(
        items=[
            cst.WithItem(
                cst.Call(task_group.expression()),
                asname=cst.AsName(cst.Name(tg)),
            )
        ],
        body=cst.IndentedBlock(body=_with_leading(body, leading), header=header),
        asynchronous=cst.Asynchronous(),
    )
    new: list[cst.BaseStatement] = [_raising_first_failure(block, group, site.line.leading_lines)]
    if result is not None:
        statement = site.statement.with_changes(value=result, semicolon=cst.MaybeSentinel.DEFAULT)
        new.append(cst.SimpleStatementLine([statement]))
    if not _keeps_comments(site.line, new):
        return None
    return Fix(
        "Rewrite with `asyncio.TaskGroup`",
        Applicability.UNSAFE,
        (Edit(site.line, cst.FlattenSentinel(new)),),
        task_group.imports,
        min_version=(3, 11),
    )


def _raising_first_failure(
    block: cst.With, group: str, leading_lines: Sequence[cst.EmptyLine]
) -> cst.Try:
    """`try: <block>` + `except BaseExceptionGroup as <group>: raise
    <group>.exceptions[0]`: the failure that stopped the TaskGroup (the first
    one, as `gather` raised it), as itself. A group of several keeps the
    others as the raised exception's `__context__`; a task's own
    `ExceptionGroup` comes out as that group, as `gather` raised it."""
    template = cst.parse_statement(
        f"try:\n    pass\nexcept {GROUP_CLASS} as {group}:\n    raise {group}.exceptions[0]\n"
    )
    assert isinstance(template, cst.Try)
    return template.with_changes(
        body=cst.IndentedBlock([block]), leading_lines=tuple(leading_lines)
    )


def _site(ctx: FileContext, call: cst.Call) -> _Site | None:
    """`await gather(...)` as an expression statement, the value of an assignment
    to one target, or a `return` value, alone on its line in an async function."""
    found = awaited_statement(ctx, call)
    if found is None:
        return None
    line, statement, _ = found
    if isinstance(statement, cst.Assign) and len(statement.targets) != 1:
        return None
    function = enclosing_function(ctx, line)
    if function is None or not is_async_function(function):
        return None
    return _Site(line, statement, function)


def _comprehension(args: Sequence[cst.Arg]) -> cst.ListComp | cst.GeneratorExp | None:
    """The comprehension of `gather(*[f(i) for i in xs])` / `gather(*(f(i) for ...))`."""
    if len(args) != 1 or args[0].star != "*":
        return None
    value = args[0].value
    return value if isinstance(value, cst.ListComp | cst.GeneratorExp) else None


def _comprehension_block(
    site: _Site,
    call: cst.Call,
    comprehension: cst.ListComp | cst.GeneratorExp,
    tg: str,
    names: _NamePicker,
) -> tuple[list[cst.BaseStatement], cst.BaseExpression | None] | None:
    """`tasks = [tg.create_task(f(i)) for i in xs]`; results `[t.result() for t in tasks]`.
    An expression statement needs no results: `for i in xs: tg.create_task(f(i))`
    when the loop variables are free in the function (else the `tasks` list)."""
    if not _spawnable(comprehension.elt) or _suspends(comprehension):
        return None
    target = site.statement.targets[0].target if isinstance(site.statement, cst.Assign) else None
    if isinstance(target, cst.Tuple | cst.List) and not _plain_targets(target):
        return None
    if isinstance(site.statement, cst.Expr):
        loop = _loop(comprehension, tg, names, call.args[0])
        if loop is not None:
            return [loop], None
    tasks = names.pick("tasks", numbered=False)
    created = cst.ListComp(elt=_create_task(tg, comprehension.elt), for_in=comprehension.for_in)
    line = _assign_line(tasks, created, call.args[0])
    result = None
    if not isinstance(site.statement, cst.Expr):
        result = cst.ListComp(
            elt=_result(cst.Name("t")),
            for_in=cst.CompFor(target=cst.Name("t"), iter=cst.Name(tasks)),
        )
    return [line], result


def _loop(
    comprehension: cst.ListComp | cst.GeneratorExp, tg: str, names: _NamePicker, arg: cst.Arg
) -> cst.For | None:
    """`for i in xs: [if c:] tg.create_task(f(i))` for a one-`for` comprehension
    whose loop variables no other code of the function (or enclosing scope) uses:
    a `for` loop binds them in the function, a comprehension does not."""
    for_in = comprehension.for_in
    if for_in.inner_for_in is not None:
        return None
    bound = _target_names(for_in.target)
    if bound is None or not names.free_outside(bound, comprehension):
        return None
    inner: cst.BaseStatement = cst.SimpleStatementLine(
        [cst.Expr(_create_task(tg, comprehension.elt))]
    )
    for condition in reversed(for_in.ifs):
        inner = cst.If(test=condition.test, body=cst.IndentedBlock([inner]))
    comment = _line_comment(_after(arg))
    header = (
        cst.TrailingWhitespace(cst.SimpleWhitespace("  "), comment)
        if comment is not None
        else cst.TrailingWhitespace()
    )
    return cst.For(
        target=for_in.target.with_changes(lpar=(), rpar=())
        if isinstance(for_in.target, cst.Tuple)
        else for_in.target,
        iter=for_in.iter,
        body=cst.IndentedBlock([inner], header=header),
    )


def _target_names(target: cst.BaseAssignTargetExpression) -> list[str] | None:
    """The names a comprehension target binds, if it is only names."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Tuple | cst.List):
        found: list[str] = []
        for element in target.elements:
            if not isinstance(element, cst.Element) or not isinstance(element.value, cst.Name):
                return None
            found.append(element.value.value)
        return found
    return None


def _explicit_block(
    site: _Site, call: cst.Call, tg: str, names: _NamePicker
) -> tuple[list[cst.BaseStatement], cst.BaseExpression | None] | None:
    """`task_a = tg.create_task(a())` per argument; results in argument order.
    An expression statement reads no results: `tg.create_task(a())` alone."""
    args = call.args
    if not args or any(arg.star or not _spawnable(arg.value) for arg in args):
        return None
    if any(_suspends(arg.value) for arg in args):
        return None
    statement = site.statement
    if isinstance(statement, cst.Expr):
        return [_assign_line(None, _create_task(tg, arg.value), arg) for arg in args], None
    task_names = names.tasks([arg.value for arg in args])
    lines: list[cst.BaseStatement] = [
        _assign_line(name, _create_task(tg, arg.value), arg)
        for name, arg in zip(task_names, args, strict=True)
    ]
    results = [_result(cst.Name(name)) for name in task_names]
    target = statement.targets[0].target if isinstance(statement, cst.Assign) else None
    if isinstance(target, cst.Tuple | cst.List):
        if not _plain_targets(target) or len(target.elements) != len(results):
            return None
        return lines, _bare_tuple(results)
    return lines, cst.List([cst.Element(r) for r in results])


def _spawnable(value: cst.BaseExpression) -> bool:
    """A call that may return a coroutine (not one known to return a future)."""
    if not isinstance(value, cst.Call):
        return False
    return _callee(value) not in FUTURE_MAKERS


def _callee(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


class _Finder(cst.CSTVisitor):
    """Whether a subtree awaits, yields or iterates asynchronously."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Await(self, node: cst.Await) -> bool:
        self.found = True
        return False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self.found = True


def _suspends(node: cst.CSTNode) -> bool:
    """An `await`, `yield` or `async for` would let started tasks run while the
    remaining ones are still being created (gather creates them all first)."""
    finder = _Finder()
    node.visit(finder)
    return finder.found


def _plain_targets(target: cst.Tuple | cst.List) -> bool:
    return all(
        not isinstance(e, cst.StarredElement)
        and isinstance(e.value, cst.Name | cst.Attribute | cst.Subscript)
        for e in target.elements
    )


def _create_task(tg: str, value: cst.BaseExpression) -> cst.Call:
    return cst.Call(cst.Attribute(cst.Name(tg), cst.Name("create_task")), [cst.Arg(value)])


def _result(task: cst.BaseExpression) -> cst.Call:
    return cst.Call(cst.Attribute(task, cst.Name("result")))


def _bare_tuple(values: Sequence[cst.BaseExpression]) -> cst.Tuple:
    """`a, b` (`a,` for one value) without parentheses."""
    elements = [
        cst.Element(v, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for v in values[:-1]
    ]
    last = cst.Comma() if len(values) == 1 else cst.MaybeSentinel.DEFAULT
    elements.append(cst.Element(values[-1], comma=last))
    return cst.Tuple(elements, lpar=[], rpar=[])


def _assign_line(
    name: str | None, value: cst.BaseExpression, arg: cst.Arg
) -> cst.SimpleStatementLine:
    """`name = value` (`value` alone without a name), with the comment that
    ended the argument's line (comment lines between arguments are added by
    `_with_leading`)."""
    comment = _line_comment(_after(arg))
    trailing = (
        cst.TrailingWhitespace(cst.SimpleWhitespace("  "), comment)
        if comment is not None
        else cst.TrailingWhitespace()
    )
    statement = (
        cst.Expr(value) if name is None else cst.Assign([cst.AssignTarget(cst.Name(name))], value)
    )
    return cst.SimpleStatementLine(
        [statement],
        trailing_whitespace=trailing,
    )


def _after(arg: cst.Arg) -> cst.BaseParenthesizableWhitespace:
    if isinstance(arg.comma, cst.Comma):
        return arg.comma.whitespace_after
    return arg.whitespace_after_arg


def _line_comment(ws: cst.BaseParenthesizableWhitespace) -> cst.Comment | None:
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.first_line.comment
    return None


def _comment_lines(ws: cst.BaseParenthesizableWhitespace) -> list[cst.EmptyLine]:
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return []
    return [cst.EmptyLine(comment=e.comment) for e in ws.empty_lines if e.comment is not None]


def _header_comments(
    line: cst.SimpleStatementLine, call: cst.Call
) -> tuple[cst.TrailingWhitespace, list[list[cst.EmptyLine]]]:
    """The `async with` line's comment (the statement's, or the one after
    `gather(`), and per argument the comment lines written above it."""
    comment = _line_comment(call.whitespace_before_args) or line.trailing_whitespace.comment
    header = (
        cst.TrailingWhitespace(cst.SimpleWhitespace("  "), comment)
        if comment is not None
        else cst.TrailingWhitespace()
    )
    above = [_comment_lines(call.whitespace_before_args)]
    above.extend(_comment_lines(_after(arg)) for arg in call.args)
    return header, above


def _with_leading(
    lines: list[cst.BaseStatement], leading: list[list[cst.EmptyLine]]
) -> list[cst.BaseStatement]:
    return [
        line.with_changes(leading_lines=above)
        for line, above in zip(lines, leading[: len(lines)], strict=True)
    ]


def _keeps_comments(line: cst.SimpleStatementLine, new: Sequence[cst.BaseStatement]) -> bool:
    """Every comment of the statement (its leading lines are carried as they are)
    has a place in the new code."""
    old = comment_counts([line.with_changes(leading_lines=())])
    first, *rest = new
    return old == comment_counts([first.with_changes(leading_lines=()), *rest])


class _NamePicker:
    """New names that no name of the function (nested scopes included) or of
    its enclosing and global scopes uses, nor each other."""

    def __init__(self, ctx: FileContext, function: cst.FunctionDef, at: cst.CSTNode) -> None:
        self.function = function
        self.used = _names(function)
        self.scope = ctx.scopes.get(at)
        #: The next number to try per base name (`pick`).
        self.numbers: dict[str, int] = {}

    def free_outside(self, names: Sequence[str], inside: cst.CSTNode) -> bool:
        """Whether no code of the function but `inside` uses `names`, and no
        enclosing scope binds them."""
        used = _names(self.function, skip=inside)
        return not any(
            name in used or (self.scope is not None and self.scope[name]) for name in names
        )

    def builtin(self, name: str) -> bool:
        """Whether `name` means the builtin here (no scope rebinds it)."""
        if self.scope is None:
            return False
        return all(isinstance(a, BuiltinAssignment) for a in self.scope[name])

    def free(self, name: str) -> bool:
        if name in self.used:
            return False
        return self.scope is None or not self.scope[name]

    def pick(self, base: str, numbered: bool) -> str:
        """`base` if free (unless `numbered`), else the first free `base_1`, `base_2`..."""
        if not numbered and self.free(base):
            self.used.add(base)
            return base
        # Names only ever become taken: the search resumes after the last number
        # picked for `base` (from 1 each time, naming a gather's N tasks cost N²).
        n = self.numbers.get(base, 1)
        while not self.free(f"{base}_{n}"):
            n += 1
        self.numbers[base] = n + 1
        self.used.add(f"{base}_{n}")
        return f"{base}_{n}"

    def tasks(self, calls: Sequence[cst.BaseExpression]) -> list[str]:
        """`task_<callee>` per call (numbered when a callee repeats); `task_1`,
        `task_2`... for callees without a name."""
        bases = []
        for call in calls:
            callee = _callee(call) if isinstance(call, cst.Call) else None
            callee = callee.lstrip("_") if callee else None
            bases.append(f"task_{callee}" if callee else "task")
        repeats = Counter(bases)
        return [self.pick(base, numbered=base == "task" or repeats[base] > 1) for base in bases]


def _names(root: cst.CSTNode, skip: cst.CSTNode | None = None) -> set[str]:
    """The identifiers of every `Name` under `root`, not looking into `skip`."""
    return {node.value for node in descendants([root], skip) if isinstance(node, cst.Name)}

"""AIO102: an `except` handler (or `contextlib.suppress`) in async code that
swallows `asyncio.CancelledError`."""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Iterable

import libcst as cst

from aiolint.engine.gate import AstFacts, suspends
from aiolint.engine.model import Applicability, Edit, Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.fixes.imports import reference
from aiolint.fixes.suites import append_statement, prepend_statement
from aiolint.semantic.bindings import origin
from aiolint.semantic.context import FileContext
from aiolint.semantic.flow import Truth, always_raises
from aiolint.semantic.functions import enclosing_function, in_async_code
from aiolint.semantic.model import region_bindings
from aiolint.semantic.names import (
    call_name,
    dotted,
    may_call,
    module_imports,
    qualified_name,
)
from aiolint.semantic.visit_order import SCOPE_NODES, children, own_code

CANCELLED_ERROR = frozenset({"asyncio.CancelledError", "asyncio.exceptions.CancelledError"})
BASE_EXCEPTION = frozenset({"builtins.BaseException"})
SUPPRESS = frozenset({"contextlib.suppress"})
CURRENT_TASK = frozenset({"asyncio.current_task()", "asyncio.tasks.current_task()"})

Handler = cst.ExceptHandler | cst.ExceptStarHandler
#: Text every file this rule can flag contains: a catching class's own name,
#: `suppress`, or a bare `except:`.
_CATCH_TEXT = re.compile(r"CancelledError|BaseException|suppress|except\s*:")


class Catch(enum.Enum):
    """How a handler (or `suppress`) comes to catch `asyncio.CancelledError`."""

    CANCELLED = "`asyncio.CancelledError`"
    BASE = "`BaseException`"
    BARE = "bare `except:`"


class CancelledErrorSwallowed(Rule):
    """An `except` in async code that can swallow `asyncio.CancelledError`.

    ## What it does
    Finds, inside an `async def`, an `except` or `except*` handler that catches
    `asyncio.CancelledError` (named alone or in a tuple, also as
    `asyncio.exceptions.CancelledError`), `BaseException`, or everything (bare
    `except:`), when some path leaves the handler without raising: falling off
    its end, `return`, `break` or `continue`. Also finds
    `contextlib.suppress(...)` naming `CancelledError` or `BaseException` in
    async code.

    Only the first handler of a `try` that can catch `CancelledError` counts,
    and only when the `try` body can be cancelled at all: it awaits, uses
    `async for`/`async with`, or yields. A handler that raises on every path
    is fine, whether it re-raises (`raise`, `raise exc`) or raises another
    exception, and so is one that re-raises under
    `if asyncio.current_task().cancelling():` or, for its own `as exc`, under
    `if isinstance(exc, asyncio.CancelledError):` or
    `if not isinstance(exc, Exception):`. `except Exception` does not
    catch `CancelledError` (Python 3.8+) and is never flagged, and neither are
    `BaseException` and bare `except:` in a module that imports trio but
    neither asyncio nor anyio.

    ## Why is this bad?
    `task.cancel()`, `asyncio.timeout()`, `TaskGroup` and server shutdown all
    work by raising `CancelledError` inside the task at an `await`. A handler
    that swallows it makes the task carry on as if nothing happened: shutdown
    hangs, timeouts never fire, and a `TaskGroup` cannot stop its tasks.

    Awaiting a task you have just cancelled (`task.cancel()` then
    `try: await task` / `except CancelledError: pass`) has the same problem: if
    *this* task is cancelled while it waits, that cancellation is swallowed
    too. Re-raise when `asyncio.current_task().cancelling()` is non-zero.

    ## Example
    ```python
    import asyncio


    async def consume(queue, handle):
        while True:
            try:
                job = await queue.get()
                await handle(job)
            except asyncio.CancelledError:
                print("worker interrupted, continuing")
    ```

    ## Use instead
    ```python
    import asyncio


    async def consume(queue, handle):
        while True:
            try:
                job = await queue.get()
                await handle(job)
            except asyncio.CancelledError:
                print("worker cancelled, stopping")
                raise
    ```

    ## Fix safety
    The fix is unsafe: on cancellation the code after the handler no longer
    runs, and callers that relied on the swallow (a loop that carried on, a
    function that returned normally) now see `CancelledError`.

    A handler that catches more than cancellation (`BaseException`, bare
    `except:`, a tuple naming `CancelledError` beside other classes) and only
    passes, logs, sets a name to a literal or leaves gets `except
    asyncio.CancelledError: raise` inserted before it (`except*` in an
    `except*` chain): cancellation goes through, every other exception is
    handled as before, but the handler no longer runs on cancellation. One
    that does more (a cleanup, a call that forwards the exception such as
    SQLAlchemy's `context.throw(*sys.exc_info())`) gets no fix. An
    `except asyncio.CancelledError:` whose body only passes, logs (`log.info(...)`,
    `print(...)`) and perhaps returns (nothing, a literal or a name) gets a bare
    `raise` at its end, in place of a lone `pass` or of the `return`; a
    one-line handler becomes an indented block, its comment kept on the
    `except` line. A handler that does more (a cleanup, a retry, collecting
    errors, a nested `try`) or that already raises on some path catches
    cancellation on purpose: it gets no fix, the message still explains. In
    `except*` the bare `raise` re-raises the matched group: a cancelled task
    then stops with a `BaseExceptionGroup` holding the `CancelledError`
    instead of ending cancelled (`asyncio.timeout()` does not turn that into
    `TimeoutError`).

    When the function cancels the awaited task earlier (`task.cancel()` in any
    statement before the `try`, or in a loop around it; the `try` body only
    awaits that task), it instead
    starts the handler with `if asyncio.current_task().cancelling(): raise`,
    which keeps absorbing the awaited task's cancellation but no longer this
    task's own. `Task.cancelling()` is new in Python 3.11: with an older
    `target-version` this pattern gets no fix. `contextlib.suppress(...)`
    findings get no fix.

    ## References
    - [asyncio.CancelledError](https://docs.python.org/3/library/asyncio-exceptions.html#asyncio.CancelledError)
    - [Task cancellation](https://docs.python.org/3/library/asyncio-task.html#task-cancellation)
    - [Task.cancelling](https://docs.python.org/3/library/asyncio-task.html#asyncio.Task.cancelling)
    """

    code = "AIO102"
    name = "cancelled-error-swallowed"
    fix_availability = FixAvailability.SOMETIMES
    # Everything this rule flags is inside an `async def`.
    prefilter = ("async",)

    @classmethod
    def may_match(cls, text: str) -> bool:
        """Every catch resolves to a name the file spells out, or is a bare `except:`."""
        return super().may_match(text) and _CATCH_TEXT.search(text) is not None

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        if facts.calls_to(SUPPRESS, in_async=True):
            return True
        return any(
            any(
                (handler.type is None or _may_name_catch(facts, handler.type))
                and not _surely_raises(handler)
                for handler in node.handlers
            )
            and suspends(node.body)  # walks the whole body: asked last
            for node in facts.async_tries
        )

    def visit_Try(self, node: cst.Try) -> None:
        self._check_try(node)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._check_try(node)

    def visit_Call(self, node: cst.Call) -> None:
        if not may_call(self.ctx, node, SUPPRESS) or call_name(self.ctx, node) not in SUPPRESS:
            return
        catch = _strongest(self._catch(arg.value) for arg in node.args if arg.keyword is None)
        if catch is None or not in_async_code(self.ctx, node):
            return
        with_stmt = self._with_of(node)
        if with_stmt is not None and not _can_be_cancelled(with_stmt.body):
            return
        if with_stmt is not None and _awaits_task_cancelled_before(self.ctx, with_stmt):
            advice = (
                "after `task.cancel()`, await the task in `try`/`except asyncio.CancelledError:` "
                "and re-raise when `asyncio.current_task().cancelling()` is non-zero"
            )
        else:
            advice = "catch it in an `except` that ends with `raise`"
        self.report(
            node,
            f"`contextlib.suppress()` of {catch.value} in async code swallows "
            f"the task's cancellation; {advice}",
        )

    # --- except handlers ----------------------------------------------------------

    def _check_try(self, node: cst.Try | cst.TryStar) -> None:
        if not in_async_code(self.ctx, node) or not _can_be_cancelled(node.body):
            return
        for handler in node.handlers:
            catch = self._handler_catch(handler)
            if catch is None:
                continue
            # The first handler that can catch CancelledError is the only one
            # that ever sees it.
            if not always_raises(handler.body, self._truth_in(handler)):
                self.report(
                    handler,
                    self._message(node, handler, catch),
                    fix=self._fix(node, handler, catch),
                )
            return

    def _fix(self, node: cst.Try | cst.TryStar, handler: Handler, catch: Catch) -> Fix | None:
        if _awaits_task_cancelled_before(self.ctx, node):
            return self._cancelling_fix(handler)
        if _raises_somewhere(handler.body):
            return None  # the handler decides when to re-raise: no blind `raise`
        if catch is Catch.CANCELLED and self._catches_only_cancelled(handler):
            return _reraise_fix(handler)
        if not _only_passes_or_logs(handler.body):
            # A cleanup, a call that forwards the exception (`context.throw(...)`,
            # `handle_error(exc)`), a retry: on purpose; skipping it would break it.
            return None
        return self._let_cancellation_through(handler)

    def _catches_only_cancelled(self, handler: Handler) -> bool:
        return (
            handler.type is not None and qualified_name(self.ctx, handler.type) in CANCELLED_ERROR
        )

    def _let_cancellation_through(self, handler: Handler) -> Fix | None:
        """`except asyncio.CancelledError: raise` inserted before a handler that
        catches more than cancellation (`BaseException`, bare `except:`, a tuple):
        everything else it catches is handled as before."""
        cancelled = reference(self.ctx, "asyncio", "CancelledError", handler)
        if cancelled is None:
            return None
        star = isinstance(handler, cst.ExceptStarHandler)
        kind = cst.ExceptStarHandler if star else cst.ExceptHandler
        let_through = kind(
            type=cancelled.expression(),
            body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Raise()])]),
        )
        keyword = "except*" if star else "except"
        return Fix(
            f"Let cancellation through: `{keyword} asyncio.CancelledError: raise` first",
            Applicability.UNSAFE,
            (Edit(handler, cst.FlattenSentinel([let_through, handler])),),
            cancelled.imports,
        )

    def _cancelling_fix(self, handler: Handler) -> Fix | None:
        """Start the handler with `if asyncio.current_task().cancelling(): raise`
        (3.11+): the awaited task's own cancellation is still absorbed, ours is not."""
        current_task = reference(self.ctx, "asyncio", "current_task", handler)
        if current_task is None:
            return None
        test = cst.Call(
            func=cst.Attribute(
                value=cst.Call(func=current_task.expression()), attr=cst.Name("cancelling")
            )
        )
        guard = cst.If(
            test=test, body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Raise()])])
        )
        return Fix(
            "Re-raise when the current task is being cancelled",
            Applicability.UNSAFE,
            (Edit(handler.body, prepend_statement(handler.body, guard)),),
            current_task.imports,
            min_version=(3, 11),
        )

    def _message(self, node: cst.Try | cst.TryStar, handler: Handler, catch: Catch) -> str:
        keyword = "except*" if isinstance(handler, cst.ExceptStarHandler) else "except"
        if catch is Catch.CANCELLED:
            problem = f"`{keyword} asyncio.CancelledError` can exit without re-raising"
        else:
            subject = "Bare `except:`" if catch is Catch.BARE else f"`{keyword} BaseException`"
            problem = (
                f"{subject} catches `asyncio.CancelledError` and can exit without re-raising it"
            )
        if _awaits_task_cancelled_before(self.ctx, node):
            advice = (
                "after `task.cancel()`, re-raise when "
                "`asyncio.current_task().cancelling()` is non-zero"
            )
        elif catch is Catch.CANCELLED:
            advice = "end every path of the handler with `raise`"
        else:
            advice = "catch `Exception` instead or end every path of the handler with `raise`"
        return f"{problem}, swallowing the task's cancellation; {advice}"

    def _handler_catch(self, handler: Handler) -> Catch | None:
        if handler.type is None:
            return Catch.BARE if self._may_run_on_asyncio() else None
        return self._catch(handler.type)

    def _may_run_on_asyncio(self) -> bool:
        """False for a module that imports trio and neither asyncio nor anyio: its
        `BaseException` handlers see `trio.Cancelled`, never asyncio's error."""
        return not module_imports(self.ctx, "trio") or module_imports(self.ctx, "asyncio", "anyio")

    def _catch(self, expr: cst.BaseExpression) -> Catch | None:
        """Whether an exception class (or tuple of them) covers CancelledError."""
        if isinstance(expr, cst.Tuple):
            return _strongest(
                self._catch(element.value)
                for element in expr.elements
                if isinstance(element, cst.Element)
            )
        name = qualified_name(self.ctx, expr)
        if name in CANCELLED_ERROR:
            return Catch.CANCELLED
        if name in BASE_EXCEPTION and self._may_run_on_asyncio():
            return Catch.BASE
        return None

    def _truth_in(self, handler: Handler) -> Truth:
        """Tests known while `handler` handles a cancellation: the `cancelling()`
        checks, and `isinstance(exc, ...)` of the handler's own `as exc`."""
        bound = _kept_bound_name(self.ctx, handler)

        def truth(test: cst.BaseExpression) -> bool | None:
            known = self._truth_when_cancelling(test)
            if known is None and bound:
                known = self._isinstance_truth(test, bound)
            return known

        return truth

    def _isinstance_truth(self, test: cst.BaseExpression, bound: str) -> bool | None:
        """`isinstance(exc, C)` while `exc` is a CancelledError: True when C (or
        an element of a tuple C) is CancelledError or BaseException, False when
        every C is another builtin exception (`Exception`, ...), else unknown."""
        if not (
            isinstance(test, cst.Call)
            and qualified_name(self.ctx, test.func) == "builtins.isinstance"
            and len(test.args) == 2
            and not any(arg.star or arg.keyword for arg in test.args)
            and isinstance(test.args[0].value, cst.Name)
            and test.args[0].value.value == bound
        ):
            return None
        classes = test.args[1].value
        elements = classes.elements if isinstance(classes, cst.Tuple) else [cst.Element(classes)]
        if not all(isinstance(e, cst.Element) for e in elements):
            return None  # `*more` classes
        names = [qualified_name(self.ctx, e.value) for e in elements]
        if any(name in CANCELLED_ERROR or name in BASE_EXCEPTION for name in names):
            return True
        if all(name is not None and name.startswith("builtins.") for name in names):
            return False
        return None

    def _truth_when_cancelling(self, test: cst.BaseExpression) -> bool | None:
        """Tests whose value is known while this task is being cancelled (3.11+).

        True: `asyncio.current_task().cancelling()` (also through a name bound to
        `asyncio.current_task()`, by `=` or `:=`), compared `> 0`, `!= 0` or
        `>= 1`; the current task itself and `<it> is not None`; and
        `sys.version_info >= (3, 11)` (`cancelling()` exists from 3.11 on).
        False: `cancelling() == 0`. `flow` combines them with `not`/`and`/`or`,
        so aiohttp's `if sys.version_info >= (3, 11) and (task :=
        asyncio.current_task()) and task.cancelling(): raise` is understood.
        """
        if self._is_cancelling_call(test) or self._is_current_task(test):
            return True
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return None
        left, target = test.left, test.comparisons[0]
        operator, right = target.operator, target.comparator
        if isinstance(operator, cst.IsNot) and _is_none(right) and self._is_current_task(left):
            return True
        if qualified_name(self.ctx, left) == "sys.version_info":
            newer = isinstance(operator, cst.GreaterThan | cst.GreaterThanEqual)
            return True if newer and _version(right) >= (3, 11) else None
        if not self._is_cancelling_call(left) or not isinstance(right, cst.Integer):
            return None
        bound = int(right.evaluated_value)
        if bound == 0 and isinstance(operator, cst.GreaterThan | cst.NotEqual):
            return True
        if bound == 1 and isinstance(operator, cst.GreaterThanEqual):
            return True
        if bound == 0 and isinstance(operator, cst.Equal | cst.LessThanEqual):
            return False
        return None

    def _is_current_task(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.NamedExpr):
            expr = expr.value
        return self._may_use_current_task() and origin(self.ctx, expr) in CURRENT_TASK

    def _may_use_current_task(self) -> bool:
        """Whether the file can reach `current_task` at all: through an attribute
        (`asyncio.current_task`) or an import of it (no scope analysis)."""
        facts = self.ctx.facts
        if facts is None or not self.ctx.options.own_names:
            return True
        return "current_task" in facts.attributes or any(
            name.rsplit(".", 1)[-1] == "current_task"
            for names in facts.imports.values()
            for name in names
        )

    def _is_cancelling_call(self, expr: cst.BaseExpression) -> bool:
        return (
            self._may_use_current_task()
            and isinstance(expr, cst.Call)
            and not expr.args
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "cancelling"
            and origin(self.ctx, expr.func.value) in CURRENT_TASK
        )

    # --- contextlib.suppress --------------------------------------------------------

    def _with_of(self, call: cst.Call) -> cst.With | None:
        """The `with` statement whose item is `call` itself."""
        item = self.ctx.parent(call)
        if not isinstance(item, cst.WithItem) or item.item is not call:
            return None
        statement = self.ctx.parent(item)
        return statement if isinstance(statement, cst.With) else None


def _kept_bound_name(ctx: FileContext, handler: Handler) -> str:
    """The `as exc` name of an `except` (not `except*`: that binds a group) when
    the handler body never rebinds it (else "")."""
    if isinstance(handler, cst.ExceptStarHandler) or handler.name is None:
        return ""
    name = handler.name.name
    if not isinstance(name, cst.Name):
        return ""
    facts = ctx.facts
    if (
        facts is not None
        and ctx.options.own_names
        and name.value not in facts.walrus
        and name.value not in facts.declared
    ):  # aiolint's own model: what the handler's code binds in its scope
        return "" if name.value in region_bindings(handler.body) else name.value
    scope = ctx.scopes.get(handler)
    if scope is None:
        return ""
    for assignment in scope[name.value]:
        node = getattr(assignment, "node", None)
        if node is not name and node is not None and _inside(ctx, node, handler.body):
            return ""
    return name.value


def _inside(ctx: FileContext, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
    current: cst.CSTNode | None = node
    while current is not None:
        if current is ancestor:
            return True
        current = ctx.parent(current)
    return False


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _version(node: cst.BaseExpression) -> tuple[int, ...]:
    """`(3, 11)` -> (3, 11); anything else -> ()."""
    if not isinstance(node, cst.Tuple):
        return ()
    parts: list[int] = []
    for element in node.elements:
        if not isinstance(element.value, cst.Integer):
            return ()
        parts.append(int(element.value.evaluated_value))
    return tuple(parts)


def _strongest(catches: Iterable[Catch | None]) -> Catch | None:
    """The broadest of several catches (BARE > BASE > CANCELLED), or None."""
    found = set(catches)
    for catch in (Catch.BARE, Catch.BASE, Catch.CANCELLED):
        if catch in found:
            return catch
    return None


class _SuspensionFinder(cst.CSTVisitor):
    """Finds an `await`, `async for`, `async with` or `yield` of the code being
    visited (nested functions, lambdas and classes run elsewhere)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Await(self, node: cst.Await) -> bool:
        self.found = True
        return False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_For(self, node: cst.For) -> bool:
        self.found = self.found or node.asynchronous is not None
        return not self.found

    def visit_With(self, node: cst.With) -> bool:
        self.found = self.found or node.asynchronous is not None
        return not self.found

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        self.found = self.found or node.asynchronous is not None
        return not self.found

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def _can_be_cancelled(body: cst.BaseSuite) -> bool:
    """Whether the task can receive a cancellation while running `body`:
    CancelledError is thrown into a coroutine only where it suspends."""
    finder = _SuspensionFinder()
    body.visit(finder)
    return finder.found


def _awaits_task_cancelled_before(ctx: FileContext, node: cst.Try | cst.TryStar | cst.With) -> bool:
    """A `try`/`with` whose body only awaits a task that the same function
    cancels earlier: `task.cancel()` in any statement before it, or anywhere in
    a loop around it (the "cancel, then wait for it to finish" idiom, also as
    `for t in tasks: t.cancel()` and a later `for t in tasks: try: await t`)."""
    awaited = _only_awaited(node.body)
    if not awaited:
        return False
    function = enclosing_function(ctx, node)
    root: cst.CSTNode = function.body if function is not None else ctx.module
    loops: set[cst.CSTNode] = set()
    parent = ctx.parent(node)
    while parent is not None and parent is not root:
        if isinstance(parent, cst.For | cst.While):
            loops.add(parent)
        parent = ctx.parent(parent)
    reached = False
    # Pre-order, in code order; each entry: (node, inside a loop around `node`).
    pending: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    while pending:
        current, in_loop = pending.pop()
        if current is node:
            reached = True
            continue
        if isinstance(current, SCOPE_NODES):
            continue  # runs elsewhere
        if (not reached or in_loop) and _cancels(current, awaited):
            return True
        in_loop = in_loop or current in loops
        pending.extend((child, in_loop) for child in reversed(children(current)))
    return False


def _cancels(node: cst.CSTNode, awaited: str) -> bool:
    """`<awaited>.cancel()`."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "cancel"
        and dotted(node.func.value) == awaited
    )


#: Method names of a log call (`logger.info(...)`, `log.exception(...)`).
_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
)


def _reraise_fix(handler: Handler) -> Fix | None:
    """For `except asyncio.CancelledError:` whose body only passes, logs and
    perhaps returns: `raise` at its end (in place of the `pass` or the
    `return`). A handler doing more (cleanups, collecting errors, keeping a
    listener alive) catches cancellation on purpose: no fix."""
    lines = _handler_lines(handler.body)
    if lines is None:
        return None
    smalls = [small for line in lines for small in line.body]
    if not all(_passes_or_logs(small) for small in smalls[:-1]):
        return None
    last = smalls[-1]
    raise_line = cst.SimpleStatementLine(body=[cst.Raise()])
    if isinstance(last, cst.Return):
        if not _trivial(last.value) or len(lines[-1].body) != 1:
            return None
        if isinstance(handler.body, cst.IndentedBlock):
            edit = Edit(lines[-1], lines[-1].with_changes(body=[cst.Raise()]))
        else:
            edit = Edit(handler.body, handler.body.with_changes(body=[*smalls[:-1], cst.Raise()]))
    elif _passes_or_logs(last):
        edit = Edit(handler.body, append_statement(handler.body, raise_line))
    else:
        return None
    return Fix("Re-raise at the end of the handler", Applicability.UNSAFE, (edit,))


def _only_passes_or_logs(body: cst.BaseSuite) -> bool:
    """A handler body of simple statements that only pass, log, set a name to a
    literal, or leave (`return` of a literal, `break`, `continue`)."""
    lines = _handler_lines(body)
    if lines is None:
        return False
    for small in (small for line in lines for small in line.body):
        if _passes_or_logs(small) or isinstance(small, cst.Break | cst.Continue):
            continue
        if isinstance(small, cst.Return) and _trivial(small.value):
            continue
        if isinstance(small, cst.Assign | cst.AnnAssign) and _literal(small.value):
            continue  # `data = b""`; keeping the exception (`error = exc`) is on purpose
        return False
    return True


def _handler_lines(body: cst.BaseSuite) -> list[cst.SimpleStatementLine] | None:
    """The handler's statement lines, or None when it holds a compound statement."""
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    lines = list(body.body) if isinstance(body, cst.IndentedBlock) else []
    if not lines or not all(isinstance(line, cst.SimpleStatementLine) for line in lines):
        return None
    return lines  # type: ignore[return-value]


def _passes_or_logs(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.Pass):
        return True
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    func = small.value.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in _LOG_METHODS
    return isinstance(func, cst.Name) and func.value == "print"


def _literal(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.BaseNumber | cst.SimpleString) or (
        isinstance(value, cst.Name) and value.value in ("None", "True", "False")
    )


def _trivial(value: cst.BaseExpression | None) -> bool:
    """A returned value that does nothing when dropped: none, a literal, a name."""
    return value is None or isinstance(value, cst.BaseNumber | cst.SimpleString | cst.Name)


def _raises_somewhere(body: cst.BaseSuite) -> bool:
    """A `raise` on some path of the handler (nested functions and classes aside)."""
    return any(isinstance(node, cst.Raise) for node in own_code(body))


def _only_awaited(body: cst.BaseSuite) -> str:
    """`x` / `self.x` when `body` is the single statement `await x` (else "")."""
    if len(body.body) != 1:
        return ""
    statement = body.body[0]
    if isinstance(statement, cst.SimpleStatementLine):
        if len(statement.body) != 1:
            return ""
        statement = statement.body[0]
    if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Await):
        return dotted(statement.value.expression)
    return ""


def _may_name_catch(facts: AstFacts, expr: ast.expr) -> bool:
    """Whether a handler's class expression may name CancelledError or BaseException."""
    return any(
        facts.resolves_to(node, CANCELLED_ERROR | BASE_EXCEPTION)
        for node in ast.walk(expr)
        if isinstance(node, ast.Name | ast.Attribute)
    )


def _surely_raises(handler: ast.ExceptHandler) -> bool:
    """A handler with a top-level `raise` and no `return`, `break` or `continue`
    anywhere in it: every path ends in a raise (so `always_raises` holds)."""
    if not any(isinstance(statement, ast.Raise) for statement in handler.body):
        return False
    return not any(
        isinstance(node, ast.Return | ast.Break | ast.Continue)
        for statement in handler.body
        for node in ast.walk(statement)
    )

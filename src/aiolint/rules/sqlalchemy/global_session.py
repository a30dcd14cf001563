"""AIO302: a session instance that outlives a request."""

import ast

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import FixAvailability
from aiolint.engine.rule import Rule
from aiolint.semantic.bindings import origin
from aiolint.semantic.functions import enclosing_scope, in_async_code
from aiolint.semantic.sqlalchemy import (
    SQLA_ROOTS,
    SqlaKind,
    classify,
    may_annotate_kind,
    may_have_kind,
    type_kind,
)

#: What `app` in `app.state.x = ...` may be made from.
APP_CLASSES = frozenset(
    {
        "fastapi.FastAPI()",
        "fastapi.applications.FastAPI()",
        "starlette.applications.Starlette()",
    }
)
APP_NAMES = frozenset({"app", "application"})
_INSTANCES = frozenset({SqlaKind.SESSION, SqlaKind.ASYNC_SESSION})


class GlobalSession(Rule):
    """A SQLAlchemy session instance stored where it outlives a request.

    ## What it does
    Finds a session instance (`Session(engine)`, `AsyncSession(engine)`,
    `SessionLocal()` where `SessionLocal` is a `sessionmaker`, also one
    imported from another module of the project, a call of a
    `scoped_session`) assigned at module level, as a class attribute, to a name
    declared `global`, or to `app.state.<name>` (`app` a FastAPI/Starlette app,
    a name `app`, or `request.app`). Also a `scoped_session(...)` registry that
    async code uses: it is thread-local, and all tasks of an event loop share
    one thread.

    Not flagged: session factories (`sessionmaker(...)`, `async_sessionmaker(...)`),
    `scoped_session(...)` used only by sync code or given a `scopefunc=`
    (per scope, e.g. per request), `async_scoped_session(...)`,
    `request.state.db = ...` (per request), `self.session = ...` (the object's
    lifetime is unknown), and assignments under `if __name__ == "__main__":`
    (a script, not a server).

    ## Why is this bad?
    A `Session` is a unit of work: it holds a transaction, a connection and an
    identity map of loaded objects. One shared by every request mixes their
    transactions, serves stale objects, keeps a connection checked out, and
    (an `AsyncSession` above all) breaks when two requests use it at once.

    ## Example
    ```python
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine("postgresql+asyncpg://app@db/app")
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
    session = SessionLocal()
    ```

    ## Use instead
    ```python
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("postgresql+asyncpg://app@db/app")
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


    async def get_session() -> AsyncIterator[AsyncSession]:
        async with SessionLocal() as session:
            yield session
    ```

    ## Fix safety
    No fix: keep the factory global and open one session per request, e.g. in a
    FastAPI dependency that yields `async with SessionLocal() as session`.

    ## References
    - [SQLAlchemy: session lifecycle](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#when-do-i-construct-a-session-when-do-i-commit-it-and-when-do-i-close-it)
    - [FastAPI: dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    """

    code = "AIO302"
    name = "global-session"
    fix_availability = FixAvailability.NONE
    prefilter = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        """An assignment whose value may be a session (or a scoped session),
        stored where this rule looks: outside functions, to a name declared
        `global`, to `<x>.state.<name>`, or a call's value in a file with async
        code (a `scoped_session` registry)."""
        if not (facts.has_assignment and facts.imports_any(SQLA_ROOTS)):
            return False
        for node, in_function in facts.assignments:
            value = node.value
            assert value is not None
            called = isinstance(value, ast.Call)
            annotated = (
                isinstance(node, ast.AnnAssign)
                and isinstance(value, ast.Call | ast.Await)
                and may_annotate_kind(facts, node.annotation)
            )
            if not annotated and not may_have_kind(facts, value):
                continue
            if not in_function or (called and facts.has_async_def):
                return True
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_may_outlive(facts, target) for target in targets):
                return True
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._check(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            annotated = type_kind(self.ctx, node.annotation.annotation)
            # `db: Session = make_session()`: the annotation says what the call makes.
            made = annotated if isinstance(node.value, cst.Call | cst.Await) else None
            self._check(node.target, node.value, made)

    def _check(
        self,
        target: cst.BaseExpression,
        value: cst.BaseExpression,
        annotated: SqlaKind | None = None,
    ) -> None:
        kind = classify(self.ctx, value) or annotated
        if kind is SqlaKind.SCOPED_SESSION and isinstance(value, cst.Call):
            if any(a.keyword is not None and a.keyword.value == "scopefunc" for a in value.args):
                return  # per-scope (`scopefunc=get_request_id`), not one for the thread
            if self._used_in_async_code(target):
                self.report(
                    value,
                    "`scoped_session` is thread-local, so all tasks on the event loop "
                    "share one session; open one `AsyncSession` per request via a "
                    "dependency (or use `async_scoped_session`)",
                )
            return
        if kind not in _INSTANCES:
            return
        where = self._long_lived(target)
        if where is not None:
            self.report(
                value,
                f"Session instance stored {where} outlives a request and is shared by "
                "all of them; open one session per request via a dependency "
                "(`Depends(get_session)` yielding `SessionLocal()`)",
            )

    def _long_lived(self, target: cst.BaseExpression) -> str | None:
        """Where a value stored in `target` outlives a request, described."""
        if isinstance(target, cst.Attribute):
            return "on `app.state`" if self._is_app_state(target.value) else None
        if not isinstance(target, cst.Name):
            return None
        scope = enclosing_scope(self.ctx, target)
        if isinstance(scope, cst.Module):
            return None if self._under_main_guard(target) else "at module level"
        if isinstance(scope, cst.ClassDef):
            return "as a class attribute"
        if isinstance(scope, cst.FunctionDef) and target.value in _globals(scope):
            return "through `global`"
        return None

    def _is_app_state(self, node: cst.BaseExpression) -> bool:
        """`app.state`, `request.app.state`, `<FastAPI()>.state`."""
        if not isinstance(node, cst.Attribute) or node.attr.value != "state":
            return False
        app = node.value
        if isinstance(app, cst.Attribute) and app.attr.value == "app":
            return True
        if isinstance(app, cst.Name) and app.value in APP_NAMES:
            return True
        return origin(self.ctx, app) in APP_CLASSES

    def _under_main_guard(self, node: cst.CSTNode) -> bool:
        parent = self.ctx.parent(node)
        while parent is not None:
            if isinstance(parent, cst.If) and _is_main_guard(parent.test):
                return True
            parent = self.ctx.parent(parent)
        return False

    def _used_in_async_code(self, target: cst.BaseExpression) -> bool:
        """Whether a name bound here is referenced in async code."""
        if not isinstance(target, cst.Name):
            return False
        scope = self.ctx.scopes.get(target)
        if scope is None:
            return False
        for assignment in scope.assignments[target.value]:
            if getattr(assignment, "node", None) is not target:
                continue
            return any(in_async_code(self.ctx, ref.node) for ref in assignment.references)
        return False


def _may_outlive(facts: AstFacts, target: ast.expr) -> bool:
    """Whether `_long_lived` may place a target in a function: a name declared
    `global` (or `nonlocal`) somewhere, or `<x>.state.<name>`."""
    if isinstance(target, ast.Name):
        return target.id in facts.declared
    return (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "state"
    )


def _globals(func: cst.FunctionDef) -> frozenset[str]:
    """Names declared `global` in `func`'s own body."""
    names: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is func

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Global(self, node: cst.Global) -> None:
            names.update(item.name.value for item in node.names)

    func.visit(Finder())
    return frozenset(names)


def _is_main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"` (either order)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = {test.left, test.comparisons[0].comparator}
    names = {s.value for s in sides if isinstance(s, cst.Name)}
    strings = {s.evaluated_value for s in sides if isinstance(s, cst.SimpleString)}
    return isinstance(test.comparisons[0].operator, cst.Equal) and (
        names == {"__name__"} and strings == {"__main__"}
    )

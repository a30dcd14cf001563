"""AIO308: a session opened into a local name and not closed on every path."""

import ast

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.rule import Rule
from aiolint.semantic.context import FileContext
from aiolint.semantic.names import dotted, qualified_name
from aiolint.semantic.sqlalchemy import SQLA_ROOTS, may_open_session, opens_session
from aiolint.semantic.visit_order import SCOPE_NODES, children, own_code

PYTEST_FIXTURES = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})


class UnclosedSession(Rule):
    """A session opened into a local name and closed only on the happy path, or never.

    ## What it does
    Finds, in a function, `session = SessionLocal()` (a call of a `sessionmaker`
    / `async_sessionmaker` instance), `Session(...)` or `AsyncSession(...)`
    bound to a local name when nothing makes sure it is closed: it is not
    entered with `with` / `async with`, not closed (`close()`) in a `finally:`,
    and not handed off (returned, stored on an attribute or in a container,
    given to another name, passed to a function or a constructor that then
    owns it). That includes the generator dependency `db = SessionLocal();
    yield db; db.close()` without `try`/`finally`. A function returning the
    new session (a factory of its own) is not flagged, and neither is
    `try: yield db` / `finally: db.close()`, nor a pytest fixture (pytest
    resumes it after its `yield` whether the test passed or failed).

    ## Why is this bad?
    A session holds a pooled connection from its first query until it is
    closed. When the code between opening and `close()` raises (a failed
    query, a validation error, a client that disconnects), a `close()` that
    is not in a `finally:` never runs: the connection stays checked out until
    the garbage collector finds the session, and under load the pool runs dry
    (`QueuePool limit ... reached, connection timed out`). In a FastAPI
    dependency with `yield`, the request's exception is raised at the `yield`,
    so the code after it runs only when the request succeeded.

    ## Example
    ```python
    from sqlalchemy.orm import sessionmaker

    SessionLocal = sessionmaker()


    def get_db():
        db = SessionLocal()
        yield db
        db.close()
    ```

    ## Use instead
    ```python
    from sqlalchemy.orm import sessionmaker

    SessionLocal = sessionmaker()


    def get_db():
        with SessionLocal() as db:
            yield db
    ```

    ## Fix safety
    There is no fix: whether a `with` block or a `try`/`finally` fits depends
    on the code around the session.

    ## References
    - [SQLAlchemy: opening and closing a session](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#opening-and-closing-a-session)
    - [FastAPI: dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    """

    code = "AIO308"
    name = "unclosed-session"

    @classmethod
    def may_match(cls, text: str) -> bool:
        return "Session" in text or "sessionmaker" in text

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        """In a function, a call that may open a session assigned to one name."""
        if not (facts.has_assignment and facts.imports_any(SQLA_ROOTS)):
            return False
        return any(
            in_function
            and isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and may_open_session(facts, node.value)
            for node, in_function in facts.assignments
        )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._is_pytest_fixture(node):
            return  # pytest resumes a fixture after its `yield` whatever the test did
        opened: dict[str, list[cst.Call]] = {}
        bound: dict[str, int] = {}
        for statement in own_code(node.body):
            if not isinstance(statement, cst.Assign):
                continue
            for target in statement.targets:
                if isinstance(target.target, cst.Name):
                    name = target.target.value
                    bound[name] = bound.get(name, 0) + 1
            if (
                len(statement.targets) == 1
                and isinstance(statement.targets[0].target, cst.Name)
                and isinstance(statement.value, cst.Call)
                and opens_session(self.ctx, statement.value)
            ):
                opened.setdefault(statement.targets[0].target.value, []).append(statement.value)
        for name, calls in opened.items():
            if bound.get(name) != 1 or _declared(node.body, name):
                continue  # rebound, or global/nonlocal: not one local session
            if not _closed_or_handed_off(self.ctx, node.body, name):
                (call,) = calls
                factory = dotted(call.func) or "Session"
                self.report(
                    call,
                    f"Session `{name}` from `{factory}()` is not closed on every path: if the "
                    "code before its `close()` fails, its pooled connection leaks; open it "
                    f"with `with {factory}() as {name}:` (`async with` for an AsyncSession), "
                    "or close it in `finally:`",
                )

    def _is_pytest_fixture(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            if qualified_name(self.ctx, expr) in PYTEST_FIXTURES:
                return True
        return False


def _walk(root: cst.CSTNode) -> list[tuple[cst.CSTNode, bool]]:
    """Every node of a function's own code (nested functions and classes
    aside), with whether it sits in a `finally:` block."""
    found: list[tuple[cst.CSTNode, bool]] = []
    pending: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    while pending:
        node, in_finally = pending.pop()
        found.append((node, in_finally))
        if isinstance(node, SCOPE_NODES):
            continue
        inner = in_finally or isinstance(node, cst.Finally)
        pending.extend((child, inner) for child in children(node))
    return found


def _declared(body: cst.BaseSuite, name: str) -> bool:
    return any(
        isinstance(node, cst.Global | cst.Nonlocal)
        and any(n.name.value == name for n in node.names)
        for node in own_code(body)
    )


def _closed_or_handed_off(ctx: FileContext, body: cst.BaseSuite, name: str) -> bool:
    """Whether the session named `name` is managed: entered with `with`,
    closed in a `finally:`, or given to something else."""
    for node, in_finally in _walk(body):
        if not (isinstance(node, cst.Name) and node.value == name):
            continue
        parent = ctx.parent(node)
        if isinstance(parent, cst.WithItem) and parent.item is node:
            return True  # `with db:` / `async with db:`
        if isinstance(parent, cst.Attribute) and parent.value is node:
            call = ctx.parent(parent)
            if (
                in_finally
                and parent.attr.value == "close"
                and isinstance(call, cst.Call)
                and call.func is parent
            ):
                return True
            continue  # a method call or attribute read: still the function's
        if isinstance(parent, cst.AssignTarget):
            continue  # the binding itself
        if isinstance(parent, cst.Expr):
            continue  # `db` alone
        if isinstance(parent, cst.Yield) or (
            isinstance(parent, cst.Await) and parent.expression is node
        ):
            continue  # a dependency lends it for the request, it does not give it away
        return True  # returned, stored, passed on, put in a container, aliased
    return False

"""AIO307: an async session (or its factory) made with `expire_on_commit` on."""

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Applicability, Edit, Fix, FixAvailability
from aiolint.engine.rule import Rule
from aiolint.fixes.nodes import append_argument
from aiolint.semantic.sqlalchemy import SQLA_ROOTS, SqlaKind, constructed_kind

ASYNC_MADE = frozenset({SqlaKind.ASYNC_SESSION, SqlaKind.ASYNC_SESSION_FACTORY})
#: The callables whose calls may construct an async session or its factory.
CONSTRUCTORS = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
    }
)


class ExpireOnCommit(Rule):
    """An `AsyncSession`, or a factory of them, made without `expire_on_commit=False`.

    ## What it does
    Finds `async_sessionmaker(...)`, `sessionmaker(..., class_=AsyncSession)`
    and `AsyncSession(...)` (SQLAlchemy's and SQLModel's) called without
    `expire_on_commit=False`, and with a literal `expire_on_commit=True`,
    which is the default. A sync `sessionmaker` or `Session`, a call that
    passes `**kwargs` (the setting may be in them), and one whose
    `expire_on_commit` is not a literal are left alone.

    ## Why is this bad?
    With expiry on, `commit()` expires every object of the session, and the
    next attribute access loads it again from the database. In async code that
    implicit load cannot await: it raises `MissingGreenlet` (or, with
    `AsyncAttrs`, needs an explicit `await obj.awaitable_attrs.name`), so
    reading `user.id` right after `await session.commit()`, a very common
    thing to do in a route that returns the created row, fails. SQLAlchemy's
    asyncio documentation recommends `expire_on_commit=False`.

    ## Example
    ```python
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    SessionLocal = async_sessionmaker(engine)
    ```

    ## Use instead
    ```python
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
    ```

    ## Fix safety
    The fix is safe: it adds `expire_on_commit=False` as the last argument
    (on a line of its own when the arguments are one per line, keeping a
    trailing comma), or turns a literal `expire_on_commit=True` into `False`.
    Objects then keep the values they had at commit time; code that relied on
    a reload after `commit()` to see changes made by the database itself
    (triggers, defaults computed on the server) must `await
    session.refresh(obj)`.

    ## References
    - [SQLAlchemy asyncio: preventing implicit IO](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#preventing-implicit-io-when-using-asyncsession)
    - [Session.commit and expire_on_commit](https://docs.sqlalchemy.org/en/20/orm/session_api.html#sqlalchemy.orm.Session.params.expire_on_commit)
    """

    code = "AIO307"
    name = "expire-on-commit"
    fix_availability = FixAvailability.SOMETIMES
    prefilter = ("AsyncSession", "async_sessionmaker")

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        return facts.imports_any(SQLA_ROOTS) and facts.calls_to(CONSTRUCTORS)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.may_name(node.func, CONSTRUCTORS):
            return
        if constructed_kind(self.ctx, node) not in ASYNC_MADE:
            return
        if any(arg.star == "**" for arg in node.args):
            return  # `expire_on_commit` may be in the mapping
        setting = next((a for a in node.args if _keyword(a) == "expire_on_commit"), None)
        if setting is None:
            fix = self._add(node)
        elif _is_literal(setting.value, "True"):
            fix = self._turn_off(setting)
        else:
            return  # `False`, or a value not known here
        self.report(
            node,
            "Async session made with `expire_on_commit` on: after `commit()`, reading an "
            "attribute of a loaded object reloads it, which raises `MissingGreenlet` in "
            "async code; pass `expire_on_commit=False`",
            fix=fix,
        )

    def _add(self, node: cst.Call) -> Fix:
        arg = cst.Arg(
            keyword=cst.Name("expire_on_commit"),
            value=cst.Name("False"),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
        return Fix(
            "Add `expire_on_commit=False`",
            Applicability.SAFE,
            (Edit(node, append_argument(node, arg)),),
        )

    def _turn_off(self, setting: cst.Arg) -> Fix:
        value = setting.value
        assert isinstance(value, cst.Name)
        return Fix(
            "Set `expire_on_commit=False`",
            Applicability.SAFE,
            (Edit(value, value.with_changes(value="False")),),
        )


def _keyword(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def _is_literal(node: cst.BaseExpression, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value

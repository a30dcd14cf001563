"""AIO309: an ORM attribute read in async code that would load implicitly."""

from __future__ import annotations

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.model import Location, Related
from aiolint.engine.rule import Rule
from aiolint.semantic.functions import is_async_function
from aiolint.semantic.orm_loads import LONE_MODULE, implicit_loads
from aiolint.semantic.sqlalchemy import SQLA_ROOTS

#: AsyncSession methods that load objects or expire them.
_LOADING = frozenset({"get", "get_one", "scalars", "scalar", "execute", "exec", "commit"})


class ImplicitOrmIo(Rule):
    """An ORM attribute read in async code that SQLAlchemy would load implicitly.

    ## What it does
    Follows, within one `async def`, the objects it loads through an
    `AsyncSession` (`await session.get(M, pk)`, `(await
    session.scalars(select(M)...)).all()/first()/one()`, `(await
    session.execute(select(M)...)).scalars()...`, loops over those) and
    reports two reads:

    - a relationship of a mapped class of the project whose strategy loads
      lazily (`select`, the default, or `raise`/`raise_on_sql`) when the
      statement did not load it (`selectinload`/`joinedload`/`subqueryload`/
      `immediateload`/`contains_eager` in its `.options(...)`, nested paths
      included) and the code did not load it first (`await
      session.refresh(obj, ["rel"])`, `await obj.awaitable_attrs.rel`);
    - any mapped attribute of an object of the session read after `await
      session.commit()` when the session's factory expires on commit (no
      `expire_on_commit=False`, see AIO307) and the object was not refreshed
      since.

    The message names the load to add (`selectinload(Order.items)` in the
    statement at line N) and points at the relationship's declaration. Eager
    strategies (`selectin`, `joined`, `subquery`, `immediate`, `noload`,
    `write_only`), column attributes before a commit, sync sessions and
    objects the function did not load (parameters) are left alone, and so is
    an object whose loader options or relationship strategy cannot be read.

    ## Why is this bad?
    Under an `AsyncSession` an implicit load cannot await: SQLAlchemy raises
    `MissingGreenlet` ("greenlet_spawn has not been called"), or
    `InvalidRequestError` for a `lazy="raise"` relationship. Sync tests and
    the happy path often never touch the attribute, so the error ships.

    ## Example
    ```python
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


    class Base(DeclarativeBase):
        pass


    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        items: Mapped[list["Item"]] = relationship()


    async def total(session: AsyncSession, order_id: int) -> int:
        order = (await session.scalars(select(Order).where(Order.id == order_id))).one()
        return len(order.items)
    ```

    ## Use instead
    ```python
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


    class Base(DeclarativeBase):
        pass


    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        items: Mapped[list["Item"]] = relationship()


    async def total(session: AsyncSession, order_id: int) -> int:
        statement = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
        order = (await session.scalars(statement)).one()
        return len(order.items)
    ```
    or `await order.awaitable_attrs.items` (with `AsyncAttrs`), or declare the
    relationship `lazy="selectin"` (or `lazy="raise"` so that a forgotten
    load fails in every test).

    ## Fix safety
    No fix is offered: which load to add (`selectinload`, `joinedload`, a
    refresh) is a design choice the message only suggests.

    ## References
    - [SQLAlchemy asyncio: preventing implicit IO](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#preventing-implicit-io-when-using-asyncsession)
    - [Relationship loading techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
    """

    code = "AIO309"
    name = "implicit-orm-io"
    async_only = True

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        if not facts.method_calls(_LOADING, in_async=True):
            return False
        if facts.orm_classes is None:  # no project: the file's own mapped classes
            return facts.imports_any(SQLA_ROOTS)
        # an ORM read: a lazy relationship's name, or any attribute after a
        # commit of a session that may expire
        reads = facts.orm_expires or not facts.orm_lazy.isdisjoint(facts.attributes)
        return reads and facts.names_mapped_class()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not is_async_function(node):
            return
        for finding in implicit_loads(self.ctx, node):
            related: tuple[Related, ...] = ()
            if finding.declaration is not None:
                module, line, column, message = finding.declaration
                path = self._path(module)
                if path is not None:
                    related = (Related(path, Location(line, column), message),)
            self.report(finding.node, finding.message, related=related)

    def _path(self, module: str) -> str | None:
        if module == LONE_MODULE:
            return self.ctx.path
        project = self.ctx.project
        return project.module_path(module) if project is not None else None

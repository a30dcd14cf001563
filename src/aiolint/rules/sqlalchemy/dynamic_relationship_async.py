"""AIO310: a `lazy="dynamic"` relationship in a project that uses AsyncSession."""

from __future__ import annotations

import libcst as cst

from aiolint.engine.gate import AstFacts
from aiolint.engine.rule import Rule
from aiolint.semantic.orm_loads import orm_model
from aiolint.semantic.sqlalchemy import SQLA_ROOTS


class DynamicRelationshipAsync(Rule):
    """A `lazy="dynamic"` relationship in a project that uses AsyncSession.

    ## What it does
    Finds relationships of the project's mapped classes declared with
    `lazy="dynamic"` (`relationship(...)`, SQLModel's
    `Relationship(sa_relationship_kwargs={"lazy": "dynamic"})`) or annotated
    `DynamicMapped[...]`, in a project whose code uses SQLAlchemy's (or
    SQLModel's) asyncio API. It is reported at the declaration.

    ## Why is this bad?
    Dynamic relationships are not supported with asyncio: the `AppenderQuery`
    they return runs its SQL implicitly when iterated or sliced, which under
    an `AsyncSession` raises `MissingGreenlet`. SQLAlchemy 2.0 replaces them
    with write-only relationships, whose `select()` is run explicitly with
    `await session.scalars(...)`.

    ## Example
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import DeclarativeBase, DynamicMapped, mapped_column, relationship


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id = mapped_column(primary_key=True)
        posts: DynamicMapped["Post"] = relationship()
    ```

    ## Use instead
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import DeclarativeBase, WriteOnlyMapped, mapped_column, relationship


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id = mapped_column(primary_key=True)
        posts: WriteOnlyMapped["Post"] = relationship()
    ```
    and read the collection with `await session.scalars(user.posts.select())`.

    ## Fix safety
    No fix is offered: every use of the relationship changes with it.

    ## References
    - [SQLAlchemy asyncio: using write-only relationships](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#preventing-implicit-io-when-using-asyncsession)
    - [Write only relationships](https://docs.sqlalchemy.org/en/20/orm/large_collections.html#write-only-relationships)
    """

    code = "AIO310"
    name = "dynamic-relationship-async"
    prefilter = ("dynamic", "DynamicMapped")

    @classmethod
    def gate(cls, facts: AstFacts) -> bool:
        """A project using the asyncio API whose model has a dynamic relationship
        declared in this module (the rule reports declarations)."""
        if not facts.imports_any(SQLA_ROOTS) or facts.orm_async is False:
            return False
        return facts.orm_dynamic is not False

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        model, module = orm_model(self.ctx)
        if not model.uses_async:
            return
        declared = {
            (found[4], found[5])
            for attrs in model.classes.values()
            for found in attrs.values()
            if found[0] == "r" and found[1] == "dynamic" and found[3] == module
        }
        if not declared:
            return
        for line in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
            if not isinstance(line, cst.SimpleStatementLine) or not line.body:
                continue
            stmt = line.body[0]
            if not isinstance(stmt, cst.Assign | cst.AnnAssign):
                continue
            start = self.ctx.positions[stmt].start
            if (start.line, start.column + 1) in declared:
                self.report(
                    stmt,
                    "Dynamic relationship in a project that uses AsyncSession: dynamic "
                    "relationships are not supported with asyncio (iterating one raises "
                    '`MissingGreenlet`); use `WriteOnlyMapped[...]` / `lazy="write_only"` and '
                    "`await session.scalars(obj.rel.select())`",
                )

"""The project model's ORM record (fixtures/projects/library): mapped classes
across modules, their relationships' strategies and targets, the async
factories' expiry; and AIO309's related place, the declaration."""

from __future__ import annotations

from pathlib import Path

from fixture_expectations import PROJECTS

from aiolint.cli.runner import lint_files
from aiolint.project.build import build_project, reset_record_cache, set_record_cache
from aiolint.project.model import ProjectModel
from aiolint.workspace.config import load_config
from aiolint.workspace.selection import SelectionLayer

LIBRARY = PROJECTS / "library"


def _model() -> ProjectModel:
    set_record_cache(None)
    try:
        model = build_project(load_config(LIBRARY / "pyproject.toml"))
    finally:
        reset_record_cache()
    assert model is not None
    return model


def test_mapped_classes_relationships_and_factories() -> None:
    orm = _model().orm
    author = orm.classes["app.models.books.Author"]
    assert author["id"][0] == "c" and author["id"][3] == "app.models.mixins"  # a mixin's column
    assert author["books"][:3] == ("r", "select", "app.models.books.Book")
    assert author["fans"][:3] == ("r", "dynamic", "app.models.fans.Fan")
    book = orm.classes["app.models.books.Book"]
    assert book["author"][:3] == ("r", "joined", "app.models.books.Author")
    # `@declared_attr def shelf(cls): return relationship("Shelf")` on a mixin
    assert book["shelf"][:4] == ("r", "select", "app.models.books.Shelf", "app.models.mixins")
    club = orm.classes["app.models.fans.Club"]  # SQLModel, table=True
    assert club["members"][:3] == ("r", "select", "app.models.fans.Fan")
    assert club["leaders"][:2] == ("r", "selectin")  # sa_relationship_kwargs
    assert "app.db.Base" not in orm.classes  # the declarative base is not mapped
    assert orm.mapped("app.models.Author") == "app.models.books.Author"  # a re-export
    assert orm.factories == {"app.db.SessionLocal": "1"} and orm.expiry == "1"
    assert orm.uses_async


def test_findings_point_at_the_declaration() -> None:
    config = load_config(LIBRARY / "pyproject.toml")
    result = lint_files([str(LIBRARY)], config, SelectionLayer(select=("AIO309",)))
    related = {
        (d.start.line, Path(r.path).name, r.start.line, r.message)
        for d in result.diagnostics
        for r in d.related
    }
    assert related == {
        (17, "books.py", 11, '`Author.books` is declared here (lazy="select")'),
        (31, "mixins.py", 13, '`Book.shelf` is declared here (lazy="select")'),
        (39, "mixins.py", 6, "`Author.id` is declared here"),
        (58, "fans.py", 6, '`Club.members` is declared here (lazy="select")'),
    }
    # the project's Base has no `AsyncAttrs`: no `awaitable_attrs` to suggest
    messages = [d.message for d in result.diagnostics]
    assert not any("awaitable_attrs" in m for m in messages)
    assert any('declare the relationship `lazy="selectin"`' in m for m in messages)


def test_the_gate_skips_async_files_without_orm_reads(tmp_path: Path) -> None:
    """No LibCST for AIO309 where no read can load: a file whose async code
    uses the session but reads no lazy relationship's name, in a project whose
    factories keep objects on commit; a file reading one passes."""
    import ast

    from aiolint.engine.gate import collect
    from aiolint.rules.sqlalchemy.implicit_orm_io import ImplicitOrmIo

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "db.py").write_text(
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n\n"
        'engine = create_async_engine("sqlite+aiosqlite://")\n'
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class Order(Base):\n"
        '    __tablename__ = "orders"\n'
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        '    items: Mapped[list["Item"]] = relationship()\n'
    )
    set_record_cache(None)
    try:
        model = build_project(load_config(tmp_path / "pyproject.toml"))
    finally:
        reset_record_cache()
    assert model is not None

    def gate(text: str) -> bool:
        facts = collect(ast.parse(text))
        facts.add_project(model, "app.routes", False)
        return ImplicitOrmIo.may_match(text) and ImplicitOrmIo.gate(facts)

    head = "from app.db import Order, SessionLocal\n\n\nasync def f(order_id):\n"
    body = "    async with SessionLocal() as s:\n        order = await s.get(Order, order_id)\n"
    assert not gate(head + body + "        return order.id\n")
    assert not gate("async def f(s):\n    order = await s.get(1)\n    return order.items\n")
    assert gate(head + body + "        return order.items\n")

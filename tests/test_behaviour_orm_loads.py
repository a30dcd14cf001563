"""AIO309's two shapes, run on SQLAlchemy over aiosqlite: every `case_*`
function of fixtures/sqlalchemy/AIO309.py whose body holds an expected AIO309
finding raises (`MissingGreenlet`, or `InvalidRequestError` for
`lazy="raise"`), and every look-alike the rule leaves alone works."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fixture_expectations import FIXTURES, read_expectations

from aiolint.engine.lint import lint_source
from aiolint.engine.registry import resolve_selection
from aiolint.semantic.context import LintOptions

pytest.importorskip("aiosqlite")
exc = pytest.importorskip("sqlalchemy.exc")

FIXTURE = FIXTURES / "sqlalchemy" / "AIO309.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("aio309_fixture", FIXTURE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # `from __future__ import annotations` resolves through it
    spec.loader.exec_module(module)
    return module


MODULE = _load()
EXPECTED = read_expectations(FIXTURE.read_bytes())
CASES = sorted(name for name in vars(MODULE) if name.startswith("case_"))


def _flagged(func: Callable[..., Any]) -> str | None:
    """The expected AIO309 message text in `func`'s body ("" without text), None: silent."""
    lines, first = inspect.getsourcelines(func)
    for line in range(first, first + len(lines)):
        if (line, "AIO309") in EXPECTED.errors:
            return EXPECTED.substrings.get((line, "AIO309"), "")
    return None


async def _run(case: str, path: Path) -> BaseException | None:
    from sqlalchemy import create_engine, select
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.orm import selectinload

    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    MODULE.engine = engine  # `AsyncSession(engine)` in the cases
    MODULE.SessionLocal.configure(bind=engine)
    MODULE.KeepLocal.configure(bind=engine)
    MODULE.SyncLocal.configure(bind=create_engine(f"sqlite:///{path}"))
    async with engine.begin() as conn:
        await conn.run_sync(MODULE.Base.metadata.create_all)
    async with MODULE.KeepLocal() as session:
        user = MODULE.User(id=1, name="ann")
        order = MODULE.Order(id=1, user=user)
        product = MODULE.Product(id=1, name="pen")
        order.items = [MODULE.Item(id=1, product=product), MODULE.Item(id=2, product=product)]
        order.tags = [MODULE.Tag(id=1, name="gift")]
        session.add_all([user, order])
        await session.commit()
    func = getattr(MODULE, case)
    parameters = inspect.signature(func).parameters
    try:
        async with MODULE.KeepLocal() as session:
            args: list[Any] = [session] if "session" in parameters else []
            if "order" in parameters:  # came in loaded by the caller
                statement = select(MODULE.Order).options(selectinload(MODULE.Order.items))
                args.append((await session.scalars(statement)).one())
            await func(*args)
    except exc.InvalidRequestError as error:  # MissingGreenlet is one
        return error
    except exc.StatementError as error:  # a lazy load's SELECT wraps MissingGreenlet
        return error.orig if isinstance(error.orig, BaseException) else error
    finally:
        await engine.dispose()
    return None


def test_every_case_is_in_the_fixture_and_flagged_ones_are_found() -> None:
    result = lint_source(
        FIXTURE.read_bytes(), str(FIXTURE), resolve_selection(["AIO309"]), LintOptions()
    )
    found = {d.start.line for d in result.diagnostics}
    expected = {line for line, code in EXPECTED.errors if code == "AIO309"}
    assert found == expected
    assert sum(_flagged(getattr(MODULE, c)) is not None for c in CASES) == len(expected) == 13
    assert sum(_flagged(getattr(MODULE, c)) is None for c in CASES) == 18


@pytest.mark.parametrize("case", CASES)
def test_flagged_reads_raise_and_look_alikes_work(case: str, tmp_path: Path) -> None:
    error = asyncio.run(_run(case, tmp_path / "app.db"))
    expected = _flagged(getattr(MODULE, case))
    if expected is None:
        assert error is None, f"{case} is left alone by AIO309 but fails: {error!r}"
        return
    assert error is not None, f"{case} is flagged by AIO309 but works"
    if "InvalidRequestError" in expected:
        assert not isinstance(error, exc.MissingGreenlet)
        assert "lazy='raise'" in str(error) or "raise" in str(error)
    else:
        assert isinstance(error, exc.MissingGreenlet), repr(error)


def test_dynamic_relationships_fail_under_asyncio_and_write_only_works(tmp_path: Path) -> None:
    """AIO310's fixture on aiosqlite: iterating its `DynamicMapped` and
    `lazy="dynamic"` relationships raises `MissingGreenlet`; the
    `WriteOnlyMapped` one, read with `await session.scalars(rel.select())`,
    works."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    spec = importlib.util.spec_from_file_location(
        "aio310_fixture", FIXTURES / "sqlalchemy" / "AIO310.py"
    )
    assert spec is not None and spec.loader is not None
    models = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = models
    spec.loader.exec_module(models)

    async def run() -> tuple[list[BaseException | None], int]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'authors.db'}")
        async with engine.begin() as conn:
            await conn.run_sync(models.Base.metadata.create_all)
        factory = async_sessionmaker(engine, expire_on_commit=False)
        async with factory() as session:
            session.add(models.Author(id=1))
            session.add_all([models.Post(id=1, author_id=1), models.Comment(id=1, author_id=1)])
            session.add(models.Draft(id=1, author_id=1))
            await session.commit()
        errors: list[BaseException | None] = []
        async with factory() as session:
            author = await session.get(models.Author, 1)
            for relationship in ("posts", "drafts"):
                try:
                    list(getattr(author, relationship))
                    errors.append(None)
                except (exc.InvalidRequestError, exc.StatementError) as error:
                    errors.append(getattr(error, "orig", None) or error)
            comments = await models.count_comments(session, author)
        await engine.dispose()
        return errors, comments

    errors, comments = asyncio.run(run())
    assert all(isinstance(e, exc.MissingGreenlet) for e in errors), errors
    assert comments == 1

"""The gates of the rules that look for a session being opened (AIO308 in a
function, AIO402 in a route): every way `opens_session` recognises one passes
`may_open_session`, and the calls it can never recognise (a method of a call's
result, a def's or a library's function, an attribute of a parameter that is
no method's receiver) keep the file away from LibCST."""

from __future__ import annotations

import ast
import textwrap

import pytest

from aiolint.engine.gate import collect
from aiolint.engine.lint import lint_source
from aiolint.engine.registry import load_rules
from aiolint.semantic.context import LintOptions

RULES = [rule for rule in load_rules().values() if rule.code in ("AIO308", "AIO402")]
PLAIN = LintOptions(gate=False)

#: Each way a session is opened into a local name and left unclosed (AIO308).
OPENED = {
    "library class": """
        from sqlalchemy.orm import Session

        def work(engine):
            db = Session(engine)
            db.execute("select 1")
        """,
    "dotted library class": """
        import sqlalchemy.orm

        def work(engine):
            db = sqlalchemy.orm.Session(engine)
            db.execute("select 1")
        """,
    "async class": """
        from sqlalchemy.ext.asyncio import AsyncSession

        async def work(engine):
            db = AsyncSession(engine)
            await db.execute("select 1")
        """,
    "module factory": """
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker()

        def work():
            db = SessionLocal()
            db.execute("select 1")
        """,
    "annotated module factory": """
        from sqlalchemy.orm import sessionmaker

        SessionLocal: sessionmaker = sessionmaker()

        def work():
            db = SessionLocal()
            db.execute("select 1")
        """,
    "factory's begin": """
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker()

        def work():
            db = SessionLocal.begin()
            db.execute("select 1")
        """,
    "annotated parameter": """
        from sqlalchemy.orm import sessionmaker

        def work(factory: sessionmaker):
            db = factory()
            db.execute("select 1")
        """,
    "walrus": """
        from sqlalchemy.orm import sessionmaker

        def work():
            if factory := sessionmaker():
                db = factory()
                db.execute("select 1")
        """,
    "called factory": """
        from sqlalchemy.orm import sessionmaker

        def work(engine):
            db = sessionmaker(bind=engine)()
            db.execute("select 1")
        """,
    "self attribute": """
        from sqlalchemy.orm import sessionmaker

        class Repository:
            factory: sessionmaker

            def work(self):
                db = self.factory()
                db.execute("select 1")
        """,
    "receiver of another name, method in an if block": """
        from sqlalchemy.orm import sessionmaker

        class Repository:
            factory: sessionmaker

            if True:
                def work(this):
                    db = this.factory.begin()
                    db.execute("select 1")
        """,
    "request state": """
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker()

        async def middleware(request, call_next):
            request.state.factory = SessionLocal
            return await call_next(request)

        def work(request):
            db = request.state.factory()
            db.execute("select 1")
        """,
    "class imported in two functions": """
        def first(engine):
            from sqlalchemy.orm import Session
            db = Session(engine)
            db.execute("select 1")

        def second(engine):
            from sqlalchemy.orm import Session
            db = Session(engine)
            db.execute("select 2")
        """,
}

#: Calls assigned to a local name in a function that can never open a session.
LOOKALIKES = """
    from fastapi import APIRouter
    from sqlalchemy.orm import Session
    from app.users import get_user
    from .orders import create_order

    class Repository:
        def work(self, db_session: Session, repo):
            user = get_user(db_session)
            order = create_order(db_session)
            row = db_session.query(User).first()
            query = db_session.query(User)
            made = repo.factory()
            deeper = self.repo.factory()
            local = helper()
            items = dict(a=1)
            return user, order, row, query, made, deeper, local, items

    def helper():
        return None

    class User:
        pass
    """


def _lint(source: str, options: LintOptions, *, parsed: bool | None = None) -> list[str]:
    """The rules' findings; `parsed`: whether the file must reach LibCST."""
    result = lint_source(textwrap.dedent(source).encode(), "app/work.py", RULES, options)
    assert result.errors == []
    assert parsed is None or result.parsed is parsed
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize("source", OPENED.values(), ids=OPENED.keys())
def test_each_session_opened_reaches_aio308(source: str) -> None:
    found = _lint(source, LintOptions())
    assert found and set(found) == {"AIO308"}
    assert found == _lint(source, PLAIN)


def test_a_session_opened_in_a_route_reaches_aio402() -> None:
    source = """
        from fastapi import APIRouter
        from sqlalchemy.orm import sessionmaker

        router = APIRouter()
        SessionLocal = sessionmaker()

        @router.get("/")
        def read():
            with SessionLocal() as db:
                return db.execute("select 1")
        """
    assert _lint(source, LintOptions()) == ["AIO402"] == _lint(source, PLAIN)


def test_calls_that_cannot_open_a_session_never_reach_libcst() -> None:
    assert _lint(LOOKALIKES, LintOptions(), parsed=False) == []


def test_lookalikes_are_silent_without_the_gate() -> None:
    assert _lint(LOOKALIKES, PLAIN, parsed=True) == []


def test_receivers_are_the_first_parameters_of_methods() -> None:
    facts = collect(
        ast.parse(
            textwrap.dedent(
                """
                class A:
                    def m(self, x): ...
                    @classmethod
                    def c(cls): ...
                    try:
                        def t(this, /, other): ...
                    except ImportError:
                        pass
                    class Inner:
                        def i(inner): ...

                def f(first, second): ...
                """
            )
        )
    )
    assert facts.receivers == {"self", "cls", "this", "other", "inner"}
    assert {"x", "first", "second"} <= facts.stored and "f" not in facts.stored


def _shop():
    from fixture_expectations import PROJECTS

    from aiolint.project.build import build_project
    from aiolint.workspace.config import load_config

    project = build_project(load_config(PROJECTS / "shop" / "pyproject.toml"))
    assert project is not None
    return project, PROJECTS / "shop" / "src" / "shop" / "jobs" / "cleanup.py"


@pytest.mark.parametrize(
    ("imports", "call"),
    [
        ("from shop.db import SessionLocal", "SessionLocal()"),  # a re-exported factory
        ("from shop.database import AsyncSessionLocal", "AsyncSessionLocal()"),
        ("from shop import database", "database.SessionLocal()"),  # through the module
        ("from ..database import JtraceSession", "JtraceSession.begin()"),  # relative
        ("from shop.db import Session as DbSession", "DbSession()"),  # a library re-export
        ("from shop import db", "db.Session()"),  # the same, through the module
    ],
)
def test_project_factories_and_re_exports_reach_aio308(imports: str, call: str) -> None:
    project, path = _shop()
    source = f"{imports}\n\n\ndef work():\n    opened = {call}\n    opened.execute('select 1')\n"
    options = LintOptions(project=project)
    found = lint_source(source.encode(), str(path), RULES, options).diagnostics
    assert [d.code for d in found] == ["AIO308"]
    plain = lint_source(source.encode(), str(path), RULES, LintOptions(project=project, gate=False))
    assert [d.code for d in plain.diagnostics] == ["AIO308"]


@pytest.mark.parametrize(
    ("imports", "call"),
    [
        ("from shop.database import get_engine", "get_engine()"),  # a project function
        ("from shop.database import TenantSession", "TenantSession()"),  # not a factory's call
        ("from shop import models", "models.Order()"),
        ("from .nightly import run", "run()"),
    ],
)
def test_project_names_that_open_nothing_never_reach_libcst(imports: str, call: str) -> None:
    project, path = _shop()
    source = (
        f"from sqlalchemy.orm import Session\n{imports}\n\n\n"
        f"def work():\n    opened = {call}\n    opened.execute('select 1')\n"
    )
    facts = collect(ast.parse(source))
    facts.add_project(project, "shop.jobs.cleanup", False)
    assert not any(rule.gate(facts) for rule in RULES)
    gated = lint_source(source.encode(), str(path), RULES, LintOptions(project=project))
    assert not gated.parsed
    plain = lint_source(source.encode(), str(path), RULES, LintOptions(project=project, gate=False))
    assert plain.diagnostics == []


#: Each kind of value AIO302 finds stored where it outlives a request.
STORED = {
    "library class": "from sqlalchemy.orm import Session\n\nsession = Session()\n",
    "annotated unknown call": (
        "from sqlalchemy.orm import Session\nfrom app.db import make\n\ndb: Session = make()\n"
    ),
    "string annotation": (
        "import sqlalchemy.orm\nfrom app.db import make\n\ndb: 'sqlalchemy.orm.Session' = make()\n"
    ),
    "annotation of this file's class": (
        "from sqlalchemy.orm import Session\nfrom app.db import make\n\n\n"
        "class TenantSession(Session):\n    pass\n\n\ndb: TenantSession | None = make()\n"
    ),
    "flask-sqlalchemy's scoped session called": (
        "from flask_sqlalchemy import SQLAlchemy\n\n\ndef setup(db: SQLAlchemy):\n"
        "    global shared\n    shared = db.session()\n"
    ),
    "next of a generator of this file": (
        "from sqlalchemy.orm import Session\n\n\n"
        "def get_db():\n    db = Session()\n    try:\n        yield db\n    finally:\n"
        "        db.close()\n\n\nsession = next(get_db())\n"
    ),
    "a receiver's factory, through global": (
        "from sqlalchemy.orm import sessionmaker\n\n\nclass Holder:\n"
        "    def __init__(self):\n        self.factory = sessionmaker()\n\n"
        "    def setup(self):\n        global shared\n        shared = self.factory()\n"
    ),
    "factory's begin, through global": (
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
        "factory = async_sessionmaker()\n\n\n"
        "async def setup():\n    global shared\n    shared = factory.begin()\n"
    ),
    "awaited function of this file": (
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n\n"
        "async def make() -> AsyncSession:\n    return AsyncSession()\n\n\n"
        "async def setup():\n    global shared\n    shared = await make()\n"
    ),
}

#: Module-level and class-level values that can never be a session.
NOT_STORED = """\
import enum

from alembic import context
from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.orm import Session
from sqlmodel import Field

from app.version import __version__

router = APIRouter()
config = context.config
version = __version__
items = dict(a=1)


class Rating(enum.Enum):
    good = 1


class Feedback(BaseModel):
    name: str | None = Field(None, nullable=False)
    rating: Rating = Rating.good
    links: list[int | None] = Field(default_factory=list)


def register(db: Session):
    return db


register = router.post("/register")(register)
"""


def _aio302(source: str, options: LintOptions, *, parsed: bool | None = None) -> list[str]:
    rules = [rule for rule in load_rules().values() if rule.code == "AIO302"]
    result = lint_source(source.encode(), "app/state.py", rules, options)
    assert result.errors == []
    assert parsed is None or result.parsed is parsed
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize("source", STORED.values(), ids=STORED.keys())
def test_each_stored_session_reaches_aio302(source: str) -> None:
    assert _aio302(source, LintOptions()) == ["AIO302"] == _aio302(source, PLAIN)


def test_values_that_cannot_be_sessions_never_reach_libcst() -> None:
    assert _aio302(NOT_STORED, PLAIN) == []
    assert _aio302(NOT_STORED, LintOptions(), parsed=False) == []

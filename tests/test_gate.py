"""The `ast` gate: what it collects, what it lets through, and that a file it
rejects or skips never reaches LibCST."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from aiolint.engine import lint as engine
from aiolint.engine.gate import collect
from aiolint.engine.lint import lint_source
from aiolint.engine.registry import load_rules
from aiolint.semantic.context import LintOptions

RULES = list(load_rules().values())
#: Passes AIO101's text prefilter (`asyncio`, `gather`), has no gather call.
PREFILTERED_ONLY = (
    b"import asyncio\n\n\nasync def gather_all():\n    return asyncio.current_task()\n"
)


def facts_of(source: str):
    return collect(ast.parse(textwrap.dedent(source)))


def test_calls_know_their_async_context() -> None:
    facts = facts_of(
        """
        import time as t

        async def handler():
            t.sleep(1)
            def inner():
                t.sleep(2)
            lambda: t.sleep(3)

        @decorate(t.sleep(4))
        async def other(x=t.sleep(5)):
            pass
        """
    )
    by_arg = {
        site.node.args[0].value: site.in_async
        for site in facts.calls
        if site.node.args and isinstance(site.node.args[0], ast.Constant)
    }
    assert by_arg[1] is True
    assert by_arg[2] is False and by_arg[3] is False
    assert by_arg[4] is False and by_arg[5] is False  # decorators and defaults run outside
    assert facts.calls_to({"time.sleep"}, in_async=True)


def test_names_resolve_through_aliases_and_relative_imports() -> None:
    facts = facts_of(
        """
        import asyncio as aio
        import os.path
        from .compat import gather as g
        from sqlalchemy.orm import Session
        """
    )
    call = ast.parse("aio.gather()").body[0].value
    assert "asyncio.gather" in facts.names(call.func)
    assert "os.path.join" in facts.names(ast.parse("os.path.join").body[0].value)
    assert ".compat.gather" in facts.names(ast.parse("g").body[0].value)
    assert facts.imports_any({"sqlalchemy"}) and not facts.imports_any({"asyncpg"})


def test_receivers_on_a_bare_self_have_no_origin() -> None:
    source = """
        import httpx

        class Api:
            def __init__(self):
                self.client = httpx.Client()

            async def fetch(self):
                return self.client.get("/x")
        """
    facts = facts_of(source)
    assert not facts.method_calls({"get"}, in_async=True, receiver_types={"httpx.Client"})
    annotated = source.replace("async def fetch(self)", "async def fetch(self: httpx.Client)")
    assert facts_of(annotated).method_calls({"get"}, in_async=True, receiver_types={"httpx.Client"})


def test_bindings_for_the_name_model() -> None:
    facts = facts_of(
        """
        import asyncio
        from time import sleep

        def f(sleep_for):
            import json
            global counter
            for item in ():
                pass
            if (n := 1):
                pass
        """
    )
    assert {"sleep_for", "json", "counter", "item", "n", "f"} <= facts.bound
    assert "asyncio" not in facts.bound and "sleep" not in facts.bound
    assert facts.walrus == {"n"} and facts.declared == {"counter"}
    assert "f" in facts.module_bound and "item" not in facts.module_bound


def test_a_file_without_candidates_never_reaches_libcst(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("LibCST parse")

    monkeypatch.setattr(engine.cst, "parse_module", refuse)
    source = PREFILTERED_ONLY
    result = lint_source(source, "x.py", RULES, LintOptions())
    assert result.diagnostics == [] and result.errors == [] and not result.parsed


def test_a_file_with_candidates_does(monkeypatch) -> None:
    source = b"import time\n\n\nasync def f():\n    time.sleep(1)\n"
    result = lint_source(source, "x.py", RULES, LintOptions())
    assert [d.code for d in result.diagnostics] == ["AIO201"] and result.parsed


@pytest.mark.parametrize("depth", [250, 1500, 5000])
def test_brackets_nested_past_cpythons_limit_get_aio000_without_libcst(monkeypatch, depth) -> None:
    monkeypatch.setattr(engine.cst, "parse_module", pytest.fail)
    source = f"import asyncio\nx = asyncio.gather({'(' * depth}1{')' * depth})\n"
    result = lint_source(source.encode(), "deep.py", RULES, LintOptions())
    assert [d.code for d in result.diagnostics] == ["AIO000"]
    assert "too many nested parentheses" in result.diagnostics[0].message
    assert result.errors == []


def test_syntax_error_message_and_position_are_cpythons(monkeypatch) -> None:
    monkeypatch.setattr(engine.cst, "parse_module", pytest.fail)
    source = b"import time\ntime.sleep(1)\nasync def f(:\n    pass\n"
    (diagnostic,) = lint_source(source, "x.py", RULES, LintOptions()).diagnostics
    assert diagnostic.code == "AIO000" and diagnostic.start.line == 3
    assert diagnostic.message.startswith("SyntaxError: ")


def test_gate_off_lints_the_same_file_with_libcst() -> None:
    source = PREFILTERED_ONLY
    plain = lint_source(source, "x.py", RULES, LintOptions(gate=False))
    assert plain.parsed and plain.diagnostics == []


def test_libcst_still_parses_what_the_gate_admits() -> None:
    module = cst.parse_module("import time\n")
    assert isinstance(module, cst.Module)


#: A module of a sync SQLAlchemy app (Netflix/dispatch's shape): models with
#: `Column` class attributes, a logger and a router at module level, and a
#: session opened inside a function. AIO302 cannot fire on it.
SYNC_APP_MODULE = """\
import logging

from fastapi import APIRouter
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import Session, relationship

from app.database.core import Base, SessionLocal

log = logging.getLogger(__name__)
router = APIRouter()
LIMIT: int = int("10")


class Incident(Base):
    id = Column(Integer, primary_key=True)
    title = Column(String)
    tags = relationship("Tag")
    labels = dict(a=1)


def get(db_session: Session, incident_id: int):
    db_session = SessionLocal()
    return db_session.query(Incident).get(incident_id)
"""


def _aio302_lint(source: str, *, refuse: bool) -> list[str]:
    """AIO302's findings; `refuse`: the file must not reach LibCST (the gate
    skips it; a patched `parse_module` raising would be caught as a parse failure)."""
    rules = [rule for rule in RULES if rule.code == "AIO302"]
    result = lint_source(source.encode(), "app/incident.py", rules, LintOptions())
    assert result.errors == []
    assert not (refuse and result.parsed)
    return [d.code for d in result.diagnostics]


def test_global_session_gate_skips_a_module_that_stores_no_session() -> None:
    assert _aio302_lint(SYNC_APP_MODULE, refuse=True) == []


@pytest.mark.parametrize(
    "line",
    [
        "session = Session()",  # a SQLAlchemy class: a session at module level
        # a local function's result
        "session = make_session()\n\n\ndef make_session():\n    return Session()",
        "class Holder:\n    session = Session()",  # a class attribute
        "def setup():\n    global shared\n    shared = Session()",  # through `global`
    ],
)
def test_global_session_gate_admits_each_place_a_session_outlives_a_request(line: str) -> None:
    source = f"{SYNC_APP_MODULE}\n\n{line}\n"
    assert _aio302_lint(source, refuse=False) == ["AIO302"]


def test_global_session_gate_admits_a_scoped_session_call_in_async_code() -> None:
    source = (
        "from sqlalchemy.orm import scoped_session, sessionmaker\n\n\n"
        "async def handler():\n    registry = scoped_session(sessionmaker())\n"
        "    return registry\n"
    )
    assert _aio302_lint(source, refuse=False) == ["AIO302"]
    facts = facts_of(source)
    assert facts.has_async_def and len(facts.assignments) == 1


def test_session_gates_count_only_what_the_project_model_exports() -> None:
    """In the shop project, `SessionLocal` is an exported factory and
    `shop.models` exports no session maker: a module-level call of the one
    reaches AIO302 and AIO308, of the other neither."""
    from fixture_expectations import PROJECTS

    from aiolint.project.build import build_project
    from aiolint.workspace.config import load_config

    project = build_project(load_config(PROJECTS / "shop" / "pyproject.toml"))
    assert project is not None
    gates = {rule.code: rule.gate for rule in RULES if rule.code in ("AIO302", "AIO308")}

    def admitted(call: str) -> set[str]:
        source = (
            "from sqlalchemy.orm import Session\n"
            "from shop import models\nfrom shop.db import SessionLocal\n\n"
            f"value = {call}\n\n\ndef handler():\n    local = {call}\n    return local\n"
        )
        facts = facts_of(source)
        facts.add_project(project, "shop.jobs.report", False)
        return {code for code, gate in gates.items() if gate(facts)}

    assert admitted("SessionLocal()") == {"AIO302", "AIO308"}
    assert admitted("SessionLocal.begin()") == {"AIO302", "AIO308"}
    assert admitted("models.Order()") == set()
    assert admitted("dict(a=1)") == set()

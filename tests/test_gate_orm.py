"""AIO310's gate: in a project, only a module whose classes declare a dynamic
relationship (the project model's ORM table says which) reaches the rule;
outside a project the file's own classes decide, so every candidate passes."""

from __future__ import annotations

import ast

from fixture_expectations import PROJECTS

from aiolint.engine.gate import collect
from aiolint.engine.lint import lint_source
from aiolint.engine.registry import load_rules
from aiolint.project.build import build_project
from aiolint.semantic.context import LintOptions
from aiolint.workspace.config import load_config

LIBRARY = PROJECTS / "library"
(AIO310,) = [rule for rule in load_rules().values() if rule.code == "AIO310"]


def _library():
    project = build_project(load_config(LIBRARY / "pyproject.toml"))
    assert project is not None and project.orm.uses_async
    return project


def test_only_the_module_declaring_a_dynamic_relationship_passes() -> None:
    project = _library()
    passed = {}
    for name in ("books", "fans", "mixins"):
        path = LIBRARY / "app" / "models" / f"{name}.py"
        facts = collect(ast.parse(path.read_bytes()))
        module, is_package = project.module_name(str(path))
        facts.add_project(project, module, is_package)
        passed[name] = AIO310.gate(facts)
    assert passed == {"books": True, "fans": False, "mixins": False}


def test_a_module_without_one_never_reaches_libcst() -> None:
    project = _library()
    path = LIBRARY / "app" / "models" / "fans.py"
    # `lazy="dynamic"` in a call that is no relationship: the text prefilter passes
    source = path.read_bytes() + b'\n\nsettings = dict(lazy="dynamic")\n'
    plain = lint_source(source, str(path), [AIO310], LintOptions(project=project, gate=False))
    assert plain.diagnostics == []
    gated = lint_source(source, str(path), [AIO310], LintOptions(project=project))
    assert gated.diagnostics == [] and not gated.parsed


def test_the_declaring_module_is_reported_with_the_gate() -> None:
    project = _library()
    path = LIBRARY / "app" / "models" / "books.py"
    source = path.read_bytes()
    options = LintOptions(project=project)
    found = [d.code for d in lint_source(source, str(path), [AIO310], options).diagnostics]
    assert found == ["AIO310"]


def test_outside_a_project_the_files_own_classes_decide() -> None:
    source = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from sqlalchemy.orm import DeclarativeBase, relationship\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class Author(Base):\n    __tablename__ = 'authors'\n"
        "    books = relationship('Book', lazy='dynamic')\n"
    )
    facts = collect(ast.parse(source))
    assert facts.orm_dynamic is None and AIO310.gate(facts)
    found = lint_source(source.encode(), "models.py", [AIO310], LintOptions()).diagnostics
    assert [d.code for d in found] == ["AIO310"]

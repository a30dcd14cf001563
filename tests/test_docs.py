"""Docs are generated from rule docstrings and kept in step with code, fixtures and changelog."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from fixture_expectations import FIXTURES

from aiolint.docs import example_code, main, render_rule
from aiolint.engine.codes import CODES
from aiolint.engine.lint import lint_source
from aiolint.engine.registry import load_rules, resolve_selection
from aiolint.engine.rule import REQUIRED_SECTIONS, Rule, RuleDefinitionError
from aiolint.semantic.context import LintOptions

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules()
LINTABLE = [rule for code, rule in RULES.items() if code != "AIO000"]
OPTIONS = LintOptions(target_version=(3, 14))


def test_generated_files_are_fresh() -> None:
    assert main(["--root", str(ROOT), "--check"]) == 0, (
        "run `python -m aiolint.docs` and commit the result"
    )


def codes_in(rule: type[Rule], section: str) -> list[str]:
    code = example_code(rule, section)
    assert code is not None, f"{rule.code}: no ```python block in {section}"
    result = lint_source(code.encode(), "example.py", resolve_selection(None), OPTIONS)
    assert not result.errors
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize("rule", LINTABLE, ids=[r.code for r in LINTABLE])
def test_example_fires(rule: type[Rule]) -> None:
    assert rule.code in codes_in(rule, "Example")


@pytest.mark.parametrize("rule", LINTABLE, ids=[r.code for r in LINTABLE])
def test_use_instead_is_silent(rule: type[Rule]) -> None:
    assert rule.code not in codes_in(rule, "Use instead")


def test_invalid_file_example_fires() -> None:
    code = example_code(RULES["AIO000"], "Example")
    assert code is not None
    result = lint_source(
        ("import time\ntime.sleep(1)\n" + code).encode(), "x.py", resolve_selection(None), OPTIONS
    )
    assert [d.code for d in result.diagnostics] == ["AIO000"]


@pytest.mark.parametrize("code", list(RULES))
def test_every_code_has_fixture_doc_readme_row_and_changelog(code: str) -> None:
    rule = RULES[code]
    if code != "AIO000":
        assert any(FIXTURES.rglob(f"{code}*.py")), f"{code} has no fixture"
    assert (ROOT / "docs" / "rules" / f"{code}.md").read_text() == render_rule(rule)
    assert f"| [{code}](docs/rules/{code}.md) | {rule.name} |" in (ROOT / "README.md").read_text()
    assert f"{code} {rule.name}" in (ROOT / "CHANGELOG.md").read_text()


def test_module_and_class_names_map_to_rule_name() -> None:
    for rule in RULES.values():
        module = rule.__module__.rsplit(".", 1)[-1]
        assert module == rule.name.replace("-", "_"), rule
        assert rule.__name__ == "".join(part.capitalize() for part in rule.name.split("-")), rule


def _define(**attrs: object) -> None:
    doc = "Summary.\n\n" + "\n".join(f"## {s}\n-" for s in REQUIRED_SECTIONS)
    type("Bad", (Rule,), {"__doc__": doc, "code": "AIO990", "name": "bad-rule", **attrs})


@pytest.mark.parametrize(
    "attrs",
    [
        {"code": "AIO12"},
        {"code": "E501"},
        {"code": "AIO201"},
        {"name": "Bad Name"},
        {"__doc__": "Summary only."},
        # a summary cut at the line end, mid-sentence (AIO306's was)
        {
            "__doc__": "A summary that goes on\n\n"
            + "\n".join(f"## {s}\n-" for s in REQUIRED_SECTIONS)
        },
    ],
)
def test_registry_rejects_bad_definitions(attrs: dict[str, object]) -> None:
    with pytest.raises(RuleDefinitionError):
        _define(**attrs)
    assert "AIO990" not in load_rules()


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_summary_is_the_whole_first_paragraph(rule: type[Rule]) -> None:
    """`aiolint rules`, the README table and `codes.py` show a rule's summary:
    the docstring's first paragraph, however many lines it spans."""
    paragraph = inspect.cleandoc(rule.__doc__ or "").split("\n\n", 1)[0]
    assert rule.summary == " ".join(line.strip() for line in paragraph.splitlines())
    assert rule.summary.endswith((".", "?", "!")), rule.summary
    assert CODES[rule.code].summary == rule.summary

"""SARIF 2.1.0, as GitHub code scanning reads it.

The rule descriptions come from the registry (each rule's docstring), paths
are relative to the run's root (`%SRCROOT%`), columns count characters, and a
diagnostic with a fix carries it as SARIF `fixes`. A byte of a file name that
does not decode is U+FFFD, as in every format, so `%EF%BF%BD` in a URI (as
ruff writes it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from aiolint import __version__
from aiolint.docs import render_rule
from aiolint.engine.model import Diagnostic, Location, TextFix
from aiolint.engine.registry import load_rules
from aiolint.engine.rule import Rule
from aiolint.reporters.base import HOME_URL, ReportContext, rule_url
from aiolint.reporters.output import valid_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVEL = "error"


def _description(rule: type[Rule]) -> str:
    docs = rule.docs()
    parts = [docs.get("What it does", ""), docs.get("Why is this bad?", "")]
    return "\n\n".join(part for part in parts if part) or rule.summary


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    description = _description(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": description},
        "help": {"text": description, "markdown": render_rule(rule)},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": LEVEL},
        "properties": {"fixAvailability": rule.fix_availability.value},
    }


def artifact_location(path: str, root: str | Path) -> dict[str, str]:
    """`path` relative to `root` with `uriBaseId`, or an absolute file URI outside it."""
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else Path.cwd() / candidate
    try:
        relative = absolute.resolve().relative_to(Path(root).resolve())
    except ValueError:
        return {"uri": Path(valid_text(str(absolute.resolve()))).as_uri()}
    return {"uri": quote(valid_text(relative.as_posix())), "uriBaseId": SRCROOT}


def _root_uri(root: str) -> str:
    return Path(valid_text(str(Path(root).resolve()))).as_uri() + "/"


def _region(start: Location, end: Location) -> dict[str, int]:
    return {
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    }


def _fix(fix: TextFix, location: dict[str, str]) -> dict[str, Any]:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": location,
                "replacements": [
                    {
                        "deletedRegion": _region(edit.location, edit.end_location),
                        "insertedContent": {"text": edit.content},
                    }
                    for edit in fix.edits
                ],
            }
        ],
        "properties": {"applicability": fix.applicability.value},
    }


def _result(d: Diagnostic, rule_index: dict[str, int], root: str) -> dict[str, Any]:
    location = artifact_location(d.path, root)
    result: dict[str, Any] = {
        "ruleId": d.code,
        "level": LEVEL,
        "message": {"text": d.message},
        "locations": [
            {"physicalLocation": {"artifactLocation": location, "region": _region(d.start, d.end)}}
        ],
    }
    if d.code in rule_index:
        result["ruleIndex"] = rule_index[d.code]
    fix = d.text_fix
    if fix is not None:
        result["fixes"] = [_fix(fix, location)]
    return result


def sarif_log(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> dict[str, Any]:
    rules = list(load_rules().values())
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aiolint",
                        "version": __version__,
                        "informationUri": HOME_URL,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(ctx.root)}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, rule_index, ctx.root) for d in diagnostics],
            }
        ],
    }


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    json.dump(sarif_log(diagnostics, ctx), out, indent=2, ensure_ascii=False)
    out.write("\n")

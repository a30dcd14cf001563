"""JUnit XML for CI test dashboards: one test suite `aiolint`, one test case per
file with findings (a `<failure>` per diagnostic); a clean run is one passing
test case, so the suite is never empty. A character XML 1.0 cannot hold (a
control character or an undecodable byte of a file name) is written as
U+FFFD."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from aiolint.engine.model import Diagnostic
from aiolint.reporters.base import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

SUITE = "aiolint"
CLEAN_CASE = "No errors found"
#: What XML 1.0's `Char` excludes (tab, line feed and carriage return are allowed).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _classname(path: str) -> str:
    """`pkg/a.py` -> `pkg.a` (the dotted name CI dashboards group by)."""
    stem = path[:-4] if path.endswith(".pyi") else path.removesuffix(".py")
    return stem.replace("\\", "/").strip("/").replace("/", ".") or path


def build_junit(diagnostics: Sequence[Diagnostic]) -> ET.Element:
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    by_file = [(path, list(group)) for path, group in groupby(ordered, key=lambda d: d.path)]
    tests = max(len(by_file), 1)
    counts = {"tests": str(tests), "failures": str(len(by_file)), "errors": "0"}
    suites = ET.Element("testsuites", {"name": SUITE, **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": SUITE, **counts, "skipped": "0"})
    if not by_file:
        ET.SubElement(suite, "testcase", {"name": CLEAN_CASE, "classname": SUITE})
    for path, found in by_file:
        name, classname = _xml(path), _xml(_classname(path))
        case = ET.SubElement(suite, "testcase", {"name": name, "classname": classname})
        for d in found:
            message = _xml(f"{d.code} {d.message}")
            failure = ET.SubElement(case, "failure", {"message": message, "type": d.code})
            failure.text = f"{name}:{d.start.line}:{d.start.column}: {message}"
    return suites


def write(out: TextIO, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> None:
    tree = ET.ElementTree(build_junit(diagnostics))
    ET.indent(tree, space="  ")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    tree.write(out, encoding="unicode")
    out.write("\n")

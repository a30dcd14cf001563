"""The formats that copy ruff's emitters, checked against ruff's own snapshots.

The diagnostics are ruff's emitter-test fixture (`fib.py`, `undef.py` in
crates/ruff_linter/src/message/mod.rs); each expected output is the snapshot
ruff's tests keep for that emitter (ruff 0.11: `text` with `show_source` is
`full`), copied literally, with only ruff's name and URLs changed to aiolint's
where the format carries them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from aiolint.engine.model import Applicability, Diagnostic, Location, TextEdit, TextFix
from aiolint.reporters import FORMATS, ReportContext
from aiolint.reporters.frame import code_frame
from aiolint.reporters.statistics import Statistic, statistics, write_json, write_table
from aiolint.reporters.style import Style

FIB = '''import os


def fibonacci(n):
    """Compute the nth number in the Fibonacci sequence."""
    x = 1
    if n == 0:
        return 0
    elif n == 1:
        return 1
    else:
        return fibonacci(n - 1) + fibonacci(n - 2)
'''
UNDEF = "if a == 1: pass\n"
SOURCES = {"fib.py": FIB, "undef.py": UNDEF}


def _fix(title: str, start: tuple[int, int], end: tuple[int, int]) -> TextFix:
    edit = TextEdit(0, 0, "", Location(*start), Location(*end))
    return TextFix(title, Applicability.UNSAFE, (edit,))


DIAGNOSTICS = [
    Diagnostic(
        "fib.py",
        "F401",
        "`os` imported but unused",
        Location(1, 8),
        Location(1, 10),
        _fix("Remove unused import: `os`", (1, 1), (2, 1)),
        "unused-import",
    ),
    Diagnostic(
        "fib.py",
        "F841",
        "Local variable `x` is assigned to but never used",
        Location(6, 5),
        Location(6, 6),
        _fix("Remove assignment to unused variable `x`", (6, 5), (6, 10)),
        "unused-variable",
    ),
    Diagnostic(
        "undef.py",
        "F821",
        "Undefined name `a`",
        Location(1, 4),
        Location(1, 5),
        None,
        "undefined-name",
    ),
]


def render(name: str, *, unsafe_fixes: bool = True, color: bool = False) -> str:
    out = io.StringIO()
    ctx = ReportContext(
        unsafe_fixes=unsafe_fixes,
        source_text=lambda d: SOURCES.get(d.path),
        color=color,
    )
    FORMATS[name](out, DIAGNOSTICS, ctx)
    return out.getvalue()


# ruff_linter__message__text__tests__fix_status_unsafe.snap (ruff 0.11)
FULL = '''\
fib.py:1:8: F401 [*] `os` imported but unused
  |
1 | import os
  |        ^^ F401
  |
  = help: Remove unused import: `os`

fib.py:6:5: F841 [*] Local variable `x` is assigned to but never used
  |
4 | def fibonacci(n):
5 |     """Compute the nth number in the Fibonacci sequence."""
6 |     x = 1
  |     ^ F841
7 |     if n == 0:
8 |         return 0
  |
  = help: Remove assignment to unused variable `x`

undef.py:1:4: F821 Undefined name `a`
  |
1 | if a == 1: pass
  |    ^ F821
  |

'''


def test_full() -> None:
    assert render("full") == FULL


def test_full_hides_the_marker_of_a_fix_that_would_not_apply() -> None:
    assert render("full", unsafe_fixes=False) == FULL.replace(" [*] ", " ")


def test_full_without_source_prints_the_line_alone() -> None:
    out = io.StringIO()
    FORMATS["full"](out, DIAGNOSTICS[2:], ReportContext())
    assert out.getvalue() == "undef.py:1:4: F821 Undefined name `a`\n"


# ruff 0.11 `--output-format full` on these files (SIM105, C408, W191): a
# range over several lines starting a line (`/`) or inside one (`_^`), and a tab.
MULTILINE = """\
def f():
    x = 1
    try:
        foo()
    except ValueError:
        pass

    return {}, dict(
        a=1,
    )
\t# tab
"""


def _frame(code: str, start: tuple[int, int], end: tuple[int, int]) -> str:
    diagnostic = Diagnostic("t.py", code, "m", Location(*start), Location(*end))
    return "\n".join(code_frame(MULTILINE, diagnostic))


def test_frame_of_a_range_over_lines() -> None:
    assert _frame("SIM105", (3, 5), (6, 13)) == (
        "  |\n"
        "1 |   def f():\n"
        "2 |       x = 1\n"
        "3 | /     try:\n"
        "4 | |         foo()\n"
        "5 | |     except ValueError:\n"
        "6 | |         pass\n"
        "  | |____________^ SIM105\n"
        "7 |\n"
        "8 |       return {}, dict(\n"
        "  |"
    )
    assert _frame("C408", (8, 16), (10, 6)) == (
        "   |\n"
        " 6 |           pass\n"
        " 7 |\n"
        " 8 |       return {}, dict(\n"
        "   |  ________________^\n"
        " 9 | |         a=1,\n"
        "10 | |     )\n"
        "   | |_____^ C408\n"
        "11 |       # tab\n"
        "   |"
    )
    assert _frame("W191", (11, 1), (11, 2)) == (
        "   |\n 9 |         a=1,\n10 |     )\n11 |     # tab\n   | ^^^^ W191\n   |"
    )


# ruff_linter__message__grouped__tests__default.snap, and with the fix status
GROUPED = """\
fib.py:
  1:8 F401 `os` imported but unused
  6:5 F841 Local variable `x` is assigned to but never used

undef.py:
  1:4 F821 Undefined name `a`

"""


def test_grouped() -> None:
    assert render("grouped", unsafe_fixes=False) == GROUPED
    marked = GROUPED.replace("F401 `os`", "F401 [*] `os`").replace("F841 Local", "F841 [*] Local")
    assert render("grouped") == marked


def test_grouped_aligns_lines_and_columns() -> None:
    found = [
        Diagnostic("a.py", "F401", "x", Location(1, 8), Location(1, 9)),
        Diagnostic("a.py", "F841", "y", Location(12, 5), Location(12, 6)),
        Diagnostic("a.py", "F821", "z", Location(100, 12), Location(100, 13)),
    ]
    out = io.StringIO()
    FORMATS["grouped"](out, found, ReportContext())
    assert out.getvalue() == "a.py:\n    1:8  F401 x\n   12:5  F841 y\n  100:12 F821 z\n\n"


# ruff_linter__message__pylint__tests__output.snap
def test_pylint() -> None:
    assert render("pylint") == (
        "fib.py:1: [F401] `os` imported but unused\n"
        "fib.py:6: [F841] Local variable `x` is assigned to but never used\n"
        "undef.py:1: [F821] Undefined name `a`\n"
    )


# ruff_linter__message__azure__tests__output.snap (ruff's paths are absolute, as here)
def test_azure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert render("azure") == (
        f"##vso[task.logissue type=error;sourcepath={tmp_path}/fib.py;linenumber=1;"
        "columnnumber=8;code=F401;]`os` imported but unused\n"
        f"##vso[task.logissue type=error;sourcepath={tmp_path}/fib.py;linenumber=6;"
        "columnnumber=5;code=F841;]Local variable `x` is assigned to but never used\n"
        f"##vso[task.logissue type=error;sourcepath={tmp_path}/undef.py;linenumber=1;"
        "columnnumber=4;code=F821;]Undefined name `a`\n"
    )


# ruff_linter__message__json_lines__tests__output.snap (ruff 0.6+: `cell`, a string
# applicability), with aiolint's rule URLs
def test_json_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = "https://github.com/aiolint/aiolint/blob/main/docs/rules/{}.md"
    assert render("json-lines").splitlines() == [
        '{"cell":null,"code":"F401","end_location":{"column":10,"row":1},'
        f'"filename":"{tmp_path}/fib.py","fix":{{"applicability":"unsafe","edits":'
        '[{"content":"","end_location":{"column":1,"row":2},"location":{"column":1,"row":1}}],'
        '"message":"Remove unused import: `os`"},"location":{"column":8,"row":1},'
        f'"message":"`os` imported but unused","noqa_row":1,"url":"{url.format("F401")}"}}',
        '{"cell":null,"code":"F841","end_location":{"column":6,"row":6},'
        f'"filename":"{tmp_path}/fib.py","fix":{{"applicability":"unsafe","edits":'
        '[{"content":"","end_location":{"column":10,"row":6},"location":{"column":5,"row":6}}],'
        '"message":"Remove assignment to unused variable `x`"},"location":{"column":5,"row":6},'
        '"message":"Local variable `x` is assigned to but never used","noqa_row":6,'
        f'"url":"{url.format("F841")}"}}',
        '{"cell":null,"code":"F821","end_location":{"column":5,"row":1},'
        f'"filename":"{tmp_path}/undef.py","fix":null,"location":{{"column":4,"row":1}},'
        f'"message":"Undefined name `a`","noqa_row":1,"url":"{url.format("F821")}"}}',
    ]
    first = json.loads(render("json-lines").splitlines()[0])
    out = io.StringIO()
    FORMATS["json"](out, DIAGNOSTICS, ReportContext())
    assert json.loads(out.getvalue())[0] == first  # the json format's objects


# ruff_linter__message__rdjson__tests__output.snap, with aiolint's source and URLs
RDJSON = """\
{
  "diagnostics": [
    {
      "code": {
        "url": "https://github.com/aiolint/aiolint/blob/main/docs/rules/F401.md",
        "value": "F401"
      },
      "location": {
        "path": "ROOT/fib.py",
        "range": {
          "end": {
            "column": 10,
            "line": 1
          },
          "start": {
            "column": 8,
            "line": 1
          }
        }
      },
      "message": "`os` imported but unused",
      "suggestions": [
        {
          "range": {
            "end": {
              "column": 1,
              "line": 2
            },
            "start": {
              "column": 1,
              "line": 1
            }
          },
          "text": ""
        }
      ]
    },
    {
      "code": {
        "url": "https://github.com/aiolint/aiolint/blob/main/docs/rules/F841.md",
        "value": "F841"
      },
      "location": {
        "path": "ROOT/fib.py",
        "range": {
          "end": {
            "column": 6,
            "line": 6
          },
          "start": {
            "column": 5,
            "line": 6
          }
        }
      },
      "message": "Local variable `x` is assigned to but never used",
      "suggestions": [
        {
          "range": {
            "end": {
              "column": 10,
              "line": 6
            },
            "start": {
              "column": 5,
              "line": 6
            }
          },
          "text": ""
        }
      ]
    },
    {
      "code": {
        "url": "https://github.com/aiolint/aiolint/blob/main/docs/rules/F821.md",
        "value": "F821"
      },
      "location": {
        "path": "ROOT/undef.py",
        "range": {
          "end": {
            "column": 5,
            "line": 1
          },
          "start": {
            "column": 4,
            "line": 1
          }
        }
      },
      "message": "Undefined name `a`"
    }
  ],
  "severity": "warning",
  "source": {
    "name": "aiolint",
    "url": "https://github.com/aiolint/aiolint"
  }
}
"""


def test_rdjson(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert render("rdjson") == RDJSON.replace("ROOT", str(tmp_path))


# ruff 0.11 `--statistics` (table and `--output-format json`): F841 twice (unsafe
# fix, not applied), F401 once (safe fix), SIM105 once (unsafe fix)
def _statistics_input() -> list[Diagnostic]:
    def one(code: str, name: str, line: int, applicability: Applicability) -> Diagnostic:
        fix = TextFix("t", applicability, ())
        return Diagnostic("t.py", code, "m", Location(line, 1), Location(line, 2), fix, name)

    return [
        one("F401", "unused-import", 1, Applicability.SAFE),
        one("F841", "unused-variable", 5, Applicability.UNSAFE),
        one("SIM105", "suppressible-exception", 6, Applicability.UNSAFE),
        one("F841", "unused-variable", 11, Applicability.UNSAFE),
    ]


def test_statistics_table_and_json() -> None:
    found = statistics(_statistics_input(), ReportContext().would_fix)
    assert found == [
        Statistic("F841", "unused-variable", 2, False),
        Statistic("F401", "unused-import", 1, True),
        Statistic("SIM105", "suppressible-exception", 1, False),
    ]
    table = io.StringIO()
    write_table(table, found)
    assert table.getvalue() == (
        "2\tF841  \t[ ] unused-variable\n"
        "1\tF401  \t[*] unused-import\n"
        "1\tSIM105\t[ ] suppressible-exception\n"
    )
    as_json = io.StringIO()
    write_json(as_json, found)
    assert as_json.getvalue() == (
        "[\n"
        '  {\n    "code": "F841",\n    "name": "unused-variable",\n'
        '    "count": 2,\n    "fixable": false\n  },\n'
        '  {\n    "code": "F401",\n    "name": "unused-import",\n'
        '    "count": 1,\n    "fixable": true\n  },\n'
        '  {\n    "code": "SIM105",\n    "name": "suppressible-exception",\n'
        '    "count": 1,\n    "fixable": false\n  }\n'
        "]\n"
    )
    # a code any of whose findings has no fix is not fixable (ruff's rule)
    no_fix = Diagnostic("t.py", "F401", "m", Location(2, 1), Location(2, 2), None, "unused-import")
    mixed = [*_statistics_input(), no_fix]
    assert statistics(mixed, ReportContext().would_fix)[0] == Statistic(
        "F401", "unused-import", 2, False
    )


# ruff 0.11 with FORCE_COLOR=1 (`cat -v`): concise, grouped, statistics and full
def test_colours_are_ruffs() -> None:
    concise = render("concise", color=True).splitlines()[0]
    assert concise == (
        "\x1b[1mfib.py\x1b[0m\x1b[36m:\x1b[0m1\x1b[36m:\x1b[0m8\x1b[36m:\x1b[0m "
        "\x1b[1;31mF401\x1b[0m [\x1b[36m*\x1b[0m] `os` imported but unused"
    )
    text = render("text", color=True).splitlines()[0]
    assert text == concise.replace("[\x1b[36m*\x1b[0m] ", "")
    grouped = render("grouped", color=True).splitlines()[:2]
    assert grouped == [
        "\x1b[4mfib.py\x1b[0m:",
        "  1\x1b[36m:\x1b[0m8 \x1b[1;31mF401\x1b[0m [\x1b[36m*\x1b[0m] `os` imported but unused",
    ]
    full = render("full", color=True).splitlines()[:6]
    assert full[1:] == [
        "  \x1b[1m\x1b[94m|\x1b[0m",
        "\x1b[1m\x1b[94m1 |\x1b[0m import os",
        "  \x1b[1m\x1b[94m|\x1b[0m        \x1b[1m\x1b[91m^^\x1b[0m \x1b[1m\x1b[91mF401\x1b[0m",
        "  \x1b[1m\x1b[94m|\x1b[0m",
        "  \x1b[1m\x1b[94m= \x1b[0m\x1b[1m\x1b[96mhelp\x1b[0m: Remove unused import: `os`",
    ]
    table = io.StringIO()
    write_table(table, [Statistic("F401", "unused-import", 1, True)], Style(True))
    assert table.getvalue() == (
        "\x1b[1m1\x1b[0m\t\x1b[1;31mF401\x1b[0m\t[\x1b[36m*\x1b[0m] unused-import\n"
    )
    for name in ("json", "pylint", "azure", "rdjson", "github"):
        assert "\x1b[" not in render(name, color=True), name

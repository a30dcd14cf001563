"""`aiolint check --output-format ...` and `--output-file`: the shape of each format."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from helpers import run_cli

from aiolint import __version__
from aiolint.engine.model import Applicability, Diagnostic, Location, TextEdit, TextFix
from aiolint.engine.registry import load_rules
from aiolint.reporters import FORMATS, ReportContext, concise, github, gitlab, sarif
from aiolint.reporters import json as json_format

#: The OASIS SARIF 2.1.0 schema, kept in the repository (tests/data/README.md: its licence).
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
#: AIO204 offers no fix (RULES.md), so these CLI runs stay put when rules gain fixes.
SOURCE = 'import json\n\n\nasync def handler():\n    return json.load(open("data.json"))\n'
MESSAGE = (
    "Blocking file I/O `open()` in async code stalls the event loop; use `aiofiles`, "
    "`anyio.open_file` / `anyio.Path`, or `await asyncio.to_thread(...)`"
)
URL = "https://github.com/aiolint/aiolint/blob/main/docs/rules/AIO204.md"
#: For the diagnostic with a fix, built by hand.
SLEEP_MESSAGE = "Blocking `time.sleep()` in async code stalls the event loop"
SLEEP_URL = "https://github.com/aiolint/aiolint/blob/main/docs/rules/AIO201.md"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.aiolint]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(SOURCE + "\n\nasync def other():\n    open('x')\n")
    (tmp_path / "b.py").write_text(SOURCE)
    (tmp_path / "clean.py").write_text('def f():\n    return open("data.json")\n')
    return tmp_path


def sarif_schema() -> dict[str, object]:
    assert SCHEMA.is_file(), f"SARIF schema missing: {SCHEMA}"
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def fixed_diagnostic(applicability: Applicability, path: str = "pkg/a.py") -> Diagnostic:
    edit = TextEdit(
        start=40,
        end=53,
        content="await asyncio.sleep(1)",
        location=Location(5, 5),
        end_location=Location(5, 18),
    )
    insert = TextEdit(
        start=0,
        end=0,
        content="import asyncio\n",
        location=Location(1, 1),
        end_location=Location(1, 1),
    )
    fix = TextFix("Use `asyncio.sleep`", applicability, (insert, edit))
    return Diagnostic(
        path, "AIO201", SLEEP_MESSAGE, Location(5, 5), Location(5, 18), fix, "blocking-sleep"
    )


def render(name: str, diagnostics: list[Diagnostic], ctx: ReportContext | None = None) -> str:
    out = io.StringIO()
    FORMATS[name](out, diagnostics, ctx or ReportContext())
    return out.getvalue()


def test_registry_lists_every_format() -> None:
    assert list(FORMATS) == [
        "text",
        "concise",
        "full",
        "grouped",
        "json",
        "json-lines",
        "sarif",
        "github",
        "gitlab",
        "junit",
        "pylint",
        "rdjson",
        "azure",
    ]


def test_text_is_the_default(project: Path, capsys) -> None:
    default = run_cli(capsys, "check")
    explicit = run_cli(capsys, "check", "--output-format", "text")
    assert default.out == explicit.out
    assert default.lines[0] == f"b.py:5:22: AIO204 {MESSAGE}"
    assert len(default.lines) == 3


def test_concise(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--output-format", "concise")
    assert run.code == 1
    assert run.lines == [
        f"b.py:5:22: AIO204 {MESSAGE}",
        f"pkg/a.py:5:22: AIO204 {MESSAGE}",
        f"pkg/a.py:9:5: AIO204 {MESSAGE}",
    ]
    assert run.err.strip() == "Found 3 errors in 2 files."


@pytest.mark.parametrize(
    ("applicability", "unsafe_fixes", "marked"),
    [
        (Applicability.SAFE, False, True),
        (Applicability.UNSAFE, False, False),
        (Applicability.UNSAFE, True, True),
        (Applicability.DISPLAY, True, False),
    ],
)
def test_concise_marks_fixes_that_would_apply(
    applicability: Applicability, unsafe_fixes: bool, marked: bool
) -> None:
    d = fixed_diagnostic(applicability)
    line = concise.format_concise(d, fixable=ReportContext(unsafe_fixes=unsafe_fixes).would_fix(d))
    mark = "[*] " if marked else ""
    assert line == f"pkg/a.py:5:5: AIO201 {mark}{SLEEP_MESSAGE}"


def test_report_context_prefers_the_runs_fix_settings() -> None:
    d = fixed_diagnostic(Applicability.SAFE)
    assert ReportContext().would_fix(d)
    assert not ReportContext(fixable=lambda _: False).would_fix(d)
    no_fix = Diagnostic("a.py", "AIO201", MESSAGE, Location(1, 1), Location(1, 2))
    assert not ReportContext(unsafe_fixes=True).would_fix(no_fix)


def test_json_exact(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "b.py", "--output-format", "json")
    assert run.code == 1
    assert json.loads(run.out) == [
        {
            "cell": None,
            "code": "AIO204",
            "end_location": {"column": 39, "row": 5},
            "filename": str(project / "b.py"),
            "fix": None,
            "location": {"column": 22, "row": 5},
            "message": MESSAGE,
            "noqa_row": 5,
            "url": URL,
        }
    ]


def test_json_clean_run_is_an_empty_list(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "clean.py", "--output-format", "json")
    assert (run.code, json.loads(run.out)) == (0, [])


def test_json_fix(project: Path) -> None:
    [item] = json.loads(render("json", [fixed_diagnostic(Applicability.UNSAFE)]))
    assert item["fix"] == {
        "applicability": "unsafe",
        "edits": [
            {
                "content": "import asyncio\n",
                "end_location": {"column": 1, "row": 1},
                "location": {"column": 1, "row": 1},
            },
            {
                "content": "await asyncio.sleep(1)",
                "end_location": {"column": 18, "row": 5},
                "location": {"column": 5, "row": 5},
            },
        ],
        "message": "Use `asyncio.sleep`",
    }
    assert item["filename"] == str(project / "pkg" / "a.py")
    assert json_format.diagnostic_json(fixed_diagnostic(Applicability.SAFE))["url"] == SLEEP_URL


def test_sarif_valid_and_shaped(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--output-format", "sarif")
    assert run.code == 1
    log = json.loads(run.out)
    jsonschema.validate(log, sarif_schema())
    assert log["version"] == "2.1.0"
    [sarif_run] = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("aiolint", __version__)
    rules = load_rules()
    assert [r["id"] for r in driver["rules"]] == list(rules)
    descriptor = driver["rules"][list(rules).index("AIO204")]
    rule = rules["AIO204"]
    assert descriptor["name"] == "blocking-file-io"
    assert descriptor["shortDescription"]["text"] == rule.summary
    assert rule.docs()["What it does"] in descriptor["fullDescription"]["text"]
    assert rule.docs()["Why is this bad?"] in descriptor["help"]["markdown"]
    assert descriptor["helpUri"] == URL
    results = sarif_run["results"]
    assert [r["ruleId"] for r in results] == ["AIO204"] * 3
    first = results[0]
    assert driver["rules"][first["ruleIndex"]]["id"] == "AIO204"
    assert first["level"] == "error"
    assert first["message"] == {"text": MESSAGE}
    assert "fixes" not in first
    [location] = first["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "b.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 5, "startColumn": 22, "endLine": 5, "endColumn": 39},
    }
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["b.py", "pkg/a.py", "pkg/a.py"]
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_sarif_clean_run_is_valid(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "clean.py", "--output-format", "sarif")
    log = json.loads(run.out)
    jsonschema.validate(log, sarif_schema())
    assert run.code == 0 and log["runs"][0]["results"] == []


def test_sarif_fixes(project: Path) -> None:
    log = json.loads(
        render("sarif", [fixed_diagnostic(Applicability.SAFE)], ReportContext(project))
    )
    jsonschema.validate(log, sarif_schema())
    [fix] = log["runs"][0]["results"][0]["fixes"]
    assert fix["description"] == {"text": "Use `asyncio.sleep`"}
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "pkg/a.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
            "insertedContent": {"text": "import asyncio\n"},
        },
        {
            "deletedRegion": {"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 18},
            "insertedContent": {"text": "await asyncio.sleep(1)"},
        },
    ]


def test_sarif_uri_outside_root_is_absolute(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "other dir" / "x.py"
    assert sarif.artifact_location(str(root / "sub dir" / "x.py"), root) == {
        "uri": "sub%20dir/x.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert sarif.artifact_location(str(outside), root) == {"uri": outside.as_uri()}


def test_github(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "b.py", "--output-format", "github")
    assert run.code == 1
    assert run.lines == [
        "::error title=aiolint (AIO204),file=b.py,line=5,col=22,endLine=5,endColumn=39"
        f"::AIO204 {MESSAGE}"
    ]


def test_github_escaping() -> None:
    d = Diagnostic(
        "dir,x/a:b%.py", "AIO304", "100% bad,\r\nreally: yes", Location(2, 3), Location(4, 1)
    )
    assert github.format_github(d) == (
        "::error title=aiolint (AIO304),file=dir%2Cx/a%3Ab%25.py,line=2,col=3,endLine=4,"
        "endColumn=1::AIO304 100%25 bad,%0D%0Areally: yes"
    )
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert github.escape_data("a:b,c%\r") == "a:b,c%25%0D"


def test_junit(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--output-format", "junit")
    assert run.code == 1
    suites = ET.fromstring(run.out)
    [suite] = suites.findall("testsuite")
    assert suite.get("name") == "aiolint"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["b.py", "pkg/a.py"]
    assert [len(c.findall("failure")) for c in cases] == [1, 2]
    assert len(suite.findall(".//failure")) == 3
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "2", "0")
    failure = cases[1].findall("failure")[1]
    assert failure.get("type") == "AIO204"
    assert failure.get("message") == f"AIO204 {MESSAGE}"
    assert failure.text == f"pkg/a.py:9:5: AIO204 {MESSAGE}"


def test_junit_clean_run(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "clean.py", "--output-format", "junit")
    assert run.code == 0
    [suite] = ET.fromstring(run.out).findall("testsuite")
    assert suite.get("name") == "aiolint" and suite.get("failures") == "0"
    assert suite.findall(".//failure") == []
    assert len(suite.findall("testcase")) == 1


def gitlab_report(capsys, *args: str) -> list[dict[str, object]]:
    run = run_cli(capsys, "check", "--output-format", "gitlab", *args)
    assert run.code == 1
    return json.loads(run.out)


def test_gitlab_shape(project: Path, capsys) -> None:
    [issue] = gitlab_report(capsys, "b.py")
    assert set(issue) == {"check_name", "description", "fingerprint", "location", "severity"}
    assert issue["check_name"] == "AIO204"
    assert issue["description"] == f"AIO204: {MESSAGE}"
    assert issue["severity"] == "major"
    assert issue["location"] == {"path": "b.py", "lines": {"begin": 5, "end": 5}}
    assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) == 32


def test_gitlab_fingerprint_survives_a_moved_line(project: Path, capsys) -> None:
    before = gitlab_report(capsys, "pkg/a.py")
    source = (project / "pkg" / "a.py").read_text()
    (project / "pkg" / "a.py").write_text("# a header comment\n\n" + source)
    after = gitlab_report(capsys, "pkg/a.py")
    assert [i["location"]["lines"]["begin"] for i in after] == [7, 11]
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]
    # different source lines, different fingerprints
    assert before[0]["fingerprint"] != before[1]["fingerprint"]


def test_gitlab_identical_lines_get_distinct_fingerprints() -> None:
    first = Diagnostic("a.py", "AIO201", MESSAGE, Location(5, 5), Location(5, 18))
    second = Diagnostic("a.py", "AIO201", MESSAGE, Location(9, 5), Location(9, 18))
    ctx = ReportContext(source_line=lambda d: "    time.sleep(1)\n")
    issues = gitlab.gitlab_issues([first, second], ctx)
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]
    assert issues[0]["fingerprint"] == gitlab.fingerprint("a.py", "AIO201", "time.sleep(1)")


def test_output_file(project: Path, capsys) -> None:
    target = project / "reports" / "nested" / "aiolint.json"
    run = run_cli(capsys, "check", "--output-format", "json", "--output-file", str(target))
    assert run.code == 1
    assert run.out == ""
    assert run.err.strip() == "Found 3 errors in 2 files."
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 3
    # overwritten, not appended
    run = run_cli(
        capsys, "check", "clean.py", "--output-format", "json", "--output-file", str(target)
    )
    assert (run.code, run.out) == (0, "")
    assert json.loads(target.read_text(encoding="utf-8")) == []


def test_output_file_text(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "b.py", "--output-file", "out.txt")
    assert run.out == ""
    assert (project / "out.txt").read_text() == f"b.py:5:22: AIO204 {MESSAGE}\n"


def test_output_file_unwritable_is_an_error(project: Path, capsys) -> None:
    (project / "blocker").write_text("a file, not a folder")
    run = run_cli(capsys, "check", "--output-file", "blocker/report.txt")
    assert run.code == 2
    assert "blocker/report.txt" in run.err and "Traceback" not in run.err


def test_statistics_json_is_ruffs_list(project: Path, capsys) -> None:
    # ruff prints the statistics instead of the findings: a JSON list with `json`
    run = run_cli(capsys, "check", "--output-format", "json", "--statistics")
    assert run.code == 1
    assert json.loads(run.out) == [
        {"code": "AIO204", "name": "blocking-file-io", "count": 3, "fixable": False}
    ]
    run = run_cli(capsys, "check", "--output-format", "concise", "--statistics")
    assert run.lines == ["3\tAIO204\tblocking-file-io"]  # no fixable code: no marker column


@pytest.mark.parametrize("name", ["sarif", "github", "grouped", "junit", "rdjson"])
def test_statistics_refuse_other_formats(project: Path, capsys, name: str) -> None:
    run = run_cli(capsys, "check", "--output-format", name, "--statistics")
    assert run.code == 2 and run.out == ""
    assert f"not the {name} output format" in run.err


def test_output_format_from_config(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text('[tool.aiolint]\noutput-format = "github"\n')
    run = run_cli(capsys, "check", "b.py")
    assert run.lines[0].startswith("::error title=aiolint (AIO204),file=b.py,")
    # the command line wins
    run = run_cli(capsys, "check", "b.py", "--output-format", "concise")
    assert run.lines == [f"b.py:5:22: AIO204 {MESSAGE}"]


def test_bad_output_format_in_config(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text('[tool.aiolint]\noutput-format = "xml"\n')
    run = run_cli(capsys, "check", "b.py")
    assert run.code == 2
    assert "output-format" in run.err and "'xml'" in run.err and "pyproject.toml" in run.err


def test_bad_output_format_flag(project: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli(capsys, "check", "--output-format", "xml")
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err

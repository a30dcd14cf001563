"""`--baseline` / `--write-baseline`: only findings the baseline does not record are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

from aiolint.cli.baseline import enclosing_scope

METHOD = "import time\n\n\nclass Api:\n    async def get(self):\n        time.sleep(1)\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "api.py").write_text(METHOD)
    (tmp_path / "app.py").write_text(SLEEPY)
    return tmp_path


def write_baseline(capsys, path: str = "baseline.json") -> dict:
    run = run_cli(capsys, "check", "--write-baseline", path)
    assert run.code == 0, run.err
    assert run.out == ""
    assert "Wrote 2 findings to baseline.json." in run.err
    return json.loads(Path(path).read_text())


def test_written_baseline_shape(project: Path, capsys) -> None:
    data = write_baseline(capsys)
    assert data["version"] == 1
    assert [(e["code"], e["path"]) for e in data["entries"]] == [
        ("AIO201", "app.py"),
        ("AIO201", "pkg/api.py"),
    ]
    assert all(
        len(e["fingerprint"]) == 16 and "time.sleep" in e["message"] for e in data["entries"]
    )
    assert data["entries"][0]["fingerprint"] != data["entries"][1]["fingerprint"]


def test_recorded_findings_are_not_reported(project: Path, capsys) -> None:
    write_baseline(capsys)
    run = run_cli(capsys, "check", "--baseline", "baseline.json")
    assert (run.code, run.out, run.err.strip()) == (0, "", "All checks passed!")


def test_entries_survive_lines_moving(project: Path, capsys) -> None:
    write_baseline(capsys)
    api = project / "pkg" / "api.py"
    api.write_text(
        "import os\nimport time\n\n\ndef helper():\n    return os.getcwd()\n\n\n"
        + METHOD.replace("import time\n", "")
    )
    assert "time.sleep(1)" in api.read_text().splitlines()[12]
    run = run_cli(capsys, "check", "--baseline", "baseline.json")
    assert (run.code, run.out) == (0, "")


def test_each_entry_is_used_once(project: Path, capsys) -> None:
    write_baseline(capsys)
    # two identical new violations beside the recorded one: two are new
    (project / "app.py").write_text(SLEEPY + "    time.sleep(1)\n    time.sleep(1)\n")
    run = run_cli(capsys, "check", "--baseline", "baseline.json")
    assert run.code == 1
    assert [line.split(" ")[0] for line in run.lines] == ["app.py:6:5:", "app.py:7:5:"]
    assert run.err.startswith("Found 2 errors in 1 file.")


def test_one_of_two_identical_findings_is_new(project: Path, capsys) -> None:
    write_baseline(capsys)
    (project / "app.py").write_text(SLEEPY + "    time.sleep(1)\n")
    run = run_cli(capsys, "check", "--baseline", "baseline.json")
    assert run.code == 1 and len(run.lines) == 1


def test_same_line_in_another_function_is_new(project: Path, capsys) -> None:
    write_baseline(capsys)
    (project / "app.py").write_text(SLEEPY + "\n\nasync def other():\n    time.sleep(1)\n")
    run = run_cli(capsys, "check", "--baseline", "baseline.json")
    assert [line.split(" ")[0] for line in run.lines] == ["app.py:9:5:"]


def test_changed_line_is_new(project: Path, capsys) -> None:
    write_baseline(capsys)
    (project / "app.py").write_text(SLEEPY.replace("time.sleep(1)", "time.sleep(2)"))
    run = run_cli(capsys, "check", "--baseline", "baseline.json")
    assert [line.split(" ")[0] for line in run.lines] == ["app.py:5:5:"]


def test_baseline_from_a_subfolder_run_uses_cwd_relative_paths(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_baseline(capsys)
    monkeypatch.chdir(project / "pkg")
    # from pkg/, paths are relative to pkg/: the recorded "pkg/api.py" does not match "api.py"
    assert run_cli(capsys, "check", ".", "--baseline", "../baseline.json").code == 1
    monkeypatch.chdir(project)
    assert run_cli(capsys, "check", "pkg", "--baseline", "baseline.json").code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        ("{not json", "invalid JSON"),
        ('{"version": 99, "entries": []}', "expected version 1"),
        ('{"version": 1, "entries": {}}', "`entries` must be a list"),
        ('{"version": 1, "entries": [{"code": "AIO201"}]}', "entry 0 needs"),
    ],
)
def test_bad_baseline_is_an_error(project: Path, capsys, content: str | None, message: str) -> None:
    if content is not None:
        (project / "baseline.json").write_text(content)
    run = run_cli(capsys, "check", "--baseline", "baseline.json")
    assert run.code == 2 and run.out == ""
    assert run.err.startswith("aiolint: error: baseline.json: ") and message in run.err


def test_baseline_with_stdin(project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    write_baseline(capsys)
    stdin = io.TextIOWrapper(io.BytesIO((SLEEPY + "    time.sleep(1)\n").encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    run = run_cli(capsys, "check", "-", "--stdin-filename", "app.py", "--baseline", "baseline.json")
    assert [line.split(" ")[0] for line in run.lines] == ["app.py:6:5:"]


def test_enclosing_scope() -> None:
    lines = [
        "import time",
        "class Api:",
        "    def helper(self):",
        "        pass",
        "    async def get(self):",
        "        async def inner():",
        "",
        "            # comment",
        "            time.sleep(1)",
        "        time.sleep(2)",
        "time.sleep(3)",
    ]
    assert enclosing_scope(lines, 9) == "Api.get.inner"
    assert enclosing_scope(lines, 10) == "Api.get"
    assert enclosing_scope(lines, 4) == "Api.helper"
    assert enclosing_scope(lines, 11) == ""
    assert enclosing_scope(lines, 99) == ""


def test_write_baseline_refuses_diff(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--write-baseline", "baseline.json", "--diff")
    assert run.code == 2 and "--write-baseline does not go with --diff" in run.err
    assert not (project / "baseline.json").exists()


def test_fix_then_baseline_sees_the_fixed_files(project: Path, capsys) -> None:
    (project / "legacy.py").write_text(
        "import asyncio\n\n\nasync def main(a, b):\n    return await asyncio.gather(a(), b())\n"
    )
    write_baseline_run = run_cli(capsys, "check", "--write-baseline", "baseline.json")
    assert "Wrote 3 findings" in write_baseline_run.err
    # --fix rewrites the AIO201 lines (so their entries no longer match, and they
    # are gone); the unfixed AIO101 keeps matching its entry
    run = run_cli(capsys, "check", "--fix", "--baseline", "baseline.json")
    assert (run.code, run.out) == (0, "")
    assert "await asyncio.sleep(1)" in (project / "app.py").read_text()


def test_add_noqa_on_new_findings_only(project: Path, capsys) -> None:
    write_baseline(capsys)
    (project / "app.py").write_text(SLEEPY + "    time.sleep(2)\n")
    run = run_cli(capsys, "check", "--baseline", "baseline.json", "--add-noqa")
    assert (run.code, run.err.strip()) == (0, "Added 1 noqa directive.")
    assert (project / "app.py").read_text() == SLEEPY + "    time.sleep(2)  # noqa: AIO201\n"
    assert (project / "pkg" / "api.py").read_text() == METHOD

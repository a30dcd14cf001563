"""Every output format stays valid whatever a file is named, and `-o` never
leaves part of a report (issue 17).

A file name that is not UTF-8 (bytes Python holds as surrogate escapes) is
shown with U+FFFD for each byte that does not decode, in every format, as ruff
shows it (`%EF%BF%BD` in SARIF's URIs); the report is valid UTF-8 and parses
as its format. The CLI runs in a subprocess, as a CI job runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

from aiolint.reporters import FORMATS

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="file names that are not UTF-8 need a byte-named file system"
)

#: `\xff.py`: not UTF-8 at all; `ctl\x1b.py`: UTF-8, but a character XML 1.0
#: cannot hold (JUnit shows it as U+FFFD, JSON escapes it, the lines keep it).
NAMES = (b"\xff.py", b"ctl\x1b.py")


def shown(name: str) -> tuple[str, ...]:
    """How the format `name` spells the three files."""
    if name == "sarif":
        return ("%EF%BF%BD.py", "ctl%1B.py", "plain.py")
    if name == "junit":
        return ("\ufffd.py", "ctl\ufffd.py", "plain.py")
    return ("\ufffd.py", "ctl\x1b.py", "plain.py")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.aiolint]\n")
    for name in NAMES:
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(SLEEPY.encode())
    (root / "plain.py").write_text(SLEEPY)
    return root


def check(project: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIOLINT_")}
    return subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--no-cache", *args, "."],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
        timeout=300,
    )


def _paths_in(name: str, text: str) -> list[str]:
    """The file paths each format's parsed report names (of the three files)."""
    if name in ("json", "rdjson", "gitlab", "sarif", "json-lines"):
        lines = text.splitlines() if name == "json-lines" else [text]
        data = [json.loads(line) for line in lines]  # raises unless valid JSON
        if name == "json-lines":
            return [d["filename"] for d in data]
        if name == "json":
            return [d["filename"] for d in data[0]]
        if name == "rdjson":
            return [d["location"]["path"] for d in data[0]["diagnostics"]]
        if name == "gitlab":
            return [d["location"]["path"] for d in data[0]]
        results = data[0]["runs"][0]["results"]
        return [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    if name == "junit":
        root = ET.fromstring(text.encode("utf-8"))  # raises unless well-formed XML
        return [case.get("name", "") for case in root.iter("testcase")]
    return text.splitlines()


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_is_valid_with_a_file_name_that_is_not_utf8(project: Path, name: str) -> None:
    to_stdout = check(project, "--output-format", name)
    to_file = check(project, "--output-format", name, "-o", "report.out")
    assert to_stdout.returncode == to_file.returncode == 1, to_file.stderr
    assert b"internal error" not in to_stdout.stderr + to_file.stderr
    report = (project / "report.out").read_bytes()
    assert report == to_stdout.stdout
    text = report.decode("utf-8")  # strict: valid UTF-8
    assert "\udcff" not in text
    paths = _paths_in(name, text)
    for spelled in shown(name):
        assert any(spelled in path for path in paths), (name, spelled, paths)


def test_a_report_that_fails_to_render_leaves_the_previous_file(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(SLEEPY)
    report = tmp_path / "out" / "report.json"
    assert run_cli(capsys, "check", "--output-format", "json", "-o", str(report)).code == 1
    before = report.read_bytes()
    assert json.loads(before)

    import aiolint.reporters.json as json_format

    def half_then_fail(out, diagnostics, ctx) -> None:
        out.write('[{"code": ')
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(json_format, "write", half_then_fail)
    (tmp_path / "b.py").write_text(SLEEPY)
    run = run_cli(capsys, "check", "--output-format", "json", "-o", str(report))
    assert run.code == 2 and "rendering failed" in run.err
    assert run.out == ""  # and nothing half-written to stdout either
    assert report.read_bytes() == before
    assert os.listdir(report.parent) == ["report.json"]  # no temporary file left


def test_output_file_through_a_symlink_and_keeping_its_mode(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(SLEEPY)
    target = tmp_path / "reports" / "real.txt"
    target.parent.mkdir()
    target.write_text("old\n")
    target.chmod(0o640)
    (tmp_path / "link.txt").symlink_to(target)
    assert run_cli(capsys, "check", "-o", "link.txt").code == 1
    assert (tmp_path / "link.txt").is_symlink()
    assert target.read_text().startswith("a.py:5:5: AIO201")
    assert target.stat().st_mode & 0o777 == 0o640

"""`aiolint check`, `rule` and `rules` from the outside: output, exit codes, flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

from aiolint import __version__


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text(SLEEPY)
    (tmp_path / "pkg" / "a.py").write_text(SLEEPY + "\n\nasync def other():\n    time.sleep(2)\n")
    (tmp_path / "clean.py").write_text("import time\n\n\ndef f():\n    time.sleep(1)\n")
    return tmp_path


def test_findings_sorted_by_path_line_column_exit_1(project: Path, capsys) -> None:
    run = run_cli(capsys, "check")
    assert run.code == 1
    assert [line.split(" ")[0] for line in run.lines] == [
        "pkg/a.py:5:5:",
        "pkg/a.py:9:5:",
        "pkg/b.py:5:5:",
    ]
    assert all(" AIO201 " in line for line in run.lines)
    assert run.err.strip().splitlines() == [
        "Found 3 errors in 2 files.",
        "[*] 3 fixable with the `--fix` option.",
    ]


def test_clean_exit_0(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "clean.py")
    assert (run.code, run.out, run.err.strip()) == (0, "", "All checks passed!")


def test_exit_zero_and_quiet(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--exit-zero", "--quiet")
    assert run.code == 0 and len(run.lines) == 3 and run.err == ""


def test_select_ignore_extend_select(project: Path, capsys) -> None:
    assert run_cli(capsys, "check", "--ignore", "AIO201").code == 0
    assert run_cli(capsys, "check", "--select", "AIO0").code == 0
    assert run_cli(capsys, "check", "--select", "AIO0", "--extend-select", "AIO2").code == 1
    # the most specific selector wins
    assert run_cli(capsys, "check", "--ignore", "AIO2", "--extend-select", "AIO201").code == 1
    assert run_cli(capsys, "check", "--select", "ALL", "--ignore", "AIO201").code == 0


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_is_usage_error(project: Path, capsys, flag: str) -> None:
    run = run_cli(capsys, "check", flag, "AIO999")
    assert run.code == 2
    assert "AIO999" in run.err and "Traceback" not in run.err


def test_per_file_ignores_flag(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--per-file-ignores", "pkg/a.py:AIO201")
    assert run.code == 1 and [line.split(":")[0] for line in run.lines] == ["pkg/b.py"]
    run = run_cli(capsys, "check", "--per-file-ignores", "b.py:AIO2 a.py:AIO201")
    assert run.code == 0


def test_show_source_prints_line_and_caret(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "pkg/b.py", "--show-source")
    assert run.lines == [run.lines[0], "    time.sleep(1)", "    ^"]


def test_statistics(project: Path, capsys) -> None:
    # ruff's table only, not the findings: count, code, fix marker, rule name
    run = run_cli(capsys, "check", "--statistics")
    assert run.code == 1
    assert run.lines == ["3\tAIO201\t[*] blocking-sleep"]


def test_target_version_flag_validated(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--target-version", "py39")
    assert run.code == 2 and "target-version" in run.err


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli(capsys, "--version")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"aiolint {__version__}"


def test_usage_error_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli(capsys, "check", "--no-such-flag")
    assert exit_info.value.code == 2


def test_no_command_prints_help_exit_2(capsys) -> None:
    run = run_cli(capsys)
    assert run.code == 2 and "usage" in run.err


def test_rule_and_rules(capsys) -> None:
    run = run_cli(capsys, "rule", "aio201")
    assert run.code == 0 and run.out.startswith("# blocking-sleep (AIO201)")
    assert "## Why is this bad?" in run.out
    run = run_cli(capsys, "rule", "AIO999")
    assert run.code == 2 and "AIO999" in run.err
    run = run_cli(capsys, "rules")
    codes = [line.split()[0] for line in run.lines]
    assert codes == sorted(codes) and {"AIO000", "AIO201"} <= set(codes)
    assert any(
        line.startswith("AIO201  blocking-sleep") and "fix: sometimes" in line for line in run.lines
    )


def test_default_excludes_and_gitignore(project: Path, capsys) -> None:
    for folder in (".venv", "build", "node_modules", "__pycache__", "generated"):
        (project / folder).mkdir()
        (project / folder / "x.py").write_text(SLEEPY)
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("generated/\n*_pb2.py\n")
    (project / "api_pb2.py").write_text(SLEEPY)
    run = run_cli(capsys, "check", "--quiet")
    assert {line.split(":")[0] for line in run.lines} == {"pkg/a.py", "pkg/b.py"}
    run = run_cli(capsys, "check", "--quiet", "--no-respect-gitignore")
    assert {line.split(":")[0] for line in run.lines} >= {"api_pb2.py", "generated/x.py"}


def test_exclude_flags_and_force_exclude(project: Path, capsys) -> None:
    assert {
        x.split(":")[0] for x in run_cli(capsys, "check", "--extend-exclude", "a.py").lines
    } == {"pkg/b.py"}
    assert run_cli(capsys, "check", "--exclude", "pkg").code == 0
    # a file named explicitly is checked even when excluded, unless --force-exclude
    assert run_cli(capsys, "check", "--extend-exclude", "pkg", "pkg/a.py").code == 1
    assert (
        run_cli(capsys, "check", "--extend-exclude", "pkg", "--force-exclude", "pkg/a.py").code == 0
    )


def test_stdin(project: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "-", "--stdin-filename", "svc/app.py"],
        input=SLEEPY.encode(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith("svc/app.py:5:5: AIO201 ")


def test_missing_path_is_reported_not_a_traceback(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "nope.py")
    assert run.code == 1
    assert run.lines == ["nope.py:1:1: AIO000 Cannot read file: No such file or directory"]


def test_many_files_use_workers_and_stay_sorted(tmp_path: Path, monkeypatch, capsys) -> None:
    import aiolint.cli.runner as runner

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "BYTES_PER_WORKER", 1)
    for i in range(30):
        (tmp_path / f"m{i:02d}.py").write_text(SLEEPY)
    run = run_cli(capsys, "check", "--quiet", "--no-cache", "-j", "2")
    assert run.code == 1
    assert run.lines == sorted(run.lines) and len(run.lines) == 30
    assert run_cli(capsys, "check", "--quiet", "--no-cache", "-j", "1").lines == run.lines

"""`aiolint check --fix` and friends, end to end: what is written, printed and
returned, and the engine's refusals (verification failure, no convergence,
file changed on disk). AIO201 (a safe fix) is the vehicle."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from helpers import SLEEPY, run_cli

from aiolint.engine.model import Applicability, Edit, Fix
from aiolint.fixes.write import ChangedOnDiskError, write_atomic
from aiolint.rules.blocking.blocking_sleep import BlockingSleep

FIXED = "import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"
REMAINING = "\n\nasync def other():\n    list(time.sleep(0) for _ in range(2))\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(SLEEPY)
    return tmp_path


def test_fix_writes_and_exits_0_when_nothing_is_left(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--fix", "app.py")
    assert (project / "app.py").read_text() == FIXED
    assert run.code == 0 and run.out == ""
    assert run.err.strip() == "Found 1 error (1 fixed, 0 remaining)."
    again = run_cli(capsys, "check", "--fix", "app.py")
    assert (again.code, again.err.strip()) == (0, "All checks passed!")
    assert (project / "app.py").read_text() == FIXED


def test_fix_with_remaining_findings_exits_1(project: Path, capsys) -> None:
    (project / "app.py").write_text(SLEEPY + REMAINING)
    run = run_cli(capsys, "check", "--fix", "--output-format", "concise", "app.py")
    assert run.code == 1
    assert len(run.lines) == 1 and "app.py:10:10: AIO201 Blocking" in run.lines[0]
    assert "[*]" not in run.out  # the generator-expression case has no fix
    assert run.err.strip() == "Found 2 errors (1 fixed, 1 remaining)."


def test_exit_non_zero_on_fix(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--fix", "--exit-non-zero-on-fix", "app.py")
    assert run.code == 1 and (project / "app.py").read_text() == FIXED


def test_without_fix_marks_fixable_and_hints(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--output-format", "concise", "app.py")
    assert run.code == 1 and " AIO201 [*] " in run.out
    # `text` is flake8's line: no marker (the summary still counts the fixable ones)
    text = run_cli(capsys, "check", "app.py")
    assert text.code == 1 and "[*]" not in text.out and " AIO201 Blocking" in text.out
    assert "[*] 1 fixable with the `--fix` option." in text.err
    assert "[*] 1 fixable with the `--fix` option." in run.err
    assert (project / "app.py").read_text() == SLEEPY


def test_diff_prints_and_writes_nothing(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--diff", "app.py")
    assert run.code == 1
    assert run.out.startswith("--- a/app.py\n+++ b/app.py\n")
    assert "-    time.sleep(1)\n+    await asyncio.sleep(1)\n" in run.out
    assert "+import asyncio\n" in run.out
    assert run.err.strip() == "Would fix 1 error."
    assert (project / "app.py").read_text() == SLEEPY
    (project / "app.py").write_text(FIXED)
    clean = run_cli(capsys, "check", "--diff", "app.py")
    assert (clean.code, clean.out) == (0, "")


def test_fix_only_reports_nothing_and_exits_0(project: Path, capsys) -> None:
    (project / "app.py").write_text(SLEEPY + REMAINING)
    run = run_cli(capsys, "check", "--fix-only", "app.py")
    assert (run.code, run.out, run.err.strip()) == (0, "", "Fixed 1 error.")


def test_show_fixes_lists_per_file(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--fix", "--show-fixes", "app.py")
    assert "Fixed 1 error:\n- app.py:\n    1 x AIO201\n" in run.err


@pytest.mark.parametrize(
    "flags", [["--unfixable", "AIO201"], ["--fixable", "AIO1"], ["--unfixable", "AIO2"]]
)
def test_fixable_and_unfixable(project: Path, capsys, flags: list[str]) -> None:
    run = run_cli(capsys, "check", "--fix", "--output-format", "concise", *flags, "app.py")
    assert run.code == 1 and (project / "app.py").read_text() == SLEEPY
    assert "[*]" not in run.out


def test_config_fix_and_unfixable(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text('[tool.aiolint]\nunfixable = ["AIO201"]\nfix = true\n')
    assert run_cli(capsys, "check", "app.py").code == 1
    assert (project / "app.py").read_text() == SLEEPY
    (project / "pyproject.toml").write_text("[tool.aiolint]\nfix = true\n")
    assert run_cli(capsys, "check", "app.py").code == 0
    assert (project / "app.py").read_text() == FIXED
    (project / "pyproject.toml").write_text('[tool.aiolint]\nfix = "yes"\n')
    bad = run_cli(capsys, "check", "app.py")
    assert bad.code == 2 and "fix" in bad.err and "pyproject.toml" in bad.err


def test_noqa_is_never_fixed(project: Path, capsys) -> None:
    source = SLEEPY.replace("time.sleep(1)", "time.sleep(1)  # noqa: AIO201")
    (project / "app.py").write_text(source)
    assert run_cli(capsys, "check", "--fix", "app.py").code == 0
    assert (project / "app.py").read_text() == source


def test_stdin_fix_prints_fixed_source(project: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--fix", "--stdin-filename", "app.py", "-"],
        input=SLEEPY.encode(),
        capture_output=True,
        check=False,
        cwd=project,
    )
    assert proc.stdout.decode() == FIXED
    assert proc.returncode == 0, proc.stderr


def test_bytes_survive_crlf_bom_and_no_final_newline(project: Path, capsys) -> None:
    source = b"\xef\xbb\xbf" + SLEEPY.rstrip("\n").replace("\n", "\r\n").encode()
    (project / "app.py").write_bytes(source)
    assert run_cli(capsys, "check", "--fix", "app.py").code == 0
    expected = b"\xef\xbb\xbf" + FIXED.rstrip("\n").replace("\n", "\r\n").encode()
    assert (project / "app.py").read_bytes() == expected


def test_symlink_target_is_fixed_and_mode_kept(project: Path, capsys) -> None:
    real = project / "real.py"
    real.write_text(SLEEPY)
    real.chmod(0o750)
    (project / "app.py").unlink()
    (project / "app.py").symlink_to(real)
    assert run_cli(capsys, "check", "--fix", "app.py").code == 0
    assert (project / "app.py").is_symlink()
    assert real.read_text() == FIXED
    assert stat.S_IMODE(real.stat().st_mode) == 0o750


def test_a_fix_that_breaks_the_code_is_refused(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: BlockingSleep, node: cst.Call, *_: object) -> Fix:
        return Fix("break it", Applicability.SAFE, (Edit(node, cst.Name("def")),))

    monkeypatch.setattr(BlockingSleep, "_fix", broken)
    run = run_cli(capsys, "check", "--fix", "app.py")
    assert run.code == 2
    assert "AIO201 fix" in run.err and "left unchanged" in run.err
    assert (project / "app.py").read_text() == SLEEPY


def test_a_fix_that_never_converges_is_refused(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def grows(self: BlockingSleep, node: cst.Call, *_: object) -> Fix:
        wrapped = node.with_changes(
            lpar=(*node.lpar, cst.LeftParen()), rpar=(*node.rpar, cst.RightParen())
        )
        return Fix("parenthesize", Applicability.SAFE, (Edit(node, wrapped),))

    monkeypatch.setattr(BlockingSleep, "_fix", grows)
    run = run_cli(capsys, "check", "--fix", "app.py")
    assert run.code == 2 and "did not converge after 10 passes" in run.err
    assert (project / "app.py").read_text() == SLEEPY


def test_write_atomic_refuses_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_bytes(b"new content\n")
    with pytest.raises(ChangedOnDiskError):
        write_atomic(path, b"old content\n", b"fixed\n")
    assert path.read_bytes() == b"new content\n"
    write_atomic(path, b"new content\n", b"fixed\n")
    assert path.read_bytes() == b"fixed\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.py"]  # no temporary file left


def test_write_failure_is_reported_not_raised(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    run = run_cli(capsys, "check", "--fix", "app.py")
    assert run.code == 2 and "Permission denied" in run.err and "Traceback" not in run.err
    assert (project / "app.py").read_text() == SLEEPY
    assert sorted(p.name for p in project.iterdir()) == ["app.py"]


UNSAFE = (
    "import subprocess\n\n\nasync def deploy():\n"
    '    subprocess.run(["make", "deploy"], check=True)\n'
)


def test_unsafe_fixes_are_hidden_until_asked_for(project: Path, capsys) -> None:
    (project / "app.py").write_text(UNSAFE)
    run = run_cli(capsys, "check", "--output-format", "concise", "app.py")
    assert run.code == 1 and "[*]" not in run.out
    assert run.err.strip().splitlines() == [
        "Found 1 error in 1 file.",
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]
    fix = run_cli(capsys, "check", "--fix", "app.py")
    assert fix.code == 1 and (project / "app.py").read_text() == UNSAFE
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option" in fix.err
    marked = run_cli(capsys, "check", "--unsafe-fixes", "--output-format", "concise", "app.py")
    assert " AIO203 [*] " in marked.out
    applied = run_cli(capsys, "check", "--fix", "--unsafe-fixes", "app.py")
    assert applied.code == 0
    assert (project / "app.py").read_text() == (
        "import asyncio\nimport subprocess\n\n\nasync def deploy():\n"
        '    await asyncio.to_thread(subprocess.run, ["make", "deploy"], check=True)\n'
    )


def test_a_killed_runs_temporary_files_are_removed_never_linted(project: Path, capsys) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **_OUT)
    stale = [f".app.py.{dead.stdout.strip()}.k2j1.aiolint", ".app.py.q8w7e6.aiolint"]
    alive = f".app.py.{os.getpid()}.z9y8.aiolint"  # a run still writing: left alone
    for name in (*stale, alive):
        (project / name).write_text("import time\ntime.sleep(1)\n")
    run = run_cli(capsys, "check")
    assert [line.split(":")[0] for line in run.lines if ": AIO" in line] == ["app.py"]
    run = run_cli(capsys, "check", "--fix")
    left = sorted(p.name for p in project.iterdir() if p.name != ".aiolint_cache")
    assert left == sorted(["app.py", alive])


_OUT = {"capture_output": True, "text": True, "check": True}

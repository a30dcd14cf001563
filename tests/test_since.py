"""`--since REF`: only findings on lines added or changed since a git ref."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

from aiolint.cli.since import parse_diff


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(key, value)
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    git(repo, "init", "-q", "-b", "main")
    (repo / "old.py").write_text(SLEEPY)
    (repo / "edited.py").write_text(SLEEPY + "\n\nasync def second():\n    time.sleep(2)\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def starts(run) -> list[str]:
    return [line.split(" ")[0] for line in run.lines]


def test_only_added_or_changed_lines_are_reported(repo: Path, capsys) -> None:
    edited = repo / "edited.py"
    text = edited.read_text().replace("time.sleep(2)", "time.sleep(3)")  # a changed line
    edited.write_text("import os\n" + text + "    time.sleep(4)\n")  # lines move, one added
    (repo / "untracked.py").write_text(SLEEPY)  # untracked: all new
    assert run_cli(capsys, "check").code == 1
    run = run_cli(capsys, "check", "--since", "HEAD")
    assert run.code == 1
    assert starts(run) == ["edited.py:10:5:", "edited.py:11:5:", "untracked.py:5:5:"]


def test_committed_changes_count_since_an_older_ref(repo: Path, capsys) -> None:
    (repo / "feature.py").write_text(SLEEPY)
    git(repo, "add", "feature.py")
    git(repo, "commit", "-q", "-m", "feature")
    assert starts(run_cli(capsys, "check", "--since", "HEAD")) == []
    assert starts(run_cli(capsys, "check", "--since", "HEAD~1")) == ["feature.py:5:5:"]


def test_staged_new_file_is_all_new(repo: Path, capsys) -> None:
    (repo / "staged.py").write_text(SLEEPY)
    git(repo, "add", "staged.py")
    assert starts(run_cli(capsys, "check", "--since", "HEAD")) == ["staged.py:5:5:"]


def test_deletions_report_nothing(repo: Path, capsys) -> None:
    edited = repo / "edited.py"
    edited.write_text(edited.read_text().replace("    time.sleep(2)\n", "    pass\n"))
    lines_before = (repo / "old.py").read_text()
    (repo / "old.py").write_text(lines_before.replace("import time\n", "import time\n\n\n\n", 1))
    run = run_cli(capsys, "check", "--since", "HEAD")
    assert (run.code, run.out) == (0, "")


def test_paths_outside_the_working_folder(
    repo: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "old.py").write_text(SLEEPY + "    time.sleep(9)\n")
    monkeypatch.chdir(repo.parent)
    run = run_cli(capsys, "check", "--since", "HEAD", "repo")
    assert starts(run) == ["repo/old.py:6:5:"]


def test_not_a_git_repository(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(SLEEPY)
    run = run_cli(capsys, "check", "--since", "HEAD")
    assert run.code == 2 and run.out == ""
    assert "--since" in run.err and "not in a git repository" in run.err


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=x", "HEAD~5"])
def test_unknown_ref(repo: Path, capsys, ref: str) -> None:
    run = run_cli(capsys, "check", f"--since={ref}")
    assert run.code == 2
    assert run.err.strip() == f"aiolint: error: --since: unknown git ref {ref!r}"
    assert not (repo / "x").exists()


def test_since_refuses_stdin(repo: Path, capsys) -> None:
    run = run_cli(capsys, "check", "-", "--since", "HEAD")
    assert run.code == 2 and "do not read stdin" in run.err


def test_parse_diff(tmp_path: Path) -> None:
    diff = "\n".join(
        [
            "diff --git a/a.py b/a.py",
            "--- a/a.py",
            "+++ b/a.py",
            "@@ -3,0 +4,2 @@ def f():",
            "+x",
            "+y",
            "@@ -9 +11 @@",
            "-old",
            "+new",
            "@@ -20,3 +21,0 @@",
            "--- a/gone.py",
            "+++ /dev/null",
            "@@ -1,2 +0,0 @@",
            '+++ "b/s\\303\\244ge.py"',
            "@@ -0,0 +1 @@",
        ]
    )
    changed = parse_diff(diff, tmp_path)
    assert changed == {
        (tmp_path / "a.py").resolve(): {4, 5, 11},
        (tmp_path / "s\u00e4ge.py").resolve(): {1},
    }


def test_renamed_file_keeps_its_old_lines(repo: Path, capsys) -> None:
    git(repo, "mv", "old.py", "renamed.py")
    renamed = repo / "renamed.py"
    renamed.write_text(renamed.read_text() + "    time.sleep(7)\n")
    assert starts(run_cli(capsys, "check", "--since", "HEAD")) == ["renamed.py:6:5:"]

"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real `pre-commit`.

`pre-commit try-repo REPO` clones REPO at HEAD (plus uncommitted changes to
tracked files, not untracked ones), so trying this checkout directly would test
its last commit, not the code under test. The test therefore copies the files
the hook installs from (pyproject.toml, README.md, .pre-commit-hooks.yaml,
src/) into a fresh repository, commits them and tries that: what is tested is
exactly the working tree. pre-commit builds the hook's virtualenv with pip, so
libcst must be installable from the configured index or wheel cache (offline
here: pip's find-links / local index).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SLEEPY

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src")
#: AIO101 has an unsafe fix (TaskGroup): the fix hook must leave it alone.
GATHER = "import asyncio\n\n\nasync def main(a, b):\n    return await asyncio.gather(a(), b())\n"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def commit_all(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "snapshot")


@pytest.fixture
def hook_repo(tmp_path: Path) -> Path:
    """This checkout's working tree, committed in a repository of its own."""
    repo = tmp_path / "aiolint"
    repo.mkdir()
    for name in SNAPSHOT:
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            shutil.copy2(source, repo / name)
    commit_all(repo)
    return repo


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "migrations").mkdir(parents=True)
    (project / "app.py").write_text(SLEEPY)
    (project / "migrations" / "0001_old.py").write_text(SLEEPY)
    (project / "gather.py").write_text(GATHER)
    (project / "pyproject.toml").write_text(
        '[tool.aiolint]\nextend-exclude = ["migrations"]\n'
        'target-version = "py312"\nunsafe-fixes = true\n'
    )
    commit_all(project)
    return project


@pytest.mark.slow  # pre-commit builds the hook's virtualenv: 25 s idle, 60 s on a busy machine
def test_hooks_report_and_fix(hook_repo: Path, project: Path, tmp_path: Path) -> None:
    # Both hooks in one run (one hook environment to install), in id order:
    # `aiolint` reports, then `aiolint-fix` fixes.
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    check, _, fix = output.partition("- hook id: aiolint-fix")
    assert "- hook id: aiolint\n- exit code: 1" in check, output
    assert "app.py:5:5: AIO201 " in check, output
    assert "files were modified by this hook" in fix, output
    # safe fixes only, although the configuration enables unsafe ones
    assert "gather.py:5:18: AIO101 " in fix, output
    assert (project / "gather.py").read_text() == GATHER
    # --force-exclude: the configured exclude holds although pre-commit names the file
    assert "migrations" not in output
    assert (project / "migrations" / "0001_old.py").read_text() == SLEEPY
    fixed = (project / "app.py").read_text()
    assert "    await asyncio.sleep(1)\n" in fixed and "import asyncio\n" in fixed
    assert "time.sleep" not in fixed

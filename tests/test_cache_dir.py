"""aiolint marks and removes only cache folders it made (the real CLI, in
subprocesses): a configured `cache-dir` that already exists (`.`, a folder of
the user's) is left as it is, and the cache goes in its own subfolder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import SLEEPY

from aiolint.workspace.cache import CACHEDIR_TAG

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def aiolint(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AIOLINT_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "aiolint", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    ).stdout


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (but aiolint's own `.aiolint_cache`) and its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".aiolint_cache" not in p.relative_to(folder).parts
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "app.py").write_text(SLEEPY)
    git(root, "add", "app.py")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "app")
    return root


def test_cache_dir_dot_neither_hides_files_from_git_nor_lets_clean_delete_the_project(
    repo: Path,
) -> None:
    (repo / "pyproject.toml").write_text('[tool.aiolint]\ncache-dir = "."\n')
    check = aiolint(repo, "check", ".")
    assert check.returncode == 1 and "AIO201" in check.stdout, check.stderr
    assert not (repo / "CACHEDIR.TAG").exists() and not (repo / ".gitignore").exists()
    assert (repo / ".aiolint_cache" / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    (repo / "new.py").write_text("x = 1\n")
    assert git(repo, "status", "--porcelain").splitlines() == ["?? new.py", "?? pyproject.toml"]
    before = snapshot(repo)
    done = aiolint(repo, "clean")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "Removing cache at: .aiolint_cache\n",
        "",
    )
    assert snapshot(repo) == before  # the project and .git, untouched
    assert not (repo / ".aiolint_cache").exists()
    assert git(repo, "log", "--format=%s") == "app\n"


def test_a_forged_aiolint_tag_at_the_project_root_does_not_make_it_a_cache(repo: Path) -> None:
    """A repository shipping aiolint's CACHEDIR.TAG at its root with
    `cache-dir = "."`: a folder holding the project is never the cache."""
    (repo / "pyproject.toml").write_text('[tool.aiolint]\ncache-dir = "."\n')
    (repo / "CACHEDIR.TAG").write_text(CACHEDIR_TAG)
    assert aiolint(repo, "check", ".").returncode == 1
    assert not (repo / ".gitignore").exists()
    before = snapshot(repo)
    assert aiolint(repo, "clean").returncode == 0
    assert snapshot(repo) == before and (repo / ".git" / "HEAD").is_file()


@pytest.mark.parametrize("how", ["config", "flag", "env"])
def test_an_existing_folder_of_the_users_is_never_marked_nor_removed(
    repo: Path, tmp_path: Path, how: str
) -> None:
    mine = tmp_path / "mine"
    (mine / "notes").mkdir(parents=True)
    (mine / "notes" / "todo.txt").write_text("keep me\n")
    (mine / "data.bin").write_bytes(b"\0\1\2")
    before = snapshot(mine)
    args: tuple[str, ...] = ()
    env: dict[str, str] = {}
    if how == "config":
        (repo / "pyproject.toml").write_text(f"[tool.aiolint]\ncache-dir = {str(mine)!r}\n")
    elif how == "flag":
        args = ("--cache-dir", str(mine))
    else:
        env = {"AIOLINT_CACHE_DIR": str(mine)}
    assert aiolint(repo, "check", ".", *args, env=env).returncode == 1
    assert snapshot(mine) == before  # no CACHEDIR.TAG, no .gitignore written into it
    own = mine / ".aiolint_cache"
    assert (own / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG and list(own.glob("*/*.marshal"))
    cached = aiolint(repo, "check", ".", *args, env=env)  # served from the subfolder
    assert cached.returncode == 1 and "AIO201" in cached.stdout
    done = aiolint(repo, "clean", *args, env=env)
    assert done.returncode == 0 and done.stdout.startswith("Removing cache at: ")
    assert done.stdout.rstrip().endswith(os.path.join("mine", ".aiolint_cache"))
    assert snapshot(mine) == before and sorted(p.name for p in mine.iterdir()) == [
        "data.bin",
        "notes",
    ]


def test_a_configured_folder_aiolint_made_is_the_cache_and_is_removed(
    repo: Path, tmp_path: Path
) -> None:
    made = tmp_path / "made" / "by-aiolint"
    assert aiolint(repo, "check", ".", "--cache-dir", str(made)).returncode == 1
    assert (made / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    assert (made / ".gitignore").is_file() and not (made / ".aiolint_cache").exists()
    assert aiolint(repo, "check", ".", "--cache-dir", str(made)).returncode == 1  # reused
    assert not (made / ".aiolint_cache").exists()
    assert aiolint(repo, "clean", "--cache-dir", str(made)).returncode == 0
    assert not made.exists() and (tmp_path / "made").is_dir()


def test_the_default_cache_is_made_and_cleaned_as_before(repo: Path) -> None:
    assert aiolint(repo, "check", ".").returncode == 1
    default = repo / ".aiolint_cache"
    assert (default / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    assert (default / ".gitignore").read_text().splitlines()[-1] == "*"
    assert git(repo, "status", "--porcelain") == ""
    done = aiolint(repo, "clean")
    assert (done.returncode, done.stdout) == (0, "Removing cache at: .aiolint_cache\n")
    assert not default.exists() and (repo / "app.py").is_file()


#: Makes a cache folder as a check does, and stops for good once the fresh
#: folder is tagged and before it is renamed: the window a kill -9 hits.
_STOPS_WHILE_CREATING = """
import sys, time
from aiolint.workspace import cache

real = cache.write_atomic

def write_then_stop(path, data):
    real(path, data)
    print("tagged", flush=True)
    time.sleep(600)

cache.write_atomic = write_then_stop
cache.create_cache_dir(sys.argv[1])
"""


def _killed_while_creating(root: Path) -> Path:
    """The folder a run SIGKILLed while making the cache folder `root` leaves."""
    process = subprocess.Popen(
        [sys.executable, "-c", _STOPS_WHILE_CREATING, str(root)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "tagged\n"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        process.kill()
        process.wait()
    (left,) = root.parent.glob(".aiolint_cache.tmp-*")
    assert (left / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    assert not root.exists()
    return left


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_run_killed_while_making_the_cache_leaves_nothing_after_the_next(repo: Path) -> None:
    left = _killed_while_creating(repo / ".aiolint_cache")
    _age(left, 120)
    assert aiolint(repo, "check", "app.py").returncode == 1
    assert not left.exists()
    assert (repo / ".aiolint_cache" / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    assert git(repo, "status", "--porcelain") == ""


def test_a_fresh_cache_folder_another_run_may_be_making_is_kept(repo: Path) -> None:
    left = _killed_while_creating(repo / ".aiolint_cache")  # under a minute old
    assert aiolint(repo, "check", "app.py").returncode == 1
    assert left.is_dir() and (repo / ".aiolint_cache").is_dir()


def test_a_folder_named_like_a_leftover_holding_other_files_is_kept(repo: Path) -> None:
    mine = repo / ".aiolint_cache.tmp-1-0123456789ab"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    _age(mine, 120)
    assert aiolint(repo, "check", "app.py").returncode == 1
    assert (mine / "notes.txt").read_text() == "mine"

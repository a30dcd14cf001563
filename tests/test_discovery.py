"""Discovery on hostile trees, through the real CLI in subprocesses: symlinked
folders are not entered (a fix never writes outside the checked tree), two
symlinks to a parent folder cost nothing, unreadable folders and symlink loops
are named in a warning and the run goes on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

from aiolint.workspace import files
from aiolint.workspace.files import FileFilter, PathMatcher, discover

FIXED = "await asyncio.sleep(1)"


def aiolint(
    cwd: Path, *args: str, prefix: tuple[str, ...] = (), timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIOLINT_")}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "aiolint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def test_fix_never_writes_through_a_symlinked_folder(tmp_path: Path) -> None:
    tree, elsewhere = tmp_path / "tree", tmp_path / "elsewhere"
    tree.mkdir()
    elsewhere.mkdir()
    (tree / "app.py").write_text(SLEEPY)
    (elsewhere / "lib.py").write_text(SLEEPY)
    (elsewhere / "target.py").write_text(SLEEPY)
    (tree / "linked").symlink_to(elsewhere, target_is_directory=True)
    (tree / "alias.py").symlink_to(elsewhere / "target.py")
    run = aiolint(tmp_path, "check", "--isolated", "--no-cache", "--fix", "tree")
    assert run.returncode == 0, run.stdout + run.stderr
    assert FIXED in (tree / "app.py").read_text()
    assert (elsewhere / "lib.py").read_text() == SLEEPY  # behind the symlinked folder
    # a symlinked file found directly is fixed through the link, as documented
    assert (tree / "alias.py").is_symlink() and FIXED in (elsewhere / "target.py").read_text()
    shown = aiolint(tmp_path, "check", "--isolated", "--no-cache", "--show-files", "tree")
    assert shown.stdout.split() == [str(tree / "alias.py"), str(tree / "app.py")]
    # a symlinked folder named on the command line is checked
    named = aiolint(tmp_path, "check", "--isolated", "--no-cache", "--fix", "tree/linked")
    assert named.returncode == 0 and FIXED in (elsewhere / "lib.py").read_text()


@pytest.fixture
def parent_links(tmp_path: Path) -> Path:
    """A project whose `pkg/` holds two symlinks to its parent folder (the
    walk used to double at each level: over 300 s)."""
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pyproject.toml").write_text("[tool.aiolint]\n")
    (tree / "a.py").write_text(SLEEPY)
    (tree / "pkg" / "b.py").write_text(SLEEPY)
    (tree / "pkg" / "up1").symlink_to("..", target_is_directory=True)
    (tree / "pkg" / "up2").symlink_to("..", target_is_directory=True)
    return tree


def test_two_symlinks_to_a_parent_folder_cost_nothing(parent_links: Path) -> None:
    tree = parent_links
    run = aiolint(tree, "check", "--no-cache", ".", timeout=60)
    assert run.returncode == 1 and run.stdout.count("AIO201") == 2, run.stderr
    # the project model walks the project for a single file too
    single = aiolint(tree, "check", "--no-cache", "a.py", timeout=60)
    assert single.returncode == 1 and single.stdout.count("AIO201") == 1
    # a symlinked folder named on the command line: walked once, as the folder it is
    named = aiolint(tree, "check", "--no-cache", "--show-files", ".", "pkg/up1", timeout=60)
    assert named.stdout.split() == [str(tree / "a.py"), str(tree / "pkg" / "b.py")]


def test_each_folder_is_listed_once_by_device_and_inode(parent_links: Path) -> None:
    """Naming the project and a symlink to it: the folder is listed once."""
    filters = FileFilter(PathMatcher.build(parent_links, []), respect_gitignore=True)
    visited: list[str] = []
    given = [parent_links, parent_links / "pkg" / "up1", parent_links / "pkg"]
    found = list(discover(given, filters, visited=visited))
    assert [Path(p).relative_to(parent_links).as_posix() for p in found] == ["a.py", "pkg/b.py"]
    assert sorted(visited) == sorted({str(parent_links), str(parent_links / "pkg")})


def test_a_symlink_loop_is_said(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "ok.py").write_text(SLEEPY)
    (tree / "loop").symlink_to("loop")
    (tree / "loopy.py").symlink_to("loopy.py")
    run = aiolint(tmp_path, "check", "--isolated", "--no-cache", "tree")
    assert run.returncode == 1
    loop = os.path.join("tree", "loop")
    assert f"aiolint: warning: {loop}: Too many levels of symbolic links" in run.stderr
    lines = run.stdout.splitlines()
    assert "tree/loopy.py:1:1: AIO000 Cannot read file: Too many levels of symbolic links" in lines
    assert any(line.startswith("tree/ok.py:5:5: AIO201") for line in lines)


def test_an_unreadable_folder_is_said_in_process(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.scandir refusing a folder (whoever runs the test, root too); the
    project model's walk meets it too, and it is named once."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.aiolint]\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_text(SLEEPY)
    (tmp_path / "ok.py").write_text(SLEEPY)
    real = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(files.os, "scandir", scandir)
    run = run_cli(capsys, "check", "--no-cache", ".")
    assert run.code == 1 and run.lines[0].startswith("ok.py:5:5: AIO201")
    assert "hidden.py" not in run.out
    assert run.err.count("cannot list the folder") == 1
    assert (
        "aiolint: warning: cannot list the folder locked: Permission denied; "
        "its files are not checked"
    ) in run.err


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A tree under /tmp that another user may read (pytest's folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="aiolint-perm-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def _unprivileged(tree: Path) -> tuple[str, ...] | None:
    """How to run aiolint so that a chmod 000 folder cannot be listed: as is
    for a user, and for root in a user namespace of its own (`unshare -U`:
    root's files belong to no one there, so its rights over them are gone);
    None when neither works here."""
    probe = tree / "probe"
    probe.mkdir()
    probe.chmod(0)
    prefixes = [()] if os.geteuid() != 0 else [("unshare", "-U")]
    try:
        for prefix in prefixes:
            if prefix and shutil.which(prefix[0]) is None:
                continue
            check = (
                "import os, aiolint.cli.main\ntry:\n    os.listdir('probe')\n"
                "except PermissionError:\n"
                "    raise SystemExit(0)\nraise SystemExit(1)"
            )
            proc = subprocess.run(
                [*prefix, sys.executable, "-c", check], cwd=tree, capture_output=True, check=False
            )
            if proc.returncode == 0:
                return prefix
        return None
    finally:
        probe.chmod(0o755)
        probe.rmdir()


def test_an_unreadable_folder_is_said_and_the_run_goes_on(shared_tree: Path) -> None:
    prefix = _unprivileged(shared_tree)
    if prefix is None:
        pytest.skip(
            "permissions are not enforced here: running as root, and `unshare -U` "
            "is unavailable or cannot read the checkout (the in-process test covers it)"
        )
    tree = shared_tree / "tree"
    (tree / "locked").mkdir(parents=True)
    (tree / "locked" / "hidden.py").write_text(SLEEPY)
    (tree / "ok.py").write_text(SLEEPY)
    (tree / "locked").chmod(0)
    run = aiolint(shared_tree, "check", "--isolated", "--no-cache", "tree", prefix=prefix)
    assert run.returncode == 1 and run.stdout.startswith("tree/ok.py:5:5: AIO201"), run.stderr
    assert "hidden.py" not in run.stdout
    locked = os.path.join("tree", "locked")
    assert (
        f"aiolint: warning: cannot list the folder {locked}: Permission denied; "
        "its files are not checked"
    ) in run.stderr

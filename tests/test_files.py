"""File discovery: gitignore semantics, exclude globs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aiolint.workspace.files import FileFilter, PathMatcher, discover
from aiolint.workspace.globs import glob_to_regex


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.py", "a.py", True),
        ("*.py", "d/a.py", False),
        ("**/*.py", "d/e/a.py", True),
        ("**/*.py", "a.py", True),
        ("d/**", "d/e/a.py", True),
        ("a?.py", "ab.py", True),
        ("[ab].py", "b.py", True),
        ("[!ab].py", "b.py", False),
    ],
)
def test_glob(pattern: str, path: str, matches: bool) -> None:
    assert bool(re.fullmatch(glob_to_regex(pattern), path)) is matches


def make(root: Path, *files: str) -> None:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")


def found(root: Path, filters: FileFilter) -> list[str]:
    return sorted(Path(p).relative_to(root).as_posix() for p in discover([root], filters))


def test_gitignore_rules(tmp_path: Path) -> None:
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("local_only.py\n")
    make(
        tmp_path,
        "app/main.py",
        "app/gen_pb2.py",
        "app/keep_pb2.py",
        "build_tools/b.py",
        "out/x.py",
        "docs/out/y.py",
        "local_only.py",
        "sub/inner.py",
        "sub/other.py",
        "stub.pyi",
        "notes.txt",
    )
    (tmp_path / ".gitignore").write_text("# generated\n*_pb2.py\n!keep_pb2.py\n/out/\n\n")
    (tmp_path / "sub" / ".gitignore").write_text("inner.py\n")
    filters = FileFilter(PathMatcher.build(tmp_path, []), respect_gitignore=True)
    assert found(tmp_path, filters) == [
        "app/keep_pb2.py",
        "app/main.py",
        "build_tools/b.py",
        "docs/out/y.py",  # `/out/` is anchored to the root
        "stub.pyi",
        "sub/other.py",
    ]


def test_excludes_by_name_and_by_path(tmp_path: Path) -> None:
    make(tmp_path, "migrations/v1.py", "app/migrations/v2.py", "app/api.py", "app/legacy/old.py")
    filters = FileFilter(
        PathMatcher.build(tmp_path, ["migrations", "app/legacy"]), respect_gitignore=False
    )
    assert found(tmp_path, filters) == ["app/api.py"]


def test_no_repository_means_no_gitignore(tmp_path: Path) -> None:
    make(tmp_path, "a_pb2.py")
    (tmp_path / ".gitignore").write_text("*_pb2.py\n")
    filters = FileFilter(PathMatcher.build(tmp_path, []), respect_gitignore=True)
    assert found(tmp_path, filters) == ["a_pb2.py"]


def test_gitignore_rules_of_every_folder_down_from_the_repository_root(tmp_path: Path) -> None:
    """Each folder's `.gitignore` matches paths relative to itself; the last
    matching rule wins, a deeper folder's rules after its parents'."""
    (tmp_path / ".git").mkdir()
    make(
        tmp_path,
        "a/b/gen.py",
        "a/b/keep.py",
        "a/c/gen.py",
        "a/b/d/gen.py",
        "a/b/d/x.py",
        "a/e/x.py",
        "x.py",
    )
    (tmp_path / ".gitignore").write_text("gen.py\na/b/d/x.py\n")
    (tmp_path / "a" / ".gitignore").write_text("!b/gen.py\ne/\n")
    (tmp_path / "a" / "b" / "d" / ".gitignore").write_text("!x.py\n")
    filters = FileFilter(PathMatcher.build(tmp_path, []), respect_gitignore=True)
    assert found(tmp_path, filters) == ["a/b/d/x.py", "a/b/gen.py", "a/b/keep.py", "x.py"]


def test_a_nested_repository_starts_its_own_rules(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*_pb2.py\nvendor/inner/*.py\n")
    make(tmp_path, "a_pb2.py", "vendor/inner/b_pb2.py", "vendor/inner/c.py", "vendor/inner/d.py")
    (tmp_path / "vendor" / "inner" / ".git").write_text("gitdir: ../../.git/modules/inner\n")
    (tmp_path / "vendor" / "inner" / ".gitignore").write_text("d.py\n")
    filters = FileFilter(PathMatcher.build(tmp_path, []), respect_gitignore=True)
    assert found(tmp_path, filters) == ["vendor/inner/b_pb2.py", "vendor/inner/c.py"]


def test_a_folder_only_rule_skips_folders_not_files(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("gen/\n")
    make(tmp_path, "gen/a.py", "sub/gen/b.py", "c.py")
    (tmp_path / "sub" / "gen.py").write_text("x = 1\n")
    filters = FileFilter(PathMatcher.build(tmp_path, []), respect_gitignore=True)
    assert found(tmp_path, filters) == ["c.py", "sub/gen.py"]


def test_symlinks_are_matched_where_they_resolve(tmp_path: Path) -> None:
    """A symlinked file is found; a symlinked folder is not entered (as ruff),
    unless named: then its entries are matched at their resolved paths (the
    target's repository and rules, excludes relative to the root)."""
    project, other = tmp_path / "project", tmp_path / "other"
    (project / ".git").mkdir(parents=True)
    (project / ".gitignore").write_text("ignored.py\n")
    (other / ".git").mkdir(parents=True)
    (other / ".gitignore").write_text("skip.py\n")
    make(project, "app/ignored.py", "app/main.py", "legacy/old.py")
    make(other, "lib/skip.py", "lib/ignored.py", "lib/util.py")
    (project / "linked").symlink_to(other / "lib")
    (project / "alias.py").symlink_to(project / "legacy" / "old.py")
    (project / "dangling.py").symlink_to(project / "missing.py")
    filters = FileFilter(PathMatcher.build(project, ["legacy"]), respect_gitignore=True)
    assert found(project, filters) == [
        "alias.py",  # resolves into legacy/, but its own name is not excluded
        "app/main.py",
        "dangling.py",
    ]
    assert sorted(Path(p).name for p in discover([project / "linked"], filters)) == [
        "ignored.py",  # other/.gitignore does not ignore it
        "util.py",
    ]
    filters = FileFilter(PathMatcher.build(project, ["legacy/old.py"]), respect_gitignore=True)
    assert "alias.py" not in found(project, filters)  # a path pattern sees where it resolves


def test_a_file_found_twice_is_checked_once(tmp_path: Path) -> None:
    make(tmp_path, "pkg/a.py", "pkg/b.py")
    (tmp_path / "same").symlink_to(tmp_path / "pkg")
    filters = FileFilter(PathMatcher.build(tmp_path, []), respect_gitignore=True)
    paths = [tmp_path / "pkg" / "b.py", tmp_path, tmp_path / "same"]
    assert [Path(p).relative_to(tmp_path).as_posix() for p in discover(paths, filters)] == [
        "pkg/b.py",
        "pkg/a.py",
    ]


def test_paths_are_spelled_as_pathlib_spells_them(tmp_path: Path, monkeypatch) -> None:
    """Found paths are strings, spelled as `str(Path(...))` (no `./`, no `//`)."""
    make(tmp_path, "pkg/a.py", "b.py")
    monkeypatch.chdir(tmp_path)
    filters = FileFilter(PathMatcher.build(tmp_path, []), respect_gitignore=True)
    given = [".", "./pkg//", f"{tmp_path}//pkg/./a.py", "pkg/../b.py", "missing/./x.py"]
    assert list(discover(given, filters)) == ["b.py", "pkg/a.py", "missing/x.py"]
    assert list(discover(["./pkg/"], filters)) == [str(Path("./pkg/") / "a.py")]


def test_a_folder_only_rule_after_a_rule_for_both(tmp_path: Path) -> None:
    """`gen*` ignores files and folders; the later `!gen*/` takes folders back
    (files still meet `gen*` alone): the last rule that applies wins."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("gen*\n!gen*/\n*_pb2.py\n")
    make(tmp_path, "gen_a.py", "gendir/b.py", "gendir/gen_c.py", "gendir/d_pb2.py", "e.py")
    filters = FileFilter(PathMatcher.build(tmp_path, []), respect_gitignore=True)
    assert found(tmp_path, filters) == ["e.py", "gendir/b.py"]

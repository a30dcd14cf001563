"""File discovery: gitignore semantics, exclude globs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aiolint.files import FileFilter, PathMatcher, discover, glob_to_regex


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
    return sorted(p.relative_to(root).as_posix() for p in discover([root], filters))


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

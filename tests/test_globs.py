"""Glob matching in linear time (`aiolint.workspace.globs`), and malformed patterns: the
real CLI in subprocesses on `.gitignore` lines and `exclude` settings that
used to take minutes or abort the run."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import SLEEPY

from aiolint.workspace.globs import (
    IN_ANY_FOLDER,
    OR_BELOW,
    LastMatch,
    MalformedGlob,
    _Automaton,
    _backtracks,
    _regex,
    _tokens,
    compile_any,
    compile_glob,
    glob_to_regex,
    glob_tokens,
)

PATTERNS = [
    "*.py",
    "a?.py",
    "[ab].py",
    "[!ab].py",
    "d/**",
    "**/*.py",
    "**/d/**",
    "**/d/**/e",
    "a/**/b/**/c.py",
    "*_*_pb2.py",
    "**/**/**/x.py",
    "a**b",
    "*a*b*",
    r"\*.py",
    "[[]x",
    "docs/*/index.py",
]
PATHS = [
    "",
    "a.py",
    "b.py",
    "ab.py",
    "x.py",
    "d",
    "d/",
    "d/e",
    "d/e/a.py",
    "x/d/e",
    "x/d/y/e",
    "a/b/c.py",
    "a/x/b/y/z/c.py",
    "a/bc.py",
    "a_b_pb2.py",
    "q/a_b_pb2.py",
    "ab",
    "a/b",
    "a/x/b",
    "xaybz",
    "*.py",
    "[x",
    "docs/api/index.py",
    "docs/api/v1/index.py",
    "q/q/q/x.py",
]


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize(
    ("prefix", "suffix"), [((), ()), (IN_ANY_FOLDER, ()), ((), OR_BELOW)], ids=["", "any", "below"]
)
def test_the_automaton_agrees_with_the_regular_expression(
    pattern: str, prefix: tuple, suffix: tuple
) -> None:
    tokens = [*prefix, *_tokens(pattern), *suffix]
    regex = re.compile(_regex(tokens))
    automaton = _Automaton(tokens)
    for path in PATHS:
        assert automaton.match(path) is bool(regex.fullmatch(path)), (pattern, path)


def test_patterns_that_could_backtrack_go_to_the_automaton() -> None:
    for pattern in ("*.py", "build", "d/**", "**/*_pb2.py", "**/node_modules/**", "a?b"):
        assert not _backtracks(_tokens(pattern)), pattern
    assert not _backtracks([*IN_ANY_FOLDER, *_tokens("*_pb2.py")])
    for pattern in ("**/" * 16 + "z.py", "*a*a*a*a*a*a*a*a", "a/**/b/**/c", "*_*.py"):
        assert _backtracks(_tokens(pattern)), pattern


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("**/" * 16 + "z.py", "/".join(["d"] * 40) + "/a.py"),
        ("*a" * 16 + "*z", "a" * 200),
        ("a/**/" * 16 + "z", "/".join(["a"] * 60) + "/y"),
    ],
)
def test_matching_takes_linear_time(pattern: str, path: str) -> None:
    """Python's `re` on these takes hours (a power of the path's length)."""
    match = compile_glob(pattern)
    start = time.perf_counter()
    assert not match(path)
    assert match(path[: -len(path.rsplit("/", 1)[-1])] + "z.py") == pattern.endswith("z.py")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("pattern", ["[!a-Z]", "[z-a]", "x[!]", "[^]"])
def test_a_malformed_class_is_an_error_of_that_pattern_only(pattern: str) -> None:
    with pytest.raises(MalformedGlob):
        glob_to_regex(pattern)
    told: list[str] = []
    match = compile_any([pattern, "*.txt"], lambda p, exc: told.append(p))
    assert told == [pattern]
    assert match is not None and match("a.txt") and not match("z") and not match("x!")


def aiolint(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIOLINT_")}
    return subprocess.run(
        [sys.executable, "-m", "aiolint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def test_sixteen_double_star_segments_in_a_gitignore_line(tmp_path: Path) -> None:
    """Two files, one 14 folders deep: the regular expression took minutes."""
    (tmp_path / ".git").mkdir()
    deep = tmp_path.joinpath(*(f"d{i}" for i in range(14)))
    deep.mkdir(parents=True)
    (deep / "a.py").write_text(SLEEPY)
    (deep / "z.py").write_text(SLEEPY)
    (tmp_path / ".gitignore").write_text("**/" * 16 + "z.py\n" + "*a*a*a*a*a*a*a*a*a*a*a*a*b\n")
    start = time.perf_counter()
    run = aiolint(tmp_path, "check", "--no-cache", "--show-files", ".", timeout=60)
    assert time.perf_counter() - start < 30
    assert run.stdout.split() == [str(deep / "a.py")], run.stderr


def test_malformed_patterns_match_nothing_and_are_named_once(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aiolint]\nexclude = ["[z-a]", "skipped"]\n'
        '[tool.aiolint.per-file-ignores]\n"[!]" = ["AIO201"]\n'
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("[!a-Z]\n[^]\n[z-a].py\ngen_*.py\n")
    for name in ("app.py", "sub/a.py", "sub/gen_x.py", "skipped/b.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(SLEEPY)
    run = aiolint(tmp_path, "check", "--no-cache", ".")
    assert run.returncode == 1, run.stderr
    assert sorted(line.split(":")[0] for line in run.stdout.splitlines() if "AIO201" in line) == [
        "app.py",
        "sub/a.py",
    ]
    config, gitignore = tmp_path / "pyproject.toml", tmp_path / "sub" / ".gitignore"
    warnings = [line for line in run.stderr.splitlines() if "malformed" in line]
    expected = [
        f"{config}: `exclude`: pattern '[z-a]' is malformed",
        f"{config}: `per-file-ignores`: pattern '[!]' is malformed",
        f"{gitignore}: pattern '[!a-Z]' is malformed",
        f"{gitignore}: pattern '[^]' is malformed",
        f"{gitignore}: pattern '[z-a].py' is malformed",
    ]
    assert len(warnings) == len(expected), run.stderr
    for want in expected:
        assert sum(f"aiolint: warning: {want} (" in line for line in warnings) == 1, want
    assert all(line.endswith("; it matches nothing") for line in warnings)


#: Patterns as `.gitignore` files write them: names, suffixes, classes (one
#: that matches `/`), `**` inside a name, folders.
LAST_MATCH_PATTERNS = [
    *PATTERNS,
    "a",
    "ab",
    "d",
    "x.py",
    "*.py[cod]",
    "*$py.class",
    "[._]*.sw[a-p]",
    "node_modules*",
    "a[!x]b",
    "a**b",
    "q/*",
    "d/e",
    "*",
    "?",
]


@pytest.mark.parametrize("git", [False, True], ids=["glob", "git"])
@pytest.mark.parametrize(("prefix", "suffix"), [((), ()), (IN_ANY_FOLDER, ()), ((), OR_BELOW)])
def test_last_match_finds_the_last_pattern_that_matches(
    prefix: tuple, suffix: tuple, git: bool
) -> None:
    """`LastMatch` (one dict, suffix or regular expression for all the
    patterns) answers what matching each pattern in turn answers."""
    rng = random.Random(17)
    paths = [*PATHS, "a/x/b", "d/axb", "a$py.class", "q/x.pyc", "node_modules_x", "x/.a.swp"]
    for _ in range(300):
        chosen = rng.sample(LAST_MATCH_PATTERNS, k=rng.randint(1, 14))
        each = [compile_glob(p, prefix=prefix, suffix=suffix, git=git) for p in chosen]
        last = LastMatch([glob_tokens(p, prefix=prefix, suffix=suffix, git=git) for p in chosen])
        for path in paths:
            expected = max((i for i, match in enumerate(each) if match(path)), default=-1)
            assert last.last(path) == expected, (chosen, path)
            name = path.rpartition("/")[2]
            assert last.last(path, name) == expected, (chosen, path)


def test_last_match_takes_linear_time_on_patterns_that_could_backtrack() -> None:
    patterns = ["*.py", "**/" * 16 + "z.py", "build", "*a" * 16 + "*z", "a/**/" * 16 + "z"]
    last = LastMatch([glob_tokens(p, prefix=IN_ANY_FOLDER) for p in patterns])
    start = time.perf_counter()
    assert last.last("/".join(["d"] * 40) + "/a.py") == 0
    assert last.last("a" * 200) == -1
    assert last.last("/".join(["a"] * 60) + "/y") == -1
    assert last.last("/".join(["d"] * 40) + "/z.py") == 1
    assert time.perf_counter() - start < 1.0


GIT_PATTERNS = ["d**a.py", "***/a.py", "[[:alpha:]].py", "[^a]", r"[\]a]", "[]a]", "a/**/"]


@pytest.mark.parametrize("pattern", GIT_PATTERNS)
@pytest.mark.parametrize(
    ("prefix", "suffix"), [((), ()), (IN_ANY_FOLDER, ()), ((), OR_BELOW)], ids=["", "any", "below"]
)
def test_git_patterns_agree_between_automaton_and_regular_expression(
    pattern: str, prefix: tuple, suffix: tuple
) -> None:
    tokens = [*prefix, *_tokens(pattern, git=True), *suffix]
    regex = re.compile(_regex(tokens))
    automaton = _Automaton(tokens)
    for path in [*PATHS, "]", "dxa.py", "d/x/a.py", "a/x/y"]:
        assert automaton.match(path) is bool(regex.fullmatch(path)), (pattern, path)


#: Files beside odd `.gitignore` lines (git's wildmatch reads bytes).
GIT_TREE = [
    "a.py",
    "b.py",
    "keep.py",
    "d/a.py",
    "d/e/a.py",
    "x/d/a.py",
    "dir.py/in.py",
    "uni/\u00e9.py",
    "uni/z.py",
    "]a.py",
    "1.py",
]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")
@pytest.mark.parametrize(
    "gitignore",
    [
        b"\xef\xbb\xbfa.py\n",  # a BOM before the first pattern
        b"d**a.py\n",  # `**` inside a name is `*`: no folder crossed
        b"***/a.py\n",  # a run of stars before `/` is `**/`
        b"[[:alpha:]].py\n",  # POSIX classes
        b"[[:nope:]].py\nb.py\n",  # an unknown one: the line matches nothing
        b"uni/?.py\n",  # `?` is one byte: not the two of `\xc3\xa9`
        b"uni/[!z].py\n",
        b"[\\]x].py\n[]]a.py\n",  # `\` escapes in a class; a first `]` is literal
        b"[^a].py\n",  # `^` negates as `!`
        b"*.py\r\n!keep.py\r\n",  # CRLF lines
        b"keep.py\x85\nb.py\n",  # only LF ends a line
    ],
)
def test_gitignore_lines_select_what_git_selects(tmp_path: Path, gitignore: bytes) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for name in GIT_TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    (tmp_path / ".gitignore").write_bytes(gitignore)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    ).stdout
    git = sorted(os.fsdecode(name) for name in listed.split(b"\0") if name)
    run = aiolint(tmp_path, "check", "--no-cache", "--show-files", ".")
    ours = sorted(os.path.relpath(line, tmp_path) for line in run.stdout.splitlines())
    assert ours == git, run.stderr

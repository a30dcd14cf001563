"""Files too deep or too long for LibCST's parser, and valid Python it refuses
(issue 17), run through the real programs: `aiolint check` (one file, -j 1,
stdin) and flake8 in subprocesses. None may end the run: a shape LibCST's
native parser cannot take gets an AIO000 naming aiolint's limit, and a native
crash that still happens costs one file (an internal error naming it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

AIOLINT = str(Path(sys.executable).with_name("aiolint"))
SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
SLEEPY_LINE = "AIO201 Blocking `time.sleep()`"
#: `x = a and a and ...`: 8,000 operands segfaulted LibCST (7,000 did not).
AND_CHAIN = SLEEPY + "x = " + " and ".join(["a"] * 8_000) + "\n"
#: The same crash, with the guard lifted: a native crash in the engine itself.
UNGUARDED = """\
import sys

import aiolint.engine.lint

aiolint.engine.lint.MAX_DEPTH = 10**9
from aiolint.cli.main import main

sys.exit(main(sys.argv[1:]))
"""


def run(cwd: Path, *args: str, stdin: str | None = None, program: list[str] | None = None):
    return subprocess.run(
        [*(program or [AIOLINT]), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.parametrize(
    "chain",
    [
        " and ".join(["a"] * 8_000),
        " or ".join(["a"] * 8_000),
        " and ".join(["a or b"] * 4_000),
        "f(" + " or ".join(["a"] * 9_000) + ")",
    ],
)
@pytest.mark.parametrize("how", [(), ("-j", "1")])
def test_a_long_and_or_chain_gets_aio000_not_a_segfault(
    tmp_path: Path, chain: str, how: tuple[str, ...]
) -> None:
    (tmp_path / "chain.py").write_text(SLEEPY + f"x = {chain}\n")
    (tmp_path / "other.py").write_text(SLEEPY)
    done = run(tmp_path, "check", "--no-cache", *how, "chain.py", "other.py")
    assert done.returncode == 1, done.stderr
    chain_line, other_line = done.stdout.splitlines()
    assert chain_line.startswith("chain.py:6:")
    assert ": AIO000 File too deeply nested for aiolint: " in chain_line
    assert "for aiolint's parser" in chain_line
    assert "Python accepts it" in chain_line
    assert other_line.startswith("other.py:5:5: " + SLEEPY_LINE)


def test_stdin_and_flake8_take_the_chain_too(tmp_path: Path) -> None:
    done = run(tmp_path, "check", "--stdin-filename", "chain.py", "-", stdin=AND_CHAIN)
    assert done.returncode == 1 and "chain.py:6:5: AIO000" in done.stdout, done.stderr
    for name in ("one.py", "two.py"):  # flake8 with two files hung when its worker died
        (tmp_path / name).write_text(AND_CHAIN)
    flake8 = run(
        tmp_path, "--select", "AIO", "one.py", "two.py", program=[sys.executable, "-m", "flake8"]
    )
    assert flake8.returncode == 1, flake8.stderr
    lines = flake8.stdout.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines] == [
        ["one.py:6:5:", "AIO000"],
        ["two.py:6:5:", "AIO000"],
    ]


def test_a_native_crash_costs_one_file_not_the_run(tmp_path: Path) -> None:
    (tmp_path / "unguarded.py").write_text(UNGUARDED)
    (tmp_path / "chain.py").write_text(AND_CHAIN)
    (tmp_path / "other.py").write_text(SLEEPY)
    program = [sys.executable, str(tmp_path / "unguarded.py")]
    for how in ((), ("-j", "1"), ("-j", "2")):
        done = run(tmp_path, "check", "--no-cache", *how, "chain.py", "other.py", program=program)
        assert done.returncode == 2, done.stderr
        assert done.stdout.startswith("other.py:5:5: " + SLEEPY_LINE)
        assert (
            "internal error in worker while checking chain.py: "
            "the worker process was killed by SIGSEGV"
        ) in done.stderr
    done = run(tmp_path, "check", "--stdin-filename", "s.py", "-", stdin=AND_CHAIN, program=program)
    assert done.returncode == 2 and "while checking s.py" in done.stderr
    fixed = run(
        tmp_path,
        "check",
        "--fix",
        "--stdin-filename",
        "s.py",
        "-",
        stdin=AND_CHAIN,
        program=program,
    )
    assert fixed.returncode == 2 and fixed.stdout == AND_CHAIN  # stdin given back unchanged


def test_ten_thousand_signs_get_a_message(tmp_path: Path) -> None:
    """CPython's parser itself gives up (a MemoryError without a message)."""
    (tmp_path / "signs.py").write_text(SLEEPY + "x = " + "-" * 10_000 + "1\n")
    done = run(tmp_path, "check", "--no-cache", "signs.py")
    assert done.returncode == 1
    assert done.stdout.startswith(
        "signs.py:1:1: AIO000 Cannot parse file: nested too deeply for Python's parser (MemoryError"
    )


def test_valid_python_libcst_refuses_is_no_syntax_error(tmp_path: Path) -> None:
    """20,000 concatenated literals in the function a rule checks: Python
    accepts them, LibCST's parser does not."""
    literals = "\n".join(["        'a'"] * 20_000)
    (tmp_path / "strings.py").write_text(SLEEPY + f"    x = (\n{literals}\n    )\n")
    done = run(tmp_path, "check", "--no-cache", "strings.py")
    assert done.returncode == 1
    (line,) = done.stdout.splitlines()
    assert "AIO000 aiolint's parser (LibCST) cannot read this file, which Python accepts" in line
    assert "SyntaxError" not in line


def test_a_constant_libcst_refuses_costs_no_finding_of_a_large_file(tmp_path: Path) -> None:
    """The same literals as a module-level constant no function names, in a
    file large enough to be linted in chunks: no rule can fire in that
    statement, so LibCST never parses it and the handler's finding stands
    (a file small enough to be parsed whole gets the AIO000 instead)."""
    literals = "\n".join(["    'a'"] * 20_000)
    (tmp_path / "strings.py").write_text(SLEEPY + f"x = (\n{literals}\n)\n")
    done = run(tmp_path, "check", "--no-cache", "strings.py")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"strings.py:5:5: {SLEEPY_LINE} in async code stalls "
        "the event loop; use `await asyncio.sleep(...)`"
    ]


#: Indentation CPython accepts (the same blocks with a tab worth 8 or 1
#: columns) and LibCST's tokenizer refused: "no matching outer block for dedent".
TABS = "import time\n\n\nasync def handler():\n\tif True:\n        \ttime.sleep(1)\n\treturn 1\n"


def test_a_tab_space_mix_python_accepts_is_linted_and_fixed(tmp_path: Path) -> None:
    compile(TABS, "tabs.py", "exec")
    path = tmp_path / "tabs.py"
    path.write_text(TABS)
    done = run(tmp_path, "check", "--no-cache", "tabs.py")
    assert done.returncode == 1
    assert done.stdout.startswith("tabs.py:6:10: " + SLEEPY_LINE)
    fixed = run(tmp_path, "check", "--no-cache", "--fix", "tabs.py")
    assert fixed.returncode == 0, fixed.stderr
    assert path.read_text() == (
        "import asyncio\n\n\nasync def handler():\n"
        "\tif True:\n        \tawait asyncio.sleep(1)\n\treturn 1\n"
    )
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), "tabs.py", "exec"), namespace)


@pytest.mark.parametrize(
    "statement",
    [
        "import " + ".".join(["a"] * 6_000),
        "from " + ".".join(["a"] * 6_000) + " import b",
        "import os, " + ".".join(["a"] * 6_000) + " as c",
    ],
)
def test_a_long_dotted_import_gets_aio000_not_a_segfault(tmp_path: Path, statement: str) -> None:
    """The `ast` keeps a dotted import name as one string, LibCST nests it a
    level per part: 6,000 parts segfaulted its parser (3,000 did not)."""
    (tmp_path / "dotted.py").write_text(SLEEPY + statement + "\n")
    (tmp_path / "other.py").write_text(SLEEPY)
    done = run(tmp_path, "check", "--no-cache", "-j", "1", "dotted.py", "other.py")
    assert done.returncode == 1, done.stderr
    dotted_line, other_line = done.stdout.splitlines()
    assert dotted_line.startswith("dotted.py:6:1: AIO000 File too deeply nested for aiolint: ")
    assert "each part of an imported dotted name is a level" in dotted_line
    assert other_line.startswith("other.py:5:5: " + SLEEPY_LINE)


def test_a_dotted_import_within_the_limit_is_linted(tmp_path: Path) -> None:
    (tmp_path / "dotted.py").write_text(SLEEPY + "import " + ".".join(["a"] * 900) + "\n")
    done = run(tmp_path, "check", "--no-cache", "dotted.py")
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0].startswith("dotted.py:5:5: " + SLEEPY_LINE)


#: A line holding only a backslash where a block's first statement starts:
#: CPython accepts it, LibCST's parser refused it ("Syntax Error @ 6:1"), a
#: false AIO000 the fuzz found in 1 of 40 mutated real modules.
BACKSLASH_BLOCKS = [
    "import time\n\n\nasync def handler():\n    \\\n    time.sleep(0)\n    return 1\n",
    "import time\n\n\nasync def handler():\n\\\n    time.sleep(0)\n    return 1\n",
    "import time\n\n\nasync def handler():\n    if True:\n        \\\n        time.sleep(0)\n"
    "    return 1\n",
    "import time\n\n\nasync def handler():\r\n    \\\r\n    time.sleep(0)\r\n    return 1\r\n",
]


def test_a_backslash_line_opening_a_block_is_linted_and_fixed(tmp_path: Path) -> None:
    names = [f"cont{i}.py" for i in range(len(BACKSLASH_BLOCKS))]
    for name, source in zip(names, BACKSLASH_BLOCKS, strict=True):
        (tmp_path / name).write_bytes(source.encode())
    done = run(tmp_path, "check", "--no-cache", *names)
    assert done.returncode == 1, done.stderr
    found = [line.split(": ", 1) for line in done.stdout.splitlines() if "AIO" in line]
    expected = [
        (name, 1 + source.replace("\r\n", "\n").split("\n").index(sleep))
        for name, source in zip(names, BACKSLASH_BLOCKS, strict=True)
        for sleep in [next(s for s in source.replace("\r\n", "\n").split("\n") if "sleep" in s)]
    ]
    assert [(where.split(":")[0], int(where.split(":")[1])) for where, _ in found] == expected
    assert all(message.startswith(SLEEPY_LINE) for _, message in found), done.stdout
    fixed = run(tmp_path, "check", "--no-cache", "--fix", *names)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    import asyncio

    for name, source in zip(names, BACKSLASH_BLOCKS, strict=True):
        new = (tmp_path / name).read_bytes().decode()
        assert new == source.replace("import time", "import asyncio").replace(
            "time.sleep(0)", "await asyncio.sleep(0)"
        )
        namespace: dict[str, object] = {}
        exec(compile(new, name, "exec"), namespace)
        assert asyncio.run(namespace["handler"]()) == 1  # type: ignore[operator]


def test_a_backslash_line_is_blanked_only_when_python_reads_the_same_program() -> None:
    from aiolint.engine.tabs import backslash_lines_blanked

    assert backslash_lines_blanked("if x:\n    \\\n    y()\n") == "if x:\n     \n    y()\n"
    # the backslash line's 8 columns are the statement's indentation: blank, 4 would count
    assert backslash_lines_blanked("if x:\n        \\\n    y()\n        z()\n") is None
    # in a string it is text
    assert backslash_lines_blanked("x = '''\n\\\n'''\n") is None

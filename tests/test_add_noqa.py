"""`--add-noqa`: each finding gets a `# noqa: CODE`; the file stays byte-exact otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

from aiolint.cli.add_noqa import _same_code, add_noqa_text
from aiolint.engine.model import Diagnostic, Location


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def diag(line: int, code: str = "AIO201") -> Diagnostic:
    return Diagnostic("x.py", code, "m", Location(line, 1), Location(line, 2))


def add_noqa_then_check(capsys, path: Path, expected_count: int) -> bytes:
    run = run_cli(capsys, "check", "--add-noqa")
    assert (run.code, run.out) == (0, "")
    plural = "" if expected_count == 1 else "s"
    assert run.err.strip() == f"Added {expected_count} noqa directive{plural}."
    after = path.read_bytes()
    check = run_cli(capsys, "check")
    assert (check.code, check.out) == (0, ""), check.out
    again = run_cli(capsys, "check", "--add-noqa")
    assert (again.code, again.err.strip()) == (0, "Added 0 noqa directives.")
    assert path.read_bytes() == after  # idempotent
    return after


def test_add_noqa_suppresses_every_finding(project: Path, capsys) -> None:
    source = (
        "import time\n\n\n"
        "async def handler():\n"
        "    time.sleep(1)\n"
        "    time.sleep(2)  # noqa: E501\n"
        "    time.sleep(3)  # keep this comment\n"
        "    time.sleep(4)  # noqa:E501,W291  # and this one\n"
        "    x = '''\n"
        "  text''' + str(time.sleep(5))\n"
        "    y = \\\n"
        "        time.sleep(6)\n"
        "    z = str(\n"
        "        time.sleep(7))\n"
    )
    path = project / "app.py"
    path.write_text(source)
    assert len(run_cli(capsys, "check").lines) == 7
    after = add_noqa_then_check(capsys, path, 7)
    assert after.decode() == (
        "import time\n\n\n"
        "async def handler():\n"
        "    time.sleep(1)  # noqa: AIO201\n"
        "    time.sleep(2)  # noqa: E501, AIO201\n"
        "    time.sleep(3)  # keep this comment  # noqa: AIO201\n"
        "    time.sleep(4)  # noqa: E501, W291, AIO201  # and this one\n"
        "    x = '''\n"
        "  text''' + str(time.sleep(5))  # noqa: AIO201\n"
        "    y = \\\n"
        "        time.sleep(6)  # noqa: AIO201\n"
        "    z = str(\n"
        "        time.sleep(7))  # noqa: AIO201\n"
    )


def test_finding_on_a_line_that_ends_inside_a_string(project: Path, capsys) -> None:
    # the finding starts on line 5, which ends inside the triple-quoted string
    source = 'import time\n\n\nasync def handler():\n    time.sleep(len("""\n  a\n"""))\n'
    path = project / "app.py"
    path.write_text(source)
    assert [line.split(" ")[0] for line in run_cli(capsys, "check").lines] == ["app.py:5:5:"]
    after = add_noqa_then_check(capsys, path, 1)
    assert after.decode().endswith('  a\n"""))  # noqa: AIO201\n')


@pytest.mark.parametrize(
    ("prefix", "newline", "encoding"),
    [
        (b"", "\r\n", "utf-8"),
        (b"\xef\xbb\xbf", "\n", "utf-8"),
        (b"\xef\xbb\xbf", "\r\n", "utf-8"),
        (b"# -*- coding: latin-1 -*-\n", "\n", "latin-1"),
    ],
)
def test_bytes_are_kept(project: Path, capsys, prefix: bytes, newline: str, encoding: str) -> None:
    text = "import time\n\n\nasync def handler():  # caf\u00e9\n    time.sleep(1)\n"
    path = project / "app.py"
    path.write_bytes(prefix + text.replace("\n", newline).encode(encoding))
    after = add_noqa_then_check(capsys, path, 1)
    expected = text.replace("time.sleep(1)", "time.sleep(1)  # noqa: AIO201")
    assert after == prefix + expected.replace("\n", newline).encode(encoding)


def test_no_trailing_newline(project: Path, capsys) -> None:
    path = project / "app.py"
    path.write_text(SLEEPY.rstrip("\n"))
    after = add_noqa_then_check(capsys, path, 1)
    assert after.decode() == SLEEPY.rstrip("\n") + "  # noqa: AIO201"


def test_codes_on_one_line_share_a_comment() -> None:
    text = "a = 1\nb = 2  # noqa: AIO101\n"
    new, count = add_noqa_text(text, [diag(1, "AIO202"), diag(1, "AIO201"), diag(1, "AIO201")])
    assert (new, count) == ("a = 1  # noqa: AIO201, AIO202\nb = 2  # noqa: AIO101\n", 1)
    new, count = add_noqa_text(text, [diag(2, "AIO201")])
    assert (new, count) == ("a = 1\nb = 2  # noqa: AIO101, AIO201\n", 1)


def test_invalid_file_findings_get_no_noqa() -> None:
    assert add_noqa_text("a = 1\n", [diag(1, "AIO000")]) == ("a = 1\n", 0)


def test_add_noqa_refuses_stdin(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "-", "--add-noqa")
    assert run.code == 2 and "do not read stdin" in run.err


@pytest.mark.parametrize("flag", ["--fix", "--diff", "--fix-only"])
def test_add_noqa_does_not_fix(project: Path, capsys, flag: str) -> None:
    (project / "app.py").write_text(SLEEPY)
    run = run_cli(capsys, "check", "--add-noqa", flag)
    assert run.code == 2 and "--add-noqa does not go with" in run.err
    assert (project / "app.py").read_text() == SLEEPY


def test_only_comments_are_ever_added() -> None:
    assert _same_code("x = 1\n", "x = 1  # noqa: AIO201\n")
    # a comment inside a string changes the code: such a file is left alone
    assert not _same_code('x = """a\n"""\n', 'x = """a  # noqa: AIO201\n"""\n')
    assert not _same_code("x = \\\n  1\n", "x = \\  # noqa: AIO201\n  1\n")

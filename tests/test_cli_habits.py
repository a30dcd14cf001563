"""The command-line habits ruff users bring (issue 22), each tried on the real
program in a subprocess: `-V`, `version`, `rule NAME`, `rule --all`, the global
options before the command, a wrong flag's usage, `-v`, `-s`, `--ignore-noqa`,
and the rule summaries `aiolint rules` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import SLEEPY, run_process

from aiolint import __version__
from aiolint.engine.codes import CODES

FINDING = "a.py:5:5: AIO201 "


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.aiolint]\nextend-exclude = ["skipped"]\n')
    (tmp_path / "a.py").write_text(SLEEPY)
    (tmp_path / "skipped").mkdir()
    (tmp_path / "skipped" / "c.py").write_text(SLEEPY)
    return tmp_path


def test_unknown_flag_of_check_prints_checks_usage(tmp_path: Path) -> None:
    """As `ruff check --bogus`: the usage of the command the flag was given to."""
    run = run_process(tmp_path, "check", "--bogus")
    assert run.code == 2 and run.out == ""
    assert run.err.splitlines() == [
        "usage: aiolint check [OPTIONS] [PATH ...]",
        "aiolint check: error: unrecognized arguments: --bogus",
        "For more information, try 'aiolint check --help'.",
    ]
    # before the command it is the top level's, as `ruff --bogus check`
    run = run_process(tmp_path, "--bogus", "check")
    assert run.code == 2
    assert run.err.splitlines()[:2] == [
        "usage: aiolint [OPTIONS] COMMAND ...",
        "aiolint: error: unrecognized arguments: --bogus",
    ]


def test_version_spellings(tmp_path: Path) -> None:
    for args in (["-V"], ["--version"], ["version"]):
        run = run_process(tmp_path, *args)
        assert (run.code, run.out, run.err) == (0, f"aiolint {__version__}\n", ""), args
    run = run_process(tmp_path, "version", "--output-format", "json")
    assert run.code == 0 and json.loads(run.out) == {"version": __version__}


def test_rule_by_name_is_rule_by_code(tmp_path: Path) -> None:
    by_code = run_process(tmp_path, "rule", "AIO101")
    by_name = run_process(tmp_path, "rule", "asyncio-gather")
    assert by_code.code == by_name.code == 0
    assert by_name.out == by_code.out
    assert by_name.out.startswith("# asyncio-gather (AIO101)\n")


def test_unknown_rule_says_what_is_close(tmp_path: Path) -> None:
    run = run_process(tmp_path, "rule", "asyncio-gahter")
    assert (run.code, run.out) == (2, "")
    assert "unknown rule 'asyncio-gahter'" in run.err
    assert "did you mean asyncio-gather (AIO101)?" in run.err


def test_rule_all_prints_every_page_in_code_order(tmp_path: Path) -> None:
    run = run_process(tmp_path, "rule", "--all")
    assert run.code == 0
    headings = [line for line in run.lines if line.startswith("# ")]
    assert headings == [f"# {info.name} ({code})" for code, info in CODES.items()]
    single = run_process(tmp_path, "rule", "AIO306").out
    assert single in run.out
    as_json = json.loads(run_process(tmp_path, "rule", "--all", "--output-format", "json").out)
    assert [(r["code"], r["name"], r["summary"]) for r in as_json] == [
        (code, info.name, info.summary) for code, info in CODES.items()
    ]
    assert as_json[list(CODES).index("AIO306")]["explanation"] == single


def test_rule_needs_a_rule_or_all(tmp_path: Path) -> None:
    for args in ([], ["--all", "AIO201"]):
        run = run_process(tmp_path, "rule", *args)
        assert run.code == 2 and run.err.startswith("usage: aiolint rule "), args


def test_rules_prints_whole_summaries(tmp_path: Path) -> None:
    """AIO306's summary stopped at `AsyncEngine`: its docstring's first line."""
    run = run_process(tmp_path, "rules")
    (line,) = [line for line in run.lines if line.startswith("AIO306")]
    assert line.endswith(
        "A coroutine method of an `AsyncSession`, `AsyncConnection` or `AsyncEngine` "
        "called without `await`."
    )


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_options_before_or_after_the_command(project: Path, where: str) -> None:
    def check(*options: str) -> list[str]:
        args = [*options, "check", "-n"] if where == "before" else ["check", "-n", *options]
        run = run_process(project, *args, ".")
        return run.lines

    assert check() == [FINDING + _message()]
    assert check("--config", "ignore = ['AIO201']") == []
    # --isolated: the pyproject's extend-exclude no longer applies
    assert check("--isolated") == [
        FINDING + _message(),
        "skipped/c.py:5:5: AIO201 " + _message(),
    ]
    painted = check("--color", "always")
    assert painted != [FINDING + _message()] and "\x1b[" in painted[0]


def test_config_before_and_after_the_command_add_up(project: Path) -> None:
    run = run_process(
        project,
        "--config",
        "select = ['AIO1']",
        "check",
        "-n",
        "--config",
        "extend-select = ['AIO2']",
        "-v",
    )
    assert run.lines == [FINDING + _message()]
    assert "Override (--config): select = ['AIO1']" in run.err
    assert "Override (--config): extend-select = ['AIO2']" in run.err


def test_silent_prints_nothing_and_still_fails(project: Path) -> None:
    for args in (["-s", "check"], ["check", "--silent"]):
        run = run_process(project, *args, "-n")
        assert (run.code, run.out, run.err) == (1, "", ""), args


def test_quiet_prints_only_diagnostics(project: Path) -> None:
    run = run_process(project, "-q", "check", "-n")
    assert (run.code, run.lines, run.err) == (1, [FINDING + _message()], "")


def test_log_levels_exclude_each_other(project: Path) -> None:
    run = run_process(project, "check", "-q", "-s")
    assert run.code == 2
    assert "aiolint check: error: --quiet does not go with --silent" in run.err


def test_verbose_tells_configuration_files_cache_and_timings(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "aiolint.toml").write_text("target-version = 'py310'\n")
    (project / "sub" / "b.py").write_text("x = 1\n")
    plain = run_process(project, "check")
    run = run_process(project, "-v", "check")
    assert run.code == plain.code == 1
    assert run.out == plain.out  # the report is the same
    debug = [line for line in run.err.splitlines() if line.startswith("aiolint: debug: ")]
    assert debug[:4] == [
        f"aiolint: debug: Using configuration: {project / 'pyproject.toml'}",
        f"aiolint: debug: Cache: {project / '.aiolint_cache'}",
        debug[2],
        f"aiolint: debug: Checking: a.py (configuration: {project / 'pyproject.toml'})",
    ]
    assert debug[2].startswith("aiolint: debug: Identified 2 files to lint in: ")
    assert debug[4] == (
        f"aiolint: debug: Checking: sub/b.py (configuration: {project / 'sub' / 'aiolint.toml'})"
    )
    assert debug[5].startswith("aiolint: debug: Checked 2 files in: ")
    assert "(2 answered by the cache, at most " in debug[5]  # `plain` filled it
    assert "Found 1 error" in run.err


def test_ignore_noqa_reports_suppressed_findings(project: Path) -> None:
    """Inline and file-wide noqa comments are ignored, and the cache does not
    answer a run with `--ignore-noqa` from one without it."""
    (project / "a.py").write_text(SLEEPY.replace("time.sleep(1)", "time.sleep(1)  # noqa: AIO201"))
    (project / "b.py").write_text("# aiolint: noqa\n" + SLEEPY)
    first = run_process(project, "check")
    assert (first.code, first.out) == (0, "")
    run = run_process(project, "check", "--ignore-noqa")
    assert run.code == 1
    assert [line.split(" ", 2)[:2] for line in run.lines] == [
        ["a.py:5:5:", "AIO201"],
        ["b.py:6:5:", "AIO201"],
    ]
    noqa = SLEEPY.replace("time.sleep(1)", "time.sleep(1)  # noqa")
    assert run_process(project, "check", "--stdin-filename", "a.py", "-", stdin=noqa).out == ""
    stdin = run_process(
        project, "check", "--ignore-noqa", "--stdin-filename", "a.py", "-", stdin=noqa
    )
    assert stdin.code == 1 and "AIO201" in stdin.out


def _message() -> str:
    return (
        "Blocking `time.sleep()` in async code stalls the event loop; "
        "use `await asyncio.sleep(...)`"
    )

"""The flags aiolint takes from ruff's `check`: `--show-files`, `--show-settings`,
`--config FILE|'KEY = VALUE'`, `--color`, and the short flags ruff has
(`-e` exit-zero, `-n` no-cache, `-o` output-file)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

from aiolint.cli.color import use_color

MESSAGE = (
    "Blocking `time.sleep()` in async code stalls the event loop; use `await asyncio.sleep(...)`"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("FORCE_COLOR", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "AIOLINT_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "pyproject.toml").write_text('[tool.aiolint]\nextend-exclude = ["skipped"]\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text(SLEEPY)
    (tmp_path / "pkg" / "a.py").write_text(SLEEPY)
    (tmp_path / "skipped").mkdir()
    (tmp_path / "skipped" / "c.py").write_text(SLEEPY)
    (tmp_path / "notes.txt").write_text("not python")
    return tmp_path


def test_show_files_lists_absolute_sorted_paths_and_lints_nothing(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "--show-files", "pkg", ".")
    assert run.code == 0
    assert run.lines == [str(project / "pkg" / "a.py"), str(project / "pkg" / "b.py")]
    assert run.err == ""
    assert not (project / ".aiolint_cache").exists()


def test_show_files_honours_force_exclude(project: Path, capsys) -> None:
    assert run_cli(capsys, "check", "--show-files", "skipped/c.py").lines == [
        str(project / "skipped" / "c.py")
    ]
    run = run_cli(capsys, "check", "--show-files", "--force-exclude", "skipped/c.py")
    assert run.code == 0 and run.out == ""
    assert "No Python files found" in run.err


def test_show_settings(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.aiolint]\nselect = ["AIO2"]\n[tool.aiolint.per-file-ignores]\n"a.py" = ["AIO201"]\n'
    )
    run = run_cli(capsys, "check", "--show-settings", "pkg")
    assert run.code == 0
    first = project / "pkg" / "a.py"  # the first file in sorted order
    assert run.lines[:3] == [
        f'Resolved settings for: "{first}"',
        f'Settings path: "{project / "pyproject.toml"}"',
        "",
    ]
    out = run.out
    assert "# General Settings\n" in out and "# Linter Settings\n" in out
    assert f'cache_dir = "{project / ".aiolint_cache"}"\n' in out
    assert "output_format = text\n" in out
    assert "linter.target_version = py311\n" in out
    # the rules enabled for that file: AIO2 less its per-file ignore
    assert (
        "linter.rules.enabled = [\n\tblocking-http (AIO202),\n\tblocking-subprocess (AIO203),\n"
        "\tblocking-file-io (AIO204),\n\tblocking-db (AIO205),\n"
        "\tblocking-call-in-helper (AIO206),\n]\n"
    ) in out
    assert 'linter.per_file_ignores = {\n\t"a.py" = [AIO201],\n}\n' in out
    assert "file_resolver.extend_exclude = []\n" in out


def test_show_settings_without_files_is_an_error(project: Path, capsys) -> None:
    (project / "empty").mkdir()
    run = run_cli(capsys, "check", "--show-settings", "empty")
    assert run.code == 2 and "No files found under the given path" in run.err


@pytest.mark.parametrize(
    "flags",
    [
        ["--show-files", "--show-settings"],
        ["--show-files", "--statistics"],
        ["--show-settings", "--add-noqa"],
    ],
)
def test_show_flags_conflict(project: Path, capsys, flags: list[str]) -> None:
    run = run_cli(capsys, "check", *flags)
    assert run.code == 2 and "go with" in run.err


def test_config_override_wins_over_the_file_and_loses_to_flags(project: Path, capsys) -> None:
    assert run_cli(capsys, "check", "pkg").code == 1
    assert run_cli(capsys, "check", "pkg", "--config", 'ignore = ["AIO201"]').code == 0
    # repeated, applied in order (the last `ignore` replaces the first)
    run = run_cli(
        capsys, "check", "pkg", "--config", 'ignore = ["AIO201"]', "--config", 'ignore = ["AIO3"]'
    )
    assert run.code == 1
    # a dedicated flag is applied after the overrides
    run = run_cli(
        capsys, "check", "pkg", "--config", 'ignore = ["AIO201"]', "--extend-select", "AIO201"
    )
    assert run.code == 1
    # an override of the file's list
    run = run_cli(capsys, "check", "--config", "extend-exclude = []", "--show-files")
    assert str(project / "skipped" / "c.py") in run.lines


def test_config_file_and_overrides_together(project: Path, capsys) -> None:
    other = project / "aiolint.toml"
    other.write_text('output-format = "pylint"\n')
    run = run_cli(capsys, "check", "pkg/a.py", "--config", str(other))
    assert run.lines == [f"pkg/a.py:5: [AIO201] {MESSAGE}"]
    run = run_cli(
        capsys, "check", "pkg/a.py", "--config", str(other), "--config", 'output-format = "concise"'
    )
    assert run.lines == [f"pkg/a.py:5:5: AIO201 [*] {MESSAGE}"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("select = [", "The supplied argument is not valid TOML"),
        ("nope.toml", "does not point to a configuration file"),
        ("selec = []", "selec: unknown key"),
        ('select = ["AIO999"]', "AIO999"),
        ("show-source = 1", "expected true or false"),
    ],
)
def test_bad_config_values(project: Path, capsys, value: str, message: str) -> None:
    run = run_cli(capsys, "check", "--config", value)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err


def test_two_config_files_or_a_file_with_isolated_are_errors(project: Path, capsys) -> None:
    (project / "aiolint.toml").write_text("")
    run = run_cli(capsys, "check", "--config", "aiolint.toml", "--config", "pyproject.toml")
    assert run.code == 2 and "more than one configuration file" in run.err
    run = run_cli(capsys, "check", "--isolated", "--config", "aiolint.toml")
    assert run.code == 2 and "cannot be used with `--isolated`" in run.err
    # an override goes with --isolated
    assert run_cli(capsys, "check", "--isolated", "--config", 'ignore = ["AIO2"]').code == 0


def test_clean_takes_config_overrides(project: Path, capsys) -> None:
    run_cli(capsys, "check", "pkg", "--config", 'cache-dir = "elsewhere"')
    assert (project / "elsewhere" / "CACHEDIR.TAG").is_file()
    run = run_cli(capsys, "clean", "--config", 'cache-dir = "elsewhere"')
    assert run.code == 0 and not (project / "elsewhere").exists()


def test_color(project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = f"pkg/a.py:5:5: AIO201 {MESSAGE}"
    painted = (
        "\x1b[1mpkg/a.py\x1b[0m\x1b[36m:\x1b[0m5\x1b[36m:\x1b[0m5\x1b[36m:\x1b[0m "
        f"\x1b[1;31mAIO201\x1b[0m {MESSAGE}"
    )
    assert run_cli(capsys, "check", "pkg/a.py").lines == [plain]  # not a terminal
    assert run_cli(capsys, "check", "pkg/a.py", "--color", "always").lines == [painted]
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert run_cli(capsys, "check", "pkg/a.py").lines == [painted]
    assert run_cli(capsys, "check", "pkg/a.py", "--color", "never").lines == [plain]
    # a report written to a file is not painted unless asked
    run_cli(capsys, "check", "pkg/a.py", "--color", "never", "-o", "out.txt")
    assert (project / "out.txt").read_text() == plain + "\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("choice", "environ", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),
        ("auto", {"CLICOLOR": "0"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": ""}, False, False),
        ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, True),
        ("auto", {"CLICOLOR_FORCE": "1"}, False, True),
        ("auto", {"CLICOLOR_FORCE": "0"}, False, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_use_color(choice: str, environ: dict[str, str], tty: bool, expected: bool) -> None:
    stream = _Terminal() if tty else io.StringIO()
    assert use_color(choice, stream, environ) is expected


def test_short_flags(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "pkg", "-e", "-n")
    assert run.code == 0 and len(run.lines) == 2
    assert not (project / ".aiolint_cache").exists()
    assert run_cli(capsys, "check", "pkg", "--exit-zero", "--no-cache").out == run.out
    run = run_cli(capsys, "check", "pkg", "-o", "report.txt")
    assert run.code == 1 and run.out == ""
    assert len((project / "report.txt").read_text().splitlines()) == 2


def test_statistics_does_not_go_with_diff(project: Path, capsys) -> None:
    run = run_cli(capsys, "check", "pkg", "--statistics", "--diff")
    assert run.code == 2 and "--statistics does not go with --diff" in run.err


@pytest.mark.parametrize("name", ["full", "grouped", "json-lines", "pylint", "rdjson", "azure"])
def test_new_formats_from_config(project: Path, capsys, name: str) -> None:
    (project / "pyproject.toml").write_text(f'[tool.aiolint]\noutput-format = "{name}"\n')
    run = run_cli(capsys, "check", "pkg/a.py")
    assert run.code == 1 and "AIO201" in run.out
    assert run.out == run_cli(capsys, "check", "pkg/a.py", "--output-format", name).out

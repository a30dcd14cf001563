"""`[tool.aiolint]`: discovery, every key, precedence of flags, errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SLEEPY, run_cli

from aiolint.workspace.config import (
    CONFIG_KEYS,
    ConfigError,
    load_config,
    parse_per_file_ignores,
    parse_target_version,
    target_from_requires_python,
)

GATHER = "import asyncio\n\n\nasync def main(a, b):\n    await asyncio.sleep(0)\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(SLEEPY)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(SLEEPY)
    return tmp_path


def write_config(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.aiolint]\n{body}\n")


def test_config_found_walking_up_from_paths(repo: Path, capsys) -> None:
    write_config(repo, 'ignore = ["AIO201"]')
    assert run_cli(capsys, "check", "src").code == 0
    assert run_cli(capsys, "check", str(repo / "src" / "app.py")).code == 0


def test_flags_win_over_config(repo: Path, capsys) -> None:
    write_config(repo, 'ignore = ["AIO201"]')
    assert run_cli(capsys, "check", "--extend-select", "AIO201").code == 1
    write_config(repo, 'select = ["AIO0"]')
    assert run_cli(capsys, "check", "--select", "AIO2").code == 1


def test_isolated_and_explicit_config(repo: Path, capsys) -> None:
    write_config(repo, 'ignore = ["AIO201"]')
    assert run_cli(capsys, "check", "--isolated").code == 1
    other = repo / "aiolint.toml"
    other.write_text('select = ["AIO0"]\n')
    # ruff's rule: a configuration file does not go with --isolated
    run = run_cli(capsys, "check", "--isolated", "--config", str(other))
    assert run.code == 2 and "cannot be used with `--isolated`" in run.err
    assert run_cli(capsys, "check", "--config", str(other)).code == 0
    run = run_cli(capsys, "check", "--config", "missing.toml")
    assert run.code == 2 and "missing.toml" in run.err


def test_per_file_ignores_and_excludes_from_config(repo: Path, capsys) -> None:
    write_config(repo, '[tool.aiolint.per-file-ignores]\n"tests/*" = ["AIO2"]')
    run = run_cli(capsys, "check", "--quiet")
    assert [line.split(":")[0] for line in run.lines] == ["src/app.py"]
    write_config(repo, 'extend-exclude = ["src/app.py"]')
    run = run_cli(capsys, "check", "--quiet")
    assert [line.split(":")[0] for line in run.lines] == ["tests/test_app.py"]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('selct = ["AIO"]', "selct"),
        ('select = ["AIO999"]', "select"),
        ('ignore = "AIO201"', "ignore"),
        ('target-version = "py27"', "target-version"),
        ("respect-gitignore = 1", "respect-gitignore"),
        ('[tool.aiolint.per-file-ignores]\n"a.py" = ["E501"]', "per-file-ignores"),
    ],
)
def test_bad_config_names_file_and_key(repo: Path, capsys, body: str, key: str) -> None:
    write_config(repo, body)
    run = run_cli(capsys, "check")
    assert run.code == 2
    assert "pyproject.toml" in run.err and key in run.err and "Traceback" not in run.err


def test_invalid_toml(repo: Path, capsys) -> None:
    (repo / "pyproject.toml").write_text("[tool.aiolint\n")
    run = run_cli(capsys, "check")
    assert run.code == 2 and "invalid TOML" in run.err


def test_target_version_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.12"\n')
    assert load_config(tmp_path / "pyproject.toml").effective_target == (3, 12)
    write_config(tmp_path, 'target-version = "py313"')
    assert load_config(tmp_path / "pyproject.toml").effective_target == (3, 13)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert load_config(tmp_path / "pyproject.toml").effective_target == (3, 11)


@pytest.mark.parametrize(
    ("spec", "target"),
    [
        (">=3.10", (3, 10)),
        (">=3.8,<4", (3, 10)),
        ("~=3.12", (3, 12)),
        (">3.11", (3, 11)),  # 3.11.1 is allowed: the lowest version allowed decides
        ("<4", None),  # no lower bound: nothing declared
        ("==3.13.*", (3, 13)),
        ("", None),
    ],
)
def test_requires_python(spec: str, target: tuple[int, int] | None) -> None:
    assert target_from_requires_python(spec) == target


def test_parsers() -> None:
    assert parse_target_version("PY314") == (3, 14)
    with pytest.raises(ConfigError):
        parse_target_version("py315")
    entries = parse_per_file_ignores("tests/*:AIO201,AIO0\nscripts/x.py:AIO")
    assert [(e.pattern, e.codes) for e in entries] == [
        ("tests/*", ("AIO201", "AIO0")),
        ("scripts/x.py", ("AIO",)),
    ]
    with pytest.raises(ConfigError):
        parse_per_file_ignores("no-colon")


def test_every_key_is_documented_and_used() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for key in CONFIG_KEYS:
        assert f"{key} =" in readme or f"tool.aiolint.{key}]" in readme, key

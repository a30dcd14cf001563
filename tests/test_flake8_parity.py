"""`flake8 --select AIO` and `aiolint check` report the same (line, column, code, message)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_expectations import FIXTURES

CONFIG = '[tool.aiolint]\ntarget-version = "py313"\n'


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parity")
    shutil.copytree(FIXTURES, root / "fixtures")
    (root / "pyproject.toml").write_text(CONFIG)
    return root


def run(root: Path, *argv: str) -> tuple[int, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-m", *argv], cwd=root, capture_output=True, text=True, check=False
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    # `text`, the default, is flake8's line exactly: no `[*]` to strip
    return proc.returncode, sorted(proc.stdout.splitlines())


def test_flake8_reports_what_the_cli_reports(corpus: Path) -> None:
    cli_code, cli_lines = run(corpus, "aiolint", "check", "fixtures", "--quiet")
    flake8_code, flake8_lines = run(corpus, "flake8", "--select", "AIO", "fixtures")
    assert cli_code == flake8_code == 1
    fixture_codes = {p.name[:6] for p in (corpus / "fixtures").rglob("AIO*.py")}
    assert {line.split()[1] for line in cli_lines} >= fixture_codes - {"AIO000"}
    # flake8 reports a file Python rejects itself (E999) and runs no plugin on it
    rejected = [line for line in cli_lines if " AIO000 SyntaxError: " in line]
    assert rejected == [
        "fixtures/projects/helpers/app/broken.py:10:9: AIO000 SyntaxError: invalid syntax"
    ]
    assert flake8_lines == [line for line in cli_lines if line not in rejected]


def test_flake8_honours_noqa_and_config(corpus: Path) -> None:
    sample = corpus / "sample.py"
    sample.write_text(
        "import time\n\n\nasync def f():\n    time.sleep(1)  # noqa: AIO201\n    time.sleep(2)\n"
    )
    assert run(corpus, "flake8", "--select", "AIO", "sample.py")[1] == [
        "sample.py:6:5: AIO201 Blocking `time.sleep()` in async code stalls the event loop; "
        "use `await asyncio.sleep(...)`"
    ]
    (corpus / "pyproject.toml").write_text(CONFIG + 'ignore = ["AIO201"]\n')
    try:
        assert run(corpus, "flake8", "--select", "AIO", "sample.py") == (0, [])
    finally:
        (corpus / "pyproject.toml").write_text(CONFIG)

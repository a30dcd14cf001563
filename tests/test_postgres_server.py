"""The PostgreSQL fixture skips with its reason when the server cannot start,
and fails instead in CI (`CI`, `AIOLINT_REQUIRE_POSTGRES=1`): run for real, in
a pytest subprocess whose server binaries are missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

NEEDS_POSTGRES = """
import postgres_server
from postgres_server import postgres_fixture  # noqa: F401


def _missing():
    raise postgres_server.PostgresUnavailable("no initdb in this test")


postgres_server._bindir = _missing


def test_needs_postgres(postgres):
    assert postgres.port
"""


def run_pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_needs_postgres.py").write_text(NEEDS_POSTGRES)
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "AIOLINT_REQUIRE_POSTGRES")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(TESTS), **env},
        timeout=120,
        check=False,
    )


def test_skips_with_the_reason_outside_ci(tmp_path: Path) -> None:
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "PostgreSQL could not be started: no initdb in this test" in done.stdout


@pytest.mark.parametrize("env", [{"CI": "true"}, {"AIOLINT_REQUIRE_POSTGRES": "1"}])
def test_fails_in_ci(tmp_path: Path, env: dict[str, str]) -> None:
    done = run_pytest(tmp_path, **env)
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout and "skipped" not in done.stdout
    assert "no initdb in this test" in done.stdout

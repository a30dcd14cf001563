"""Running the CLI in-process for tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aiolint.cli.main import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    code = main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


#: Left out of a `run_process` environment: they change colours and the cache.
PROCESS_ENV_UNSET = ("FORCE_COLOR", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "AIOLINT_CACHE_DIR")


def run_process(cwd: Path, *args: str, stdin: str | None = None) -> Run:
    """`aiolint ARGS` run as a program, in `cwd` (what a user types)."""
    env = {k: v for k, v in os.environ.items() if k not in PROCESS_ENV_UNSET}
    done = subprocess.run(
        [sys.executable, "-m", "aiolint", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Run(done.returncode, done.stdout, done.stderr)


SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"

#: The SQLAlchemy model the behaviour tests store rows of (a `users` table).
USERS_MODEL = """\
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
"""


def exec_source(source: str, name: str = "app") -> dict[str, Any]:
    """Run `source` as a module of its own (no `from __future__` of the caller's)
    and return its namespace."""
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(source, f"{name}.py", "exec", dont_inherit=True), namespace)
    return namespace


def python_versions_monorepo(root: Path, module: str, source: str) -> Path:
    """A repository whose `backend/` runs on 3.10 and `service/` on 3.11, with
    no configuration at the root (only `.git`); each holds `app/<module>`."""
    (root / ".git").mkdir()
    for name, requires in (("backend", ">=3.10"), ("service", ">=3.11")):
        package = root / name / "app"
        package.mkdir(parents=True)
        (root / name / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nrequires-python = "{requires}"\n'
        )
        (package / "__init__.py").write_text("")
        (package / module).write_text(source)
    return root

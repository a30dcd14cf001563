"""A throwaway PostgreSQL server for tests: `postgres`, a session-scoped fixture
(import `postgres_fixture` into a test module to use it).

It runs Debian's (or any) PostgreSQL binaries found in `/usr/lib/postgresql/*/bin`
or on PATH: `initdb` a cluster in a temporary folder, `pg_ctl start` it on a
free port with its unix socket in that folder (no TCP listener), and stop and
delete it at the end of the session. PostgreSQL refuses to run as root: as
root, the cluster belongs to the `postgres` user (else `nobody`) and its
programs run as that user.

When the server cannot start, tests that need it are skipped with the reason;
in CI (`CI` set, or `AIOLINT_REQUIRE_POSTGRES=1`) they fail instead, so that a
missing server never passes unnoticed. `.ci/run` installs the `postgresql`
package and sets `AIOLINT_REQUIRE_POSTGRES=1`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "aiolint"
DATABASE = "postgres"
_START_TIMEOUT = 60


@dataclass(frozen=True, slots=True)
class Postgres:
    """A running server, reached over its unix socket in `socket_dir`."""

    socket_dir: str
    port: int
    user: str = USER
    database: str = DATABASE

    @property
    def dsn(self) -> str:
        """A libpq URL (asyncpg and psycopg both read it)."""
        return f"postgresql://{self.user}@/{self.database}?host={self.socket_dir}&port={self.port}"

    def sqlalchemy_url(self, driver: str) -> str:
        """`postgresql+<driver>://...` for SQLAlchemy (`asyncpg`, `psycopg`)."""
        return (
            f"postgresql+{driver}://{self.user}@/{self.database}"
            f"?host={self.socket_dir}&port={self.port}"
        )


class PostgresUnavailable(Exception):
    """The server could not be started (the message says why)."""


def required() -> bool:
    """Whether a missing server fails the tests (CI) instead of skipping them."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or os.environ.get("AIOLINT_REQUIRE_POSTGRES") == "1"


def _major(initdb: str) -> int:
    """`/usr/lib/postgresql/15/bin/initdb` -> 15 (the newest is used)."""
    version = Path(initdb).parent.parent.name
    return int(version) if version.isdigit() else 0


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is not None:
        return Path(initdb).parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin or on PATH; "
        "install the `postgresql` package"
    )


def _owner() -> pwd.struct_passwd | None:
    """The user to run the server as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and there is no `postgres` or `nobody` user")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], owner: pwd.struct_passwd | None, timeout: float) -> None:
    as_owner = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []} if owner else {}
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd="/",
            check=False,
            **as_owner,  # type: ignore[arg-type]
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PostgresUnavailable(f"{Path(command[0]).name} failed: {error}") from error
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-2000:]
        raise PostgresUnavailable(f"{Path(command[0]).name} exited {done.returncode}: {output}")


def start(folder: Path) -> tuple[Postgres, list[str], pwd.struct_passwd | None]:
    """Start a cluster in `folder`: the server, the command that stops it, its owner."""
    bindir = _bindir()
    owner = _owner()
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data = folder / "data"
    _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ],
        owner,
        _START_TIMEOUT,
    )
    port = _free_port()
    options = (
        f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = str(bindir / "pg_ctl")
    _run(
        [pg_ctl, "start", "-D", str(data), "-w", "-t", str(_START_TIMEOUT), "-o", options,
         "-l", str(folder / "server.log")],
        owner,
        _START_TIMEOUT + 10,
    )  # fmt: skip
    stop = [pg_ctl, "stop", "-D", str(data), "-m", "immediate", "-w"]
    return Postgres(str(folder), port), stop, owner


@pytest.fixture(scope="session", name="postgres")
def postgres_fixture() -> Iterator[Postgres]:
    """A running PostgreSQL server for the session (see the module doc)."""
    folder = Path(tempfile.mkdtemp(prefix="aiolint-pg-"))
    try:
        server, stop, owner = start(folder)
    except PostgresUnavailable as error:
        shutil.rmtree(folder, ignore_errors=True)
        reason = f"PostgreSQL could not be started: {error}"
        if required():
            pytest.fail(f"{reason} (required: CI or AIOLINT_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    try:
        yield server
    finally:
        try:
            _run(stop, owner, 30)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

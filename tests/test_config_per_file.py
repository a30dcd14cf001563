"""Configuration per file, as ruff resolves it (catalog: "Configuration per
file"): each file's closest configuration and nearest `requires-python`, from
any working folder and through every front end (the CLI, stdin with
`--stdin-filename`, flake8); a defaulted target never turns newer syntax into
a syntax error; the library versions a project declares keep AIO301 and
AIO401 within them; the project root (catalog: "The project model")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import python_versions_monorepo, run_cli

from aiolint.project.build import project_root
from aiolint.workspace.config import ConfigError, load_config
from aiolint.workspace.declared import library_versions, lowest_allowed
from aiolint.workspace.hierarchy import ConfigResolver

CLI = str(Path(sys.executable).with_name("aiolint"))

#: The monorepo case: a gather (AIO101, whose fix is a 3.11 TaskGroup) and a
#: swallowed cancellation after `task.cancel()` (AIO102, whose fix reads the
#: 3.11 `Task.cancelling()`).
TASKS = """\
import asyncio


async def warm(key: str) -> None:
    print("warm", key)


async def warm_all() -> None:
    await asyncio.gather(warm("users"), warm("orders"))


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
"""
#: 3.12 generics, and a real finding (AIO201) on line 9.
GENERICS = """\
import time


def first[T](items: list[T]) -> T:
    return items[0]


async def handler() -> None:
    time.sleep(1)
"""
NEWER_ONLY = ("TaskGroup", "cancelling")


def monorepo(root: Path) -> Path:
    return python_versions_monorepo(root, "tasks.py", TASKS)


def rel(root: Path, found: dict[str, object]) -> str:
    """A JSON finding's file, relative to `root`."""
    return Path(str(found["filename"])).relative_to(root).as_posix()


def cli(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [CLI, "check", "--no-cache", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    return run


@pytest.mark.parametrize("where", [".", "backend", "backend/app"])
def test_fixes_follow_the_nearest_requires_python_from_any_folder(
    tmp_path: Path, where: str
) -> None:
    root = monorepo(tmp_path)
    cwd = root / where
    cli(cwd, "--fix", "--unsafe-fixes", os.path.relpath(root, cwd))
    backend = (root / "backend" / "app" / "tasks.py").read_text()
    service = (root / "service" / "app" / "tasks.py").read_text()
    assert not [word for word in NEWER_ONLY if word in backend], backend
    assert all(word in service for word in NEWER_ONLY), service
    compile(backend, "tasks.py", "exec")


def test_pre_commit_file_names_use_their_own_configuration(tmp_path: Path) -> None:
    """pre-commit passes the changed files by name (with `--force-exclude`)."""
    root = monorepo(tmp_path)
    files = ["backend/app/tasks.py", "service/app/tasks.py"]
    cli(root, "--fix", "--unsafe-fixes", "--force-exclude", *files)
    backend, service = ((root / name).read_text() for name in files)
    assert not [word for word in NEWER_ONLY if word in backend], backend
    assert all(word in service for word in NEWER_ONLY), service


def test_findings_follow_the_nearest_requires_python(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    found = json.loads(cli(root, "--output-format", "json", ".").stdout)
    by_file = {
        (Path(d["filename"]).parent.parent.name, d["code"]): d["fix"] is not None for d in found
    }
    # 3.10: no AIO101 (the rule needs 3.11), AIO102 without its cancelling() fix
    assert by_file == {
        ("backend", "AIO102"): False,
        ("service", "AIO101"): True,
        ("service", "AIO102"): True,
    }


def test_stdin_with_a_filename_uses_that_files_configuration(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    for name, newer in (("backend", False), ("service", True)):
        run = cli(
            root,
            "--fix",
            "--unsafe-fixes",
            "--stdin-filename",
            f"{name}/app/tasks.py",
            "-",
            stdin=TASKS,
        )
        assert all(word in run.stdout for word in NEWER_ONLY) is newer, run.stdout
        assert any(word in run.stdout for word in NEWER_ONLY) is newer, run.stdout


def test_flake8_uses_each_files_configuration(tmp_path: Path) -> None:
    root = monorepo(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "AIO", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    codes = sorted(
        (line.split("/")[1], line.split(": ")[1].split()[0]) for line in run.stdout.splitlines()
    )
    assert codes == [("backend", "AIO102"), ("service", "AIO101"), ("service", "AIO102")]


def test_precedence_config_file_and_flags(tmp_path: Path) -> None:
    """`--target-version` wins for every file; `--config FILE` applies to every
    file; a closer `[tool.aiolint]` wins over one above."""
    root = monorepo(tmp_path)
    fixed = json.loads(cli(root, "--output-format", "json", "--target-version", "py311").stdout)
    assert sorted({d["code"] for d in fixed if "backend" in d["filename"]}) == [
        "AIO101",
        "AIO102",
    ]
    (root / "quiet.toml").write_text('ignore = ["AIO102"]\n')
    quiet = json.loads(cli(root, "--output-format", "json", "--config", "quiet.toml").stdout)
    assert {d["code"] for d in quiet} == {"AIO101"}
    backend = root / "backend" / "pyproject.toml"
    backend.write_text(backend.read_text() + '[tool.aiolint]\nignore = ["AIO102"]\n')
    closest = json.loads(cli(root, "--output-format", "json").stdout)
    assert sorted((rel(root, d).split("/")[0], d["code"]) for d in closest) == [
        ("service", "AIO101"),
        ("service", "AIO102"),
    ]


def test_extend_and_aiolint_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aiolint]\nignore = ["AIO201"]\ntarget-version = "py312"\n'
    )
    service = tmp_path / "service"
    service.mkdir()
    (service / "aiolint.toml").write_text('extend = "../pyproject.toml"\nextend-select = []\n')
    (service / "pyproject.toml").write_text("[tool.aiolint]\nignore = []\n")  # aiolint.toml wins
    config = ConfigResolver(cwd=str(tmp_path)).for_path(service / "x.py")
    assert config.source == str(service / "aiolint.toml")
    assert config.ignore == ("AIO201",)
    assert config.effective_target == (3, 12)
    assert config.root == str(service)
    (service / "aiolint.toml").write_text('extend = "aiolint.toml"\n')
    with pytest.raises(ConfigError, match="extends itself"):
        load_config(service / "aiolint.toml")


def test_target_sources_in_order(tmp_path: Path) -> None:
    """target-version, else the nearest pyproject.toml's requires-python (or
    Poetry's python), else its `[tool.ruff] target-version`, else 3.11."""
    resolver = ConfigResolver(cwd=str(tmp_path))
    cases = {
        "poetry": '[tool.poetry.dependencies]\npython = "^3.12"\n',
        "ruff": '[tool.ruff]\ntarget-version = "py313"\n',
        "none": '[project]\nname = "x"\n',
        "both": '[project]\nrequires-python = ">=3.10"\n[tool.ruff]\ntarget-version = "py313"\n',
    }
    for name, text in cases.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "pyproject.toml").write_text(text)
    targets = {name: resolver.for_path(tmp_path / name / "m.py").effective_target for name in cases}
    assert targets == {"poetry": (3, 12), "ruff": (3, 13), "none": (3, 11), "both": (3, 10)}
    assert not resolver.for_path(tmp_path / "none" / "m.py").target_explicit
    isolated = ConfigResolver(isolated=True, cwd=str(tmp_path))
    assert isolated.for_path(tmp_path / "both" / "m.py").effective_target == (3, 11)


def test_generics_under_a_defaulted_target_get_their_findings(tmp_path: Path) -> None:
    """Python 3.11 rejects `def f[T]`; with no declared target (or a declared
    3.12) the file is parsed with LibCST's grammar and keeps its AIO201."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "loose.py").write_text(GENERICS)
    declared = tmp_path / "backend"
    declared.mkdir()
    (declared / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.12"\n')
    (declared / "generic.py").write_text(GENERICS)
    old = tmp_path / "old"
    old.mkdir()
    (old / "pyproject.toml").write_text('[tool.aiolint]\ntarget-version = "py311"\n')
    (old / "generic.py").write_text(GENERICS)
    (tmp_path / "broken.py").write_text(GENERICS.replace("def first[T]", "def first(:"))
    found = json.loads(cli(tmp_path, "--output-format", "json", ".").stdout)
    codes = sorted((rel(tmp_path, d), d["code"], d["location"]["row"]) for d in found)
    expected = [
        ("backend/generic.py", "AIO201", 9),
        ("broken.py", "AIO000", 4),
        ("loose.py", "AIO201", 9),
        ("old/generic.py", "AIO000", 4),
    ]
    if sys.version_info >= (3, 12):  # the running Python knows the syntax itself
        expected[3] = ("old/generic.py", "AIO201", 9)
    assert codes == expected
    broken = next(d for d in found if rel(tmp_path, d) == "broken.py")
    assert broken["message"].startswith("SyntaxError: ")  # CPython's message, as before


def test_deep_nesting_never_reaches_libcst(tmp_path: Path) -> None:
    """CPython's nesting errors are no newer syntax: LibCST's native parser
    would crash on them (a segfault on 1,500 brackets)."""
    deep = "x = " + "(" * 1500 + ")" * 1500 + "\n"
    (tmp_path / "deep.py").write_text(GENERICS.replace("import time\n", f"import time\n{deep}"))
    found = json.loads(cli(tmp_path, "--output-format", "json", ".").stdout)
    assert [(d["code"], d["message"]) for d in found] == [
        ("AIO000", "SyntaxError: too many nested parentheses")
    ]


# --- declared library versions ------------------------------------------------

MODELS = """\
from sqlalchemy import Boolean, Column, Integer
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    active = Column(Boolean, default=True)
"""
CRUD = """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.models import User


def active_users(session: Session) -> list[User]:
    return session.query(User).filter(User.active).all()


def first_user(session: Session) -> User | None:
    return session.query(User).order_by(User.id).first()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.query(User).get(user_id)


def count_users(session: Session) -> int:
    return session.query(User).count()


async def active_users_async(session: AsyncSession) -> list[User]:
    return session.query(User).filter(User.active).all()
"""
#: What the fix writes on SQLAlchemy 1.4.0 to 1.4.23: no `Session.scalars()`
#: (1.4.24), only what 1.4.0 has (`Session.execute`, `Result.scalars`,
#: `Session.get`, `Session.scalar`, `AsyncSession.execute`); proven on a real
#: SQLAlchemy 1.4.0 by tests/test_sqlalchemy14.py.
CRUD_14 = """\
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.models import User


def active_users(session: Session) -> list[User]:
    return session.execute(select(User).where(User.active)).scalars().all()


def first_user(session: Session) -> User | None:
    return session.execute(select(User).order_by(User.id).limit(1)).scalars().first()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User))


async def active_users_async(session: AsyncSession) -> list[User]:
    return (await session.execute(select(User).where(User.active))).scalars().all()
"""
#: From 1.4.24 on (and on 2.0): `Session.scalars()`.
CRUD_20 = """\
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.models import User


def active_users(session: Session) -> list[User]:
    return session.scalars(select(User).where(User.active)).all()


def first_user(session: Session) -> User | None:
    return session.scalars(select(User).order_by(User.id).limit(1)).first()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User))


async def active_users_async(session: AsyncSession) -> list[User]:
    return (await session.scalars(select(User).where(User.active))).all()
"""

#: (dependency file, its text, the fixed crud module; None: AIO301 is silent).
DECLARATIONS = {
    "requirements-1.3": ("requirements.txt", "SQLAlchemy==1.3.24\nfastapi\n", None),
    "poetry-1.3": (
        "pyproject.toml",
        '[tool.poetry.dependencies]\npython = "^3.10"\nsqlalchemy = "~1.3"\n',
        None,
    ),
    "below-2-without-floor": ("requirements-prod.txt", "sqlalchemy<2.0 # pinned\n", None),
    "pyproject-1.4.0": (
        "pyproject.toml",
        '[project]\nname = "app"\ndependencies = ["sqlalchemy[asyncio]>=1.4,<2"]\n',
        CRUD_14,
    ),
    "pipfile-1.4.23": ("Pipfile", '[packages]\nsqlalchemy = "~=1.4.23"\n', CRUD_14),
    "optional-1.4.0": (
        "pyproject.toml",
        '[project]\nname = "app"\n[project.optional-dependencies]\ndb = ["sqlalchemy==1.4.0"]\n',
        CRUD_14,
    ),
    "pipfile-1.4.24": ("Pipfile", '[packages]\nsqlalchemy = {version = ">=1.4.24"}\n', CRUD_20),
    "poetry-2.0": ("pyproject.toml", '[tool.poetry.dependencies]\nsqlalchemy = "^2.0"\n', CRUD_20),
    "requirements-2.0": ("requirements.txt", "-r base.txt\n", CRUD_20),  # base.txt: 2.0
    "undeclared": ("setup.cfg", "[metadata]\nname = app\n", CRUD_20),
}


def sqlalchemy_app(root: Path, name: str, text: str) -> Path:
    """A plain application (no `.git`): `app/models.py`, `app/crud.py`."""
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text(MODELS)
    (root / "app" / "crud.py").write_text(CRUD)
    (root / name).write_text(text)
    (root / "base.txt").write_text("sqlalchemy >= 2.0.0\n")
    return root / "app" / "crud.py"


def without_unique(text: str) -> str:
    """The fixed text without `.unique()`: whether a single-entity rewrite adds
    it is AIO301's own contract (fixture AIO301_fix*), not the versions'."""
    return text.replace(".unique()", "")


@pytest.mark.parametrize("case", list(DECLARATIONS))
def test_aio301_follows_the_declared_sqlalchemy(tmp_path: Path, case: str, capsys) -> None:
    name, text, expected = DECLARATIONS[case]
    crud = sqlalchemy_app(tmp_path, name, text)
    run = run_cli(capsys, "check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path))
    assert run.code in (0, 1), run.err
    fixed = crud.read_text()
    if expected is None:
        assert fixed == CRUD
        assert run.code == 0, run.out  # silent: the Query API is SQLAlchemy 1.3's only one
    else:
        assert without_unique(fixed) == expected


ON_EVENT = """\
from fastapi import FastAPI

app = FastAPI()


@app.on_event("startup")
async def connect() -> None:
    print("connect")
"""


@pytest.mark.parametrize(("pin", "fixable"), [("fastapi==0.92.0", False), ("fastapi>=0.93", True)])
def test_aio401_has_no_fix_below_fastapi_093(
    tmp_path: Path, pin: str, fixable: bool, capsys
) -> None:
    (tmp_path / "requirements.txt").write_text(f"{pin}\nuvicorn\n")
    (tmp_path / "main.py").write_text(ON_EVENT)
    run = run_cli(
        capsys, "check", "--no-cache", "--output-format", "json", "--unsafe-fixes", str(tmp_path)
    )
    (found,) = json.loads(run.out)
    assert found["code"] == "AIO401"
    assert (found["fix"] is not None) is fixable


def test_lowest_allowed_versions() -> None:
    cases = {
        (">=1.4,<2", False): "1.4",
        ("<2.0", False): "0",
        ("~=1.4.23", False): "1.4.23",
        ("==1.3.*", False): "1.3",
        ("!=1.4.0,>1.3", False): "1.3.post0",
        ("^1.3", True): "1.3",
        ("~1.4.24", True): "1.4.24",
        ("1.4.2", True): "1.4.2",
        (">=1.4,<2", True): "1.4",
    }
    for (spec, poetry), lowest in cases.items():
        assert str(lowest_allowed(spec, poetry=poetry)) == lowest, spec


def test_nearest_declaring_folder_counts(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("sqlalchemy>=2.0\nfastapi==0.92.0\n")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "Pipfile").write_text('[packages]\nSQLAlchemy = "==1.3.24"\n')
    assert library_versions(str(legacy / "m.py")) == (
        ("fastapi", "0.92.0"),
        ("sqlalchemy", "1.3.24"),
    )
    setup = tmp_path / "setup_based"
    setup.mkdir()
    (setup / "setup.py").write_text(
        "from setuptools import setup\n\n"
        'setup(name="svc", install_requires=["SQLAlchemy>=1.4.0"])\n'
    )
    (setup / "setup.cfg").write_text("[options]\ninstall_requires =\n    fastapi ~= 0.90.1\n")
    assert library_versions(str(setup)) == (("fastapi", "0.90.1"), ("sqlalchemy", "1.4.0"))
    # a pyproject and a requirements file must both hold: the higher floor counts
    (legacy / "pyproject.toml").write_text('[project]\ndependencies = ["sqlalchemy>=1.3.20"]\n')
    (legacy / "Pipfile").write_text('[packages]\nsqlalchemy = ">=1.3.10"\n')
    assert dict(library_versions(str(legacy / "m.py")))["sqlalchemy"] == "1.3.20"


# --- the project root -----------------------------------------------------------


def test_project_root_markers(tmp_path: Path) -> None:
    from aiolint.workspace.config import Config

    app = tmp_path / "plain" / "app"
    app.mkdir(parents=True)
    (tmp_path / "plain" / "requirements-dev.txt").write_text("pytest\n")
    assert project_root(Config(), [str(app)]) == str(tmp_path / "plain")
    bare = tmp_path / "bare"
    (bare / "a").mkdir(parents=True)
    (bare / "b").mkdir()
    (bare / "a" / "x.py").write_text("")
    assert project_root(Config(), [str(bare / "a"), str(bare / "b")]) == str(bare)
    assert project_root(Config(), [str(bare / "a" / "x.py")]) is None  # a lone file


def test_requirements_app_without_git_gets_cross_module_findings(tmp_path: Path) -> None:
    """A plain `requirements.txt` application: `get_db` and `SessionLocal` come
    from another module, so AIO301 on `db.query(...)` needs the project."""
    (tmp_path / "requirements.txt").write_text("fastapi\nsqlalchemy>=2\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "database.py").write_text(
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n\n"
        'engine = create_engine("sqlite://")\n'
        "SessionLocal = sessionmaker(bind=engine)\n"
    )
    (app / "routes.py").write_text(
        "from app.database import SessionLocal\n\n\n"
        "def count(Item):\n"
        "    with SessionLocal() as conn:\n"
        "        return conn.query(Item).count()\n"
    )
    found = json.loads(cli(tmp_path / "app", "--output-format", "json", ".").stdout)
    assert [(Path(d["filename"]).name, d["code"]) for d in found] == [("routes.py", "AIO301")]


def test_the_result_cache_follows_declared_versions(tmp_path: Path, capsys) -> None:
    """A cached run sees an edited `requires-python` and an edited pin: each
    file's options (its target, its declared libraries) are in its cache key."""
    (tmp_path / "repo").mkdir()
    root = monorepo(tmp_path / "repo")
    cache = str(tmp_path / "cache")

    def codes() -> list[tuple[str, str]]:
        run = run_cli(capsys, "check", "--cache-dir", cache, "--output-format", "json", str(root))
        return sorted((rel(root, d).split("/")[0], d["code"]) for d in json.loads(run.out))

    assert ("backend", "AIO101") not in codes()
    assert ("backend", "AIO101") not in codes()  # from the cache
    (root / "backend" / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.11.0"\n')
    assert ("backend", "AIO101") in codes()
    app = root / "service" / "app"
    (app / "models.py").write_text(MODELS)
    (app / "crud.py").write_text(CRUD.replace("from app.models", "from .models"))
    (root / "service" / "requirements.txt").write_text("sqlalchemy==1.3.24\n")
    assert ("service", "AIO301") not in codes()
    (root / "service" / "requirements.txt").write_text("sqlalchemy==2.0.30\n")
    assert ("service", "AIO301") in codes()


def test_each_folder_excludes_by_its_own_configuration(tmp_path: Path) -> None:
    """`backend/`'s `extend-exclude` skips its migrations when checked from the
    root; the same folder name elsewhere is checked."""
    root = monorepo(tmp_path)
    backend = root / "backend" / "pyproject.toml"
    backend.write_text(backend.read_text() + '[tool.aiolint]\nextend-exclude = ["migrations"]\n')
    for name in ("backend", "service"):
        (root / name / "migrations").mkdir()
        (root / name / "migrations" / "m1.py").write_text(GENERICS)
    listed = cli(root, "--show-files").stdout.splitlines()
    assert [Path(p).relative_to(root).as_posix() for p in listed] == [
        "backend/app/__init__.py",
        "backend/app/tasks.py",
        "service/app/__init__.py",
        "service/app/tasks.py",
        "service/migrations/m1.py",
    ]


def test_extended_path_patterns_keep_pointing_at_their_paths(tmp_path: Path) -> None:
    """A pattern with a `/` in an extended file names a path from that file's
    folder; the extending file, deeper, sees it from its own folder."""
    (tmp_path / "pyproject.toml").write_text(
        "[tool.aiolint]\n"
        'extend-exclude = ["backend/migrations", "docs/x", "**/gen/*", "build"]\n'
        "[tool.aiolint.per-file-ignores]\n"
        '"backend/tests/*" = ["AIO201"]\n'
        '"scripts/*" = ["AIO3"]\n'
    )
    backend = tmp_path / "backend"
    (backend / "app" / "migrations").mkdir(parents=True)
    (backend / "migrations").mkdir()
    (backend / "aiolint.toml").write_text('extend = "../pyproject.toml"\n')
    config = load_config(backend / "aiolint.toml")
    assert config.extend_exclude == ("/migrations", "**/gen/*", "build")
    assert [(e.pattern, e.codes) for e in config.per_file_ignores] == [("tests/*", ("AIO201",))]
    for name in ("migrations/m1.py", "app/migrations/m2.py", "app/main.py"):
        (backend / name).write_text(GENERICS)
    listed = cli(tmp_path, "--show-files", "backend").stdout.splitlines()
    assert sorted(Path(p).relative_to(backend).as_posix() for p in listed) == [
        "app/main.py",
        "app/migrations/m2.py",
    ]

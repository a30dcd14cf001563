"""Fixture projects (`fixtures/projects/*`): modules whose findings depend on
what other modules of the project define. Each project is checked as the CLI
checks it, and every module must give exactly its inline `# error:`
expectations; linted alone (no project), a module may only give fewer."""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from fixture_expectations import PROJECTS, read_expectations

from aiolint.cli.runner import lint_files
from aiolint.engine.lint import lint_source
from aiolint.engine.registry import resolve_selection
from aiolint.project.build import (
    SKIPPED,
    build_project,
    forget_projects,
    reset_record_cache,
    set_record_cache,
)
from aiolint.project.model import module_name
from aiolint.semantic.context import LintOptions
from aiolint.workspace.cache import unseal
from aiolint.workspace.config import find_pyproject, load_config
from aiolint.workspace.selection import SelectionLayer

ROOTS = sorted(p.parent for p in PROJECTS.rglob("pyproject.toml"))


def _expected(root: Path) -> dict[str, Counter[tuple[int, str]]]:
    paths = sorted(root.rglob("*.py"))
    return {str(path): read_expectations(path.read_bytes()).errors for path in paths}


def _found(root: Path) -> dict[str, Counter[tuple[int, str]]]:
    config = load_config(root / "pyproject.toml")
    result = lint_files([str(root)], config, SelectionLayer())
    assert not result.errors, result.errors
    found: dict[str, Counter[tuple[int, str]]] = {}
    for d in result.diagnostics:
        found.setdefault(str(Path(d.path).resolve()), Counter())[(d.start.line, d.code)] += 1
    return found


@pytest.mark.parametrize("root", ROOTS, ids=[str(r.relative_to(PROJECTS)) for r in ROOTS])
def test_project_findings(root: Path) -> None:
    found = _found(root)
    for path, expected in _expected(root).items():
        actual = found.get(str(Path(path).resolve()), Counter())
        missing = sorted((expected - actual).elements())
        unexpected = sorted((actual - expected).elements())
        assert not missing and not unexpected, (
            f"{path}\nmissing: {missing}\nunexpected: {unexpected}"
        )


@pytest.mark.parametrize("root", ROOTS, ids=[str(r.relative_to(PROJECTS)) for r in ROOTS])
def test_modules_alone_stay_precise(root: Path) -> None:
    """Without the project a module's names are unknown: no finding that the
    project run does not also give."""
    for path, expected in _expected(root).items():
        source = Path(path).read_bytes()
        result = lint_source(source, path, resolve_selection(None), LintOptions())
        alone = Counter((d.start.line, d.code) for d in result.diagnostics)
        assert not (alone - expected), (path, sorted((alone - expected).elements()))


def test_projects_have_cross_module_findings() -> None:
    """The fixtures prove something: some expected findings need the project."""
    needing = 0
    for root in ROOTS:
        for path, expected in _expected(root).items():
            result = lint_source(
                Path(path).read_bytes(), path, resolve_selection(None), LintOptions()
            )
            alone = Counter((d.start.line, d.code) for d in result.diagnostics)
            needing += sum((expected - alone).values())
    assert needing >= 15


def test_model_of_the_shop_project() -> None:
    model = build_project(load_config(PROJECTS / "shop" / "pyproject.toml"))
    assert model is not None
    assert model.instances["shop.database.SessionLocal"] == "sessionmaker"
    assert model.instances["shop.db.SessionLocal"] == "sessionmaker"  # a re-export
    assert model.instances["shop.database.engine"] == "Engine"
    assert model.instances["shop.database.AsyncSessionLocal"] == "async_sessionmaker"
    # Only what another module imports is kept (nothing imports these).
    assert "shop.database.async_engine" not in model.instances
    assert "shop.database.get_engine" not in model.functions
    assert model.instances["shop.api.api_router"] == "fastapi.APIRouter"
    assert model.aliases["shop.db.Session"] == "sqlalchemy.orm.Session"
    assert model.classes["shop.database.TenantSession"] == "Session"
    assert model.functions["shop.database.get_db"] == ("Session", True)
    assert model.functions["shop.db.get_async_db"] == ("AsyncSession", True)
    assert model.uses_sqlalchemy
    assert not any(name.startswith("src.") for name in model.instances)  # `src/` layout


def test_model_of_lookalikes_records_nothing() -> None:
    model = build_project(load_config(PROJECTS / "lookalike" / "pyproject.toml"))
    assert model is not None
    assert not model.instances and not model.functions and not model.classes
    assert not model.uses_sqlalchemy


def test_module_names_from_roots(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    file = tmp_path / "src" / "pkg" / "__init__.py"
    file.write_text("")
    roots = (str(tmp_path), str(tmp_path / "src"))
    assert module_name(str(file), roots) == ("pkg", True)
    assert module_name(str(tmp_path / "src" / "pkg" / "db.py"), roots) == ("pkg.db", False)
    assert module_name("/elsewhere/x.py", roots) == (None, False)


def test_records_are_cached_and_follow_edits(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    db = tmp_path / "app" / "db.py"
    db.write_text("from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n")
    (tmp_path / "app" / "jobs.py").write_text("from app.db import SessionLocal\n")
    config = load_config(find_pyproject(tmp_path) or "")
    set_record_cache(str(tmp_path / "cache"))
    try:
        first = build_project(config)
        assert first is not None and first.instances["app.db.SessionLocal"] == "sessionmaker"
        assert any((tmp_path / "cache").glob("*-*/project-*.marshal"))  # the build's folder
        db.write_text("from sqlalchemy.orm import sessionmaker\nSessionLocal = object()\n")
        stat = db.stat()
        os.utime(db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        second = build_project(config)
    finally:
        reset_record_cache()
    assert second is not None and "app.db.SessionLocal" not in second.instances
    assert second.digest != first.digest


@pytest.mark.parametrize("root", ROOTS, ids=[str(r.relative_to(PROJECTS)) for r in ROOTS])
def test_gates_skip_nothing_in_projects(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the project, the `ast` gates see through project imports: turning
    them off finds nothing more."""
    gated = _found(root)
    monkeypatch.setenv("AIOLINT_NO_GATE", "1")
    assert _found(root) == gated


def _cli(cwd: Path, *args: str) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "-q", "--output-format", "concise", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    found = []
    for line in proc.stdout.splitlines():
        path, row, _, rest = line.split(":", 3)
        found.append(f"{Path(path).name}:{row}:{rest.split()[0]}")
    return sorted(found)


def test_isolated_run_from_elsewhere_finds_the_project(tmp_path: Path) -> None:
    """Without a configuration (`--isolated`), the project is the folder with
    a marker above the checked path, not the working folder."""
    shop = PROJECTS / "shop"
    expected = sum(sum(c.values()) for c in _expected(shop).values())
    assert len(_cli(tmp_path, "--isolated", "--no-cache", str(shop))) == expected


def test_cached_results_follow_the_other_modules(tmp_path: Path) -> None:
    """A module's cached result is stale when what it imports changes."""
    project = tmp_path / "shop"
    shutil.copytree(PROJECTS / "shop", project)
    cache = str(tmp_path / "cache")
    first = _cli(project, "--cache-dir", cache, ".")
    assert _cli(project, "--cache-dir", cache, ".") == first  # served from the cache
    database = project / "src" / "shop" / "database.py"
    database.write_text(database.read_text().replace("sessionmaker(bind=engine)", "object()"))
    after = _cli(project, "--cache-dir", cache, ".")
    assert "nightly.py:6:AIO302" in first  # `session = SessionLocal()`
    assert "nightly.py:6:AIO302" not in after


def test_stdin_and_flake8_use_the_project_model(tmp_path: Path) -> None:
    """A lone file (stdin with `--stdin-filename`, flake8's per-file plugin)
    gets the same cross-module findings as the whole project's run."""
    nightly = PROJECTS / "shop" / "src" / "shop" / "jobs" / "nightly.py"
    expected = sorted(
        f"{nightly.name}:{line}:{code}"
        for (line, code), n in read_expectations(nightly.read_bytes()).errors.items()
        for _ in range(n)
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiolint",
            "check",
            "--no-cache",
            "-q",
            "--output-format",
            "concise",
            "-",
            "--stdin-filename",
            str(nightly),
        ],
        input=nightly.read_bytes(),
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    found = sorted(
        f"{nightly.name}:{line.split(':')[1]}:{line.split(':', 3)[3].split()[0]}"
        for line in proc.stdout.decode().splitlines()
    )
    assert found == expected
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "AIO", str(nightly)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    codes = sorted(
        f"{nightly.name}:{line.split(':')[1]}:{line.split(':', 3)[3].split()[0]}"
        for line in flake8.stdout.splitlines()
    )
    assert codes == expected


def test_a_failing_model_build_costs_only_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiolint.project import build

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(build, "build_project", broken)
    build.forget_projects()
    config = load_config(PROJECTS / "shop" / "pyproject.toml")
    assert build.project_for(config) is None
    assert "project model of" in capsys.readouterr().err
    build.forget_projects()


def test_modules_without_library_imports_are_read_when_they_name_a_recorded_object(
    tmp_path: Path,
) -> None:
    """A re-export chain through modules that import no library is followed;
    modules that name nothing recorded are not read (their entry says so)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "core.py").write_text(
        "from sqlalchemy.orm import sessionmaker\n\nSessionLocal = sessionmaker()\n"
    )
    (app / "middle.py").write_text("from app.core import SessionLocal as Factory\n")
    (app / "deps.py").write_text(
        "from app.middle import Factory\n\n\ndef get_db():\n    db = Factory()\n"
        "    try:\n        yield db\n    finally:\n        db.close()\n"
    )
    (app / "leaf.py").write_text(
        "from app.deps import get_db\nfrom app.middle import Factory\n\n"
        "session = Factory()\nshared = next(get_db())\n"
    )
    (app / "unrelated.py").write_text("def add(a, b):\n    return a + b\n")
    config = load_config(tmp_path / "pyproject.toml")
    set_record_cache(str(tmp_path / "cache"))
    try:
        model = build_project(config)
        assert model is not None
        assert model.instances["app.middle.Factory"] == "sessionmaker"
        assert model.functions["app.deps.get_db"] == ("Session", True)
        cache = next((tmp_path / "cache").glob("*-*/project-*.marshal"))
        entries = marshal.loads(unseal(cache.read_bytes()) or b"")[1]
        assert entries[str(app / "unrelated.py")][1] == SKIPPED
        assert entries[str(app / "middle.py")][1] not in (None, SKIPPED)
    finally:
        reset_record_cache()
    found = _found(tmp_path)
    leaf = str((app / "leaf.py").resolve())
    assert sorted(found[leaf]) == [(4, "AIO302"), (5, "AIO302")]


def test_fixes_place_imports_with_the_project_as_first_party(tmp_path: Path) -> None:
    """`from sqlalchemy import select` goes in the third-party section, above the
    project's own `from shop.models import ...` (ruff's I001 agrees)."""
    project = tmp_path / "shop"
    shutil.copytree(PROJECTS / "shop", project)
    users = project / "src" / "shop" / "services" / "users.py"
    subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--no-cache", "-q", "--fix", "--unsafe-fixes"],
        cwd=project,
        capture_output=True,
        check=False,
    )
    fixed = users.read_text()
    assert fixed.index("from sqlalchemy import select\n\nfrom shop.models import") > 0
    compile(fixed, str(users), "exec")
    ruff = Path(sys.executable).with_name("ruff")
    lint = subprocess.run(
        [
            str(ruff),
            "check",
            "--isolated",
            "--select",
            "I001",
            "--config",
            "src = ['src']",
            str(users),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout


def test_cached_file_list_follows_new_files_and_gitignore(tmp_path: Path) -> None:
    """The stored list of files is reused only while no folder listed and no
    ignore file changed: a new module, or a `.gitignore` edit, is seen."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / ".git").mkdir()
    app = tmp_path / "app"
    (app / "db").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "db" / "__init__.py").write_text("")
    (app / "jobs.py").write_text("from app.db.core import SessionLocal\n")
    config = load_config(tmp_path / "pyproject.toml")
    set_record_cache(str(tmp_path / "cache"))
    try:
        assert build_project(config).instances == {}  # type: ignore[union-attr]
        core = app / "db" / "core.py"
        core.write_text("from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n")
        stat = (app / "db").stat()
        os.utime(app / "db", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        model = build_project(config)
        assert model is not None and "app.db.core.SessionLocal" in model.instances
        (tmp_path / ".gitignore").write_text("app/db/core.py\n")
        forget_projects()  # a new run reads ignore rules again
        model = build_project(config)
        assert model is not None and "app.db.core.SessionLocal" not in model.instances
    finally:
        reset_record_cache()


def test_summaries_are_rebuilt_for_changed_modules_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one module changes, only that module is scanned again (its
    summaries with it) and the model is linked again; a run where nothing
    changed scans nothing and links nothing (the stored model is served)."""
    from aiolint.project import build, scan

    project = tmp_path / "sessions"
    shutil.copytree(PROJECTS / "sessions", project)
    scanned: list[str] = []
    linked: list[int] = []
    real_scan, real_link = scan.scan, build.link

    def counting_scan(text: str, module: str, is_package: bool, **kwargs: bool) -> object:
        scanned.append(module)
        return real_scan(text, module, is_package, **kwargs)

    def counting_link(*args: object, **kwargs: object) -> object:
        linked.append(1)
        return real_link(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scan, "scan", counting_scan)
    monkeypatch.setattr(build, "link", counting_link)
    config = load_config(project / "pyproject.toml")
    set_record_cache(str(tmp_path / "cache"))
    try:
        first = build_project(config)
        assert first is not None and len(scanned) >= 5 and linked == [1]
        assert "app.services.OrderService.close" in first.sessions
        scanned.clear()
        services = project / "app" / "services.py"
        services.write_text(services.read_text().replace("def close(", "def close_order("))
        second = build_project(config)
        assert scanned == ["app.services"] and linked == [1, 1]
        assert second is not None and "app.services.OrderService.close" not in second.sessions
        assert second.sessions["app.services.OrderService.close_order"] == ((), ("session",), ())
        scanned.clear()
        third = build_project(config)
        assert scanned == [] and linked == [1, 1]  # nothing changed: nothing scanned or linked
        assert third == second and third is not None and third.sessions == second.sessions
    finally:
        reset_record_cache()


def test_a_model_crosses_to_workers_once_per_digest() -> None:
    """Every file's job carries the model: it pickles as bytes made once, and
    the receiving process rebuilds it once per digest, equal in every table."""
    import pickle

    model = build_project(load_config(PROJECTS / "sessions" / "pyproject.toml"))
    assert model is not None and model.sessions and model.blocking
    first = pickle.loads(pickle.dumps(model))
    again = pickle.loads(pickle.dumps(model))
    assert first is again  # one rebuild per digest, not one per job
    assert first == model and first.digest == model.digest
    for table in ("aliases", "instances", "classes", "functions", "blocking", "factories"):
        assert getattr(first, table) == getattr(model, table)
    assert first.sessions == model.sessions and first.packages == model.packages
    assert first.roots == model.roots


def _chain_project(root: Path) -> None:
    """`app.flows.refresh` calls two helpers that each block: `a_users.load`
    (a sync Session of the project's factory: read in the first reading
    round) and `b_clock.pause` (`time.sleep`: read before the rounds). The
    chain AIO206 shows is the one through the module read first."""
    (root / "pyproject.toml").write_text('[project]\nname = "p"\n')
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "core.py").write_text(
        "from sqlalchemy.orm import sessionmaker\n\nSessionLocal = sessionmaker()\n"
    )
    (app / "a_users.py").write_text(
        "from app.core import SessionLocal\n\n\ndef load():\n"
        "    db = SessionLocal()\n    return db.execute('select 1')\n"
    )
    (app / "b_clock.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    (app / "flows.py").write_text(
        "from app.a_users import load\nfrom app.b_clock import pause\n\n\n"
        "def refresh():\n    load()\n    pause()\n"
    )
    (app / "routes.py").write_text(
        "from app.flows import refresh\n\n\nasync def handler():\n    refresh()\n"
    )


def _check_json(root: Path, *args: str) -> list[dict[str, object]]:
    import json

    command = [sys.executable, "-m", "aiolint", "check", "--isolated", "--output-format", "json"]
    run = subprocess.run(
        [*command, *args, str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    found: list[dict[str, object]] = json.loads(run.stdout)
    return found


def test_a_cached_run_after_a_change_reports_what_a_run_without_cache_reports(
    tmp_path: Path,
) -> None:
    """The stored records of a project are read in the round a run without
    them reads them: after a module changed, a cached run links the modules
    in the same order, so AIO206 shows the same chain as `--no-cache` (it
    used to take every stored module first, and showed the other chain)."""
    project = tmp_path / "p"
    project.mkdir()
    _chain_project(project)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    first = _check_json(project, *cache)
    routes = project / "app" / "routes.py"
    routes.write_text("# the routes\n" + routes.read_text())  # a line added: a new record
    cached = _check_json(project, *cache)
    cold = _check_json(project, "--no-cache")
    chains = [d["message"] for d in cold if d["code"] == "AIO206"]
    assert len(chains) == 1 and "pause" in str(chains[0]), chains
    assert [d["message"] for d in first if d["code"] == "AIO206"] == chains
    assert cached == cold


def test_a_change_that_records_nothing_new_serves_the_stored_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module edited without changing its record (a comment added), or a
    module not read edited so that it still names nothing recorded: the
    module is read again, nothing is linked, and the model is the one a
    build without stored records makes; a change that records otherwise
    links again."""
    from aiolint.project import build

    project = tmp_path / "p"
    project.mkdir()
    _chain_project(project)
    (project / "app" / "notes.py").write_text("def add(a, b):\n    return a + b\n")
    linked: list[int] = []
    real_link = build.link

    def counting_link(*args: object, **kwargs: object) -> object:
        linked.append(1)
        return real_link(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "link", counting_link)
    config = load_config(project / "pyproject.toml")
    set_record_cache(str(tmp_path / "cache"))
    try:
        first = build_project(config)
        assert first is not None and linked == [1]
        with (project / "app" / "a_users.py").open("a") as handle:
            handle.write("# the users\n")
        (project / "app" / "notes.py").write_text("def add(a, b):\n    return b + a\n")
        second = build_project(config)
        assert linked == [1] and second == first
        assert "app.flows.refresh" in second.blocking  # type: ignore[union-attr]
        users = project / "app" / "a_users.py"
        users.write_text("\n" + users.read_text())  # every line moves: a new record
        third = build_project(config)
        assert linked == [1, 1] and third is not None and third != first
        set_record_cache(None)
        assert build_project(config) == third  # as without stored records
    finally:
        reset_record_cache()

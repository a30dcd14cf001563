"""Caches that must never serve a wrong result (issue 17, "Silent wrong
results"), each run as a user runs it, `aiolint check` in a subprocess with a
cache folder of its own, and compared with a `--no-cache` run of the same tree:

- the project model's records are kept per aiolint build: an upgraded aiolint,
  whose scanner records otherwise, does not read the old build's records;
- a project module replaced by one of the same size and modification time
  (`cp -p`, `rsync -a`, `tar x`, a checkout within the same second) is read
  again: records are keyed by the file's bytes;
- a cache entry (a file's result, the project's records) whose bytes changed
  since it was written is never served, and is rewritten."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli

import aiolint
import aiolint.workspace.cache as cache_module
from aiolint.project.build import forget_projects
from aiolint.workspace.cache import INDEX_PREFIX, unseal

#: The session factory the model records, and a module using it at import
#: time: AIO302 on `session = SessionLocal()` only through the project model.
CORE = "from sqlalchemy.orm import sessionmaker\n\nSessionLocal = sessionmaker()\n"
#: The same size, no factory any more.
CORE_PLAIN = "from sqlalchemy.orm import sessionmaker\n\nSessionLocal = dict()        \n"
LEAF = "from app.core import SessionLocal\n\nsession = SessionLocal()\n"
LEAF_FINDING = "app/leaf.py:3:11: AIO302"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["sqlalchemy"]\n')
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "core.py").write_text(CORE)
    (root / "app" / "leaf.py").write_text(LEAF)
    return root


def check(
    project: Path, cache: Path | None, python_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`aiolint check` in `project` (`cache`: its --cache-dir, None: --no-cache);
    `python_path`: where `aiolint` is imported from, ahead of the installed one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIOLINT_")}
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    where = ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    return subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--output-format", "concise", *where, "."],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def findings(run: subprocess.CompletedProcess[str]) -> list[str]:
    assert run.returncode in (0, 1), run.stderr
    return run.stdout.splitlines()


def test_an_upgraded_aiolint_does_not_read_the_old_builds_records(
    project: Path, tmp_path: Path
) -> None:
    """The old build's records name `SessionLocal` a session factory; the new
    build's scanner records nothing: the new build must not see the factory."""
    cache = tmp_path / "cache"
    first = findings(check(project, cache))
    assert any(line.startswith(LEAF_FINDING) for line in first)
    upgraded = tmp_path / "upgraded"
    source = Path(aiolint.__file__).parent
    shutil.copytree(source, upgraded / "aiolint", ignore=shutil.ignore_patterns("__pycache__"))
    with (upgraded / "aiolint" / "project" / "scan.py").open("a") as scanner:
        scanner.write("\n\ndef scan(*args, **kwargs):  # the upgrade: records nothing\n")
        scanner.write("    return None\n")
    expected = findings(check(project, None, upgraded))
    assert not any(line.startswith(LEAF_FINDING) for line in expected)
    assert findings(check(project, cache, upgraded)) == expected
    builds = sorted(p.parent.name for p in cache.glob("*/project-*.marshal"))
    assert len(builds) == 2, builds  # each build keeps its own records
    assert findings(check(project, cache)) == first  # the old build still reads its own


@pytest.mark.parametrize("how", ["copy2", "utime"])
def test_a_module_replaced_with_the_same_size_and_time_is_read_again(
    project: Path, tmp_path: Path, how: str
) -> None:
    """`copy2`: copied over with its times kept (`cp -p`, `rsync -a`, `tar x`);
    `utime`: rewritten, then its modification time set back."""
    cache = tmp_path / "cache"
    core = project / "app" / "core.py"
    assert len(CORE) == len(CORE_PLAIN)
    assert any(line.startswith(LEAF_FINDING) for line in findings(check(project, cache)))
    for content in (CORE_PLAIN, CORE):
        before = core.stat()
        if how == "copy2":
            other = tmp_path / "core.py"
            other.write_text(content)
            os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
            shutil.copy2(other, core)
        else:
            core.write_text(content)
            os.utime(core, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = core.stat()
        assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
        expected = findings(check(project, None))
        assert any(line.startswith(LEAF_FINDING) for line in expected) == (content == CORE)
        assert findings(check(project, cache)) == expected


def _flip(data: bytes, word: bytes) -> bytes:
    """`data` with the last byte of each `word` in it changed (still decodable:
    without a checksum, the damage would be served as a result)."""
    assert word in data
    return data.replace(word, word[:-1] + bytes([word[-1] ^ 0x01]))


def test_a_result_entry_with_a_flipped_byte_is_not_served(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = check(project, cache)
    assert any(line.startswith(LEAF_FINDING) for line in findings(first))
    entries = [p for p in cache.glob("*/*.marshal") if not p.name.startswith("project-")]
    damaged = [p for p in entries if b"SessionLocal" in p.read_bytes()]
    assert any(p.name.startswith(INDEX_PREFIX) for p in damaged)  # the index and the entry
    assert len(damaged) > 1
    for entry in damaged:
        entry.write_bytes(_flip(entry.read_bytes(), b"SessionLocal"))
        assert unseal(entry.read_bytes()) is None
    second = check(project, cache)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    assert "SessionLocam" not in second.stdout
    for entry in damaged:  # replaced by a sound entry
        assert unseal(entry.read_bytes()) is not None


def test_project_records_with_a_flipped_byte_are_not_used(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = findings(check(project, cache))
    assert any(line.startswith(LEAF_FINDING) for line in first)
    (records,) = cache.glob("*/project-*.marshal")
    (linked,) = cache.glob("*/project-*.model")  # the model linked from them
    # `app.core.SessionLocal` recorded as `app.core.SessionLocam`: the factory lost
    for stored in (records, linked):
        stored.write_bytes(_flip(stored.read_bytes(), b"SessionLocal"))
    for entry in cache.glob("*/*.marshal"):  # results must be computed from the records
        if entry != records:
            entry.unlink()
    assert findings(check(project, cache)) == first
    assert unseal(records.read_bytes()) is not None  # rewritten
    assert unseal(linked.read_bytes()) is not None


def test_a_cached_run_reads_each_file_once(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project model hashes every module; the result cache's lookup takes
    that hash instead of reading the file again."""
    monkeypatch.chdir(project)
    first = run_cli(capsys, "check", "--output-format", "concise")
    assert LEAF_FINDING in first.out
    reads: list[str] = []
    real = cache_module.read_source

    def counting(path):  # type: ignore[no-untyped-def]
        reads.append(os.path.realpath(path))
        return real(path)

    monkeypatch.setattr(cache_module, "read_source", counting)
    forget_projects()  # as a new process: the model is built again
    cache_module.forget_digests()
    assert run_cli(capsys, "check", "--output-format", "concise") == first
    modules = sorted(str(p.resolve()) for p in project.rglob("*.py"))
    assert sorted(reads) == modules
    # a file changed after it was hashed is hashed again, never given the old hash
    core = project / "app" / "core.py"
    before = core.stat()
    cache_module.file_digest(core)
    core.write_text(CORE_PLAIN)
    os.utime(core, ns=(before.st_atime_ns, before.st_mtime_ns))
    expected = hashlib.sha256(CORE_PLAIN.encode()).hexdigest()
    assert cache_module._current_digest(core) == expected


def test_declared_versions_follow_a_same_size_same_mtime_replacement(tmp_path: Path) -> None:
    """What the dependency files declare is remembered by their bytes: a pin
    replaced by one of the same size and modification time is read again
    (SQLAlchemy 1.3: AIO301 is silent; 2.0: it reports)."""
    root = tmp_path / "legacy"
    root.mkdir()
    requirements = root / "requirements.txt"
    requirements.write_text("sqlalchemy==1.3.24\n")
    (root / "crud.py").write_text(
        "from sqlalchemy.orm import Session\n\n\n"
        "def users(db: Session):\n    return db.query(User).all()\n"
    )
    cache = tmp_path / "cache"
    assert findings(check(root, cache)) == []
    stat = requirements.stat()
    requirements.write_text("sqlalchemy==2.0.36\n")
    os.utime(requirements, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert requirements.stat().st_size == stat.st_size
    expected = findings(check(root, None))
    assert [line.split(" ")[1] for line in expected] == ["AIO301"]
    assert findings(check(root, cache)) == expected


def test_a_damaged_declared_store_is_ignored(tmp_path: Path) -> None:
    root = tmp_path / "legacy"
    root.mkdir()
    (root / "requirements.txt").write_text("sqlalchemy==1.3.24\n")
    (root / "crud.py").write_text(
        "from sqlalchemy.orm import Session\n\n\n"
        "def users(db: Session):\n    return db.query(User).all()\n"
    )
    cache = tmp_path / "cache"
    assert findings(check(root, cache)) == []
    (store,) = cache.glob("*/declared.marshal")
    data = bytearray(store.read_bytes())
    data[-1] ^= 0xFF
    store.write_bytes(bytes(data))
    assert findings(check(root, cache)) == []
    assert unseal(store.read_bytes()) is not None  # rewritten whole


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_an_entry_that_is_no_file_of_aiolint_is_a_miss_not_a_hang(
    project: Path, tmp_path: Path
) -> None:
    """Every entry (the results and the project's records) replaced by a FIFO,
    a symlink to /dev/zero, or a 3 GB sparse file: the run read them forever
    (killed at 60 s); now each is a miss, and the findings are the run's."""
    cache = tmp_path / "cache"
    first = check(project, cache)
    assert LEAF_FINDING in first.stdout, first.stderr
    entries = sorted(cache.rglob("*.marshal"))
    assert len(entries) >= 3  # two results and the project's records
    for index, entry in enumerate(entries):
        entry.unlink()
        if index % 3 == 0:
            os.mkfifo(entry)
        elif index % 3 == 1:
            entry.symlink_to("/dev/zero")
        else:
            with entry.open("wb") as handle:
                handle.truncate(3 * 1024**3)
    again = check(project, cache)
    assert again.returncode == first.returncode, again.stderr
    assert again.stdout == first.stdout

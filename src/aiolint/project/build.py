"""Building the project model before a run: find the modules, scan, link.

The project root is the nearest folder at or above the checked paths (their
common folder) holding `pyproject.toml`, `setup.py`, `setup.cfg`, `.git` or a
`requirements*.txt`; without one, the common folder of the checked paths
(when a folder was checked: a lone file, or stdin, has no project and rules
see it alone). Its Python files are found as a
check of the whole folder finds them (excludes and `.gitignore` apply).
Module names are taken relative to the project folder, its `src/`, and the
folder above each top-level package (the first folder up without an
`__init__.py`).

A module is parsed only when it can define something the model records: first
those that import SQLAlchemy, SQLModel, Flask-SQLAlchemy, FastAPI, Starlette or
aiohttp and name one of the objects recorded (`sessionmaker`, `Session`,
`FastAPI`, `APIRouter`, ...), then, until nothing changes, those whose text
names something recorded so far (a re-export, a dependency built on a
factory). Each module's record is kept in the result cache's folder of the
running aiolint build (`<version>-<build id>/project-<hash>.marshal`, so an
upgraded aiolint, whose scanner may record otherwise, starts afresh), keyed by
the SHA-256 of the file's bytes (a module replaced by one of the same size
and modification time, as `cp -p`, `rsync -a` or `tar x` leave it, is read
again), with the model linked from them, so that a run where nothing changed
scans no module again. Each file is hashed once per run: the result cache's
lookup takes the hash (`aiolint.workspace.cache.file_digest`). The stored bytes carry a
checksum: a damaged file is ignored and rewritten. Standard library only,
without `ast` unless a module changed: this runs on the cached path.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import time
from collections.abc import Sequence

from aiolint.engine.known_names import FILE_SYSTEM_FUNCTIONS
from aiolint.project.model import Linkers, ProjectModel, link, module_name, recorded_names

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    from aiolint.project.scan import ModuleRecord
    from aiolint.workspace.config import Config

    #: (SHA-256 of the file's bytes, the module's record or SKIPPED) of one file.
    _Entry: TypeAlias = tuple[str, ModuleRecord | int | None]

__all__ = [
    "MAX_FILES",
    "build_project",
    "forget_projects",
    "project_for",
    "project_root",
    "reset_record_cache",
    "set_record_cache",
]

#: A folder with more Python files than this is not taken as one project.
MAX_FILES = 20_000
_FORMAT = 11
_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
_REQUIREMENTS = re.compile(r"^requirements.*\.txt$", re.IGNORECASE)
#: A module that imports one of these is read first.
_LIBRARY_IMPORT = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(?:sqlalchemy|sqlmodel|flask_sqlalchemy|fastapi|starlette"
    r"|aiohttp)\b",
    re.MULTILINE,
)
#: ... as is one with a sync function that may block (AIO206's summaries): it
#: imports a library AIO201-AIO205 know, opens a file or calls the file system;
#: or one whose functions may send requests on an HTTP client's pool (AIO106: aiohttp).
_OS_CALLS = "|".join(
    sorted(
        re.escape(name.removeprefix("os."))
        for name in FILE_SYSTEM_FUNCTIONS
        if name.startswith("os.")
    )
)
_BLOCKING_IMPORT = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(?:time|requests|httpx2?|aiohttp|urllib3?|subprocess|sqlite3"
    r"|psycopg2?|pymysql|MySQLdb|shutil)\b|(?<![\w.])open\(|\bio\.open(?:_code)?\("
    r"|\bos\.(?:system|popen|wait|posix_spawn)"
    rf"|\bos\.(?:{_OS_CALLS})\("
    r"|^[ \t]*from[ \t]+os(?:\.path)?[ \t]+import\b",
    re.MULTILINE,
)
#: ... and names one of the objects the model records (a module importing only
#: `HTTPException` records nothing), mapped classes included.
_MAKERS = re.compile(
    r"\b(?:sessionmaker|async_sessionmaker|scoped_session|async_scoped_session|Session"
    r"|relationship|Relationship|DeclarativeBase|DeclarativeBaseNoMeta|declarative_base"
    r"|generate_base|Mapped|mapped_column|Column|SQLModel|DynamicMapped|WriteOnlyMapped"
    r"|AsyncSession|create_engine|create_async_engine|engine_from_config"
    r"|async_engine_from_config|Engine|AsyncEngine|SQLAlchemy|FastAPI|APIRouter|Starlette"
    r"|Router|Application)\b"
)
#: The entry of a module not read (nothing it could record was named in it).
SKIPPED = 0
#: `AIOLINT_NO_SUMMARIES=1` builds the model without function summaries (no
#: AIO206, no sessions through calls): only to measure what they cost
#: (`scripts/bench.py`); its records are kept apart.
_SUMMARIES = os.environ.get("AIOLINT_NO_SUMMARIES", "") in ("", "0")

_built: dict[tuple[str, ...], ProjectModel | None] = {}
#: Where module records are kept: set by the CLI (its `--cache-dir`, None with
#: `--no-cache`); unset, the configuration's cache folder.
_record_cache: dict[str, str | None] = {}


def set_record_cache(folder: str | None) -> None:
    """Keep module records, and what the dependency files declare
    (`aiolint.workspace.declared`), in `folder` (None: nowhere)."""
    from aiolint.workspace.declared import use_store

    _record_cache["folder"] = folder
    if folder is None:
        use_store(None)
    else:
        from aiolint.workspace.cache import build_folder

        use_store(os.path.join(build_folder(folder), "declared.marshal"))


def reset_record_cache() -> None:
    """Back to the default: the configuration's cache folder."""
    from aiolint.workspace.declared import use_store

    _record_cache.clear()
    use_store(None)


def forget_projects() -> None:
    """Drop the models built so far, and the ignore rules read (a long-running
    server, after a save)."""
    from aiolint.workspace.files import forget_ignore_rules

    _built.clear()
    forget_ignore_rules()


def project_for(config: Config, anchors: str | Sequence[str] | None = None) -> ProjectModel | None:
    """The model of the project the checked paths `anchors` belong to
    (memoized per process); None when there is no project (see the module
    doc). Without `anchors`, the configuration's folder is the checked path."""
    root = project_root(config, anchors)
    if root is None:
        return None
    key = (root, *config.all_excludes, str(config.respect_gitignore))
    if key not in _built:
        try:
            _built[key] = build_project(config, root)
        except Exception as exc:  # never lose a run to the model: lint files alone
            import sys

            print(
                f"aiolint: warning: project model of {root} unavailable "
                f"({exc.__class__.__name__}: {exc}); files are checked alone",
                file=sys.stderr,
            )
            _built[key] = None
    return _built[key]


def project_root(config: Config, anchors: str | Sequence[str] | None = None) -> str | None:
    """The nearest folder at or above the common folder of `anchors` (default:
    the configuration's folder) holding a project marker (`_MARKERS`, a
    `requirements*.txt`); else that common folder if it is a folder, else None."""
    if anchors is None:
        anchors = [config.root]
    elif isinstance(anchors, str):
        anchors = [anchors]
    if not anchors:
        return None
    resolved = [os.path.realpath(a) for a in anchors]
    common = resolved[0] if len(resolved) == 1 else os.path.commonpath(resolved)
    start = common if os.path.isdir(common) else os.path.dirname(common)
    folder = start
    while True:
        if _holds_marker(folder):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    checked_folder = len(resolved) > 1 or os.path.isdir(resolved[0])
    return start if checked_folder else None


def _holds_marker(folder: str) -> bool:
    if any(os.path.exists(os.path.join(folder, m)) for m in _MARKERS):
        return True
    try:
        return any(_REQUIREMENTS.match(name) for name in os.listdir(folder))
    except OSError:
        return False


def build_project(config: Config, root: str | None = None) -> ProjectModel | None:
    """Scan and link the project's modules (`root`: the project folder, by
    default the configuration's); see the module doc for which are read."""
    root = os.path.realpath(root if root is not None else config.root)
    cache_path = _cache_path(config, root)
    stored, linked, walk = _load(cache_path)
    settings = (tuple(config.all_excludes), config.respect_gitignore)
    if walk is not None and walk[0] == settings and _unchanged(walk[1]) and _unchanged(walk[2]):
        files = list(walk[3])  # no folder or ignore file changed: the same files
    else:
        found = _discover(config, root)
        if found is None:
            return None
        files, walk = found[0], (settings, *found[1:], tuple(found[0]))
    roots = _roots(root, files)
    uses_sqlalchemy = _depends_on_sqlalchemy(root)
    digests = _digests(files, hashed=cache_path is not None)
    unchanged = digests.keys() == stored.keys() and all(
        stored[path][0] == digest for path, digest in digests.items()
    )
    if unchanged and linked is not None and linked[0] == (roots, uses_sqlalchemy):
        return ProjectModel(roots, *linked[1])  # nothing changed: the model as last linked
    fresh, records, linkers = _scan_project(digests, stored, roots)
    packages = frozenset(name.split(".")[0] for path in digests for name in _names(path, roots))
    model = link(records, roots, uses_sqlalchemy, packages, linkers)
    if cache_path is not None:
        tables = (model.aliases, model.instances, model.classes, model.functions)
        linked = (
            *tables,
            model.uses_sqlalchemy,
            model.packages,
            model.blocking,
            model.factories,
            model.sessions,
            model.pooled,
            model.orm.data(),
        )
        _store(cache_path, fresh, ((roots, uses_sqlalchemy), linked), walk)
    return model


def _digests(files: list[str], *, hashed: bool) -> dict[str, str]:
    """The SHA-256 of each file that can be read (the keys of its record);
    without a record cache, nothing to compare them with: "" for each file
    that exists."""
    from aiolint.workspace.cache import file_digest, forget_digests

    forget_digests()  # only this build's hashes go to the lookups (a long-running server)
    digests: dict[str, str] = {}
    for path in files:
        try:
            digests[path] = file_digest(path) if hashed else _exists(path)
        except OSError:
            continue
    return digests


def _exists(path: str) -> str:
    os.stat(path)  # raises OSError for a file gone since it was listed
    return ""


def _discover(config: Config, root: str) -> tuple[list[str], dict[str, int], dict[str, int]] | None:
    """The project's Python files (None: more than MAX_FILES), and what decides
    the list: the modification times of the folders listed, and of the
    `.gitignore` / `.git/info/exclude` files that apply (-1: absent)."""
    from aiolint.workspace.files import FileFilter, discover

    filters = FileFilter.of(config, root)
    visited: list[str] = []
    files: list[str] = []
    for path in discover([root], filters, visited=visited):  # under `root`, resolved
        files.append(path)
        if len(files) > MAX_FILES:
            return None
    above = []
    folder = root
    while os.path.dirname(folder) != folder:  # where ignore rules above the root live
        folder = os.path.dirname(folder)
        above.append(folder)
    folders = {f: _mtime(f) for f in (*visited, *above)}
    ignores = {
        path: _mtime(path)
        for f in folders
        for path in (os.path.join(f, ".gitignore"), os.path.join(f, ".git", "info", "exclude"))
    }
    return files, folders, ignores


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _unchanged(times: dict[str, int]) -> bool:
    return all(_mtime(path) == mtime for path, mtime in times.items())


def _scan_project(
    digests: dict[str, str], stored: dict[str, _Entry], roots: tuple[str, ...]
) -> tuple[dict[str, _Entry], dict[str, ModuleRecord], Linkers | None]:
    """Every module's entry and the records by module name. Modules importing
    one of the libraries are read first; then, until nothing changes, those
    whose text names something already recorded (a re-export, a dependency
    built on a factory). Also the linkers of the last look at the records
    (`link` takes them over when no module was read after it)."""
    fresh: dict[str, _Entry] = {}
    records: dict[str, ModuleRecord] = {}
    waiting: dict[str, str] = {}  # not read: no library import, nothing recorded named yet

    def add(path: str, record: ModuleRecord | None) -> None:
        fresh[path] = (digests[path], record)
        if record is not None:
            for name in _names(path, roots):
                records.setdefault(name, record)

    for path, digest in digests.items():
        entry = stored.get(path)
        if entry is not None and entry[0] == digest and entry[1] != SKIPPED:
            add(path, entry[1])
            continue
        text = _text(path)
        if text is None:
            add(path, None)
        elif (_LIBRARY_IMPORT.search(text) and _MAKERS.search(text)) or (
            _SUMMARIES and _BLOCKING_IMPORT.search(text)
        ):
            add(path, _scan(path, text, roots))
        else:
            waiting[path] = text
    known: set[str] = set()
    words: dict[str, frozenset[str]] = {}
    linkers = None
    while waiting:
        linkers = Linkers(records)
        names = recorded_names(records, linkers) - known
        if not names:
            break
        known |= names
        pattern = None
        if not all(_WORD.fullmatch(name) for name in names):  # not plain words: a pattern
            pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b")
        named = [p for p, text in waiting.items() if _names_any(text, names, pattern, words, p)]
        for path in named:
            add(path, _scan(path, waiting.pop(path), roots))
    for path in waiting:
        fresh[path] = (digests[path], SKIPPED)
    return fresh, records, linkers


#: A maximal run of word characters: `\bname\b` matches a text where `name`
#: is one of its runs.
_WORD = re.compile(r"\w+")


def _names_any(
    text: str,
    names: set[str],
    pattern: re.Pattern[str] | None,
    words: dict[str, frozenset[str]],
    path: str,
) -> bool:
    """Whether `text` names one of `names` as a whole word (`pattern`: the
    names as one, when not all are plain words; `words`: the word runs of the
    texts looked at so far, by path)."""
    if pattern is not None:
        return pattern.search(text) is not None
    found = words.get(path)
    if found is None:
        found = words[path] = frozenset(_WORD.findall(text))
    return not found.isdisjoint(names)


def _roots(root: str, files: list[str]) -> tuple[str, ...]:
    """The project folder, its `src/`, and the folder above each top-level package."""
    found = {root}
    if os.path.isdir(os.path.join(root, "src")):
        found.add(os.path.join(root, "src"))
    packages = {os.path.dirname(p) for p in files if os.path.basename(p) == "__init__.py"}
    for package in packages:
        parent = os.path.dirname(package)
        if parent not in packages and parent.startswith(root):
            found.add(parent)
    return tuple(sorted(found))


def _names(path: str, roots: tuple[str, ...]) -> list[str]:
    """Every dotted name the file has from one of `roots`."""
    names: list[str] = []
    for root in roots:
        if os.path.join(root, "src") in roots and path.startswith(os.path.join(root, "src", "")):
            continue  # `src/` layouts: `src` is not a package
        name, _ = module_name(path, (root,), resolved=True)
        if name is not None:
            names.append(name)
    names.sort(key=len)  # the longest root (shortest name) first: it is the one Python uses
    return names


def _text(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _scan(path: str, text: str, roots: tuple[str, ...]) -> ModuleRecord | None:
    name, is_package = module_name(path, roots, resolved=True)
    if name is None:
        return None
    from aiolint.project.scan import scan

    return scan(text, name, is_package, summarize=_SUMMARIES)


def _depends_on_sqlalchemy(root: str) -> bool:
    """The project root's dependency files declare SQLAlchemy, SQLModel or an
    extension of either (`flask-sqlalchemy`), as `aiolint.workspace.declared` reads them."""
    from aiolint.workspace.declared import declared_names

    return any("sqlalchemy" in name or "sqlmodel" in name for name in declared_names(root))


def _cache_path(config: Config, root: str) -> str | None:
    if "folder" in _record_cache:
        folder = _record_cache["folder"]
    else:
        from aiolint.workspace.cache_dir import cache_disabled, cache_root

        folder = None if cache_disabled(False) else cache_root(None, config)
    if folder is None:
        return None
    from aiolint.workspace.cache import build_folder

    digest = hashlib.sha256(root.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    suffix = "" if _SUMMARIES else "-nosummaries"
    return os.path.join(build_folder(folder), f"project-{digest}{suffix}.marshal")


def _load(
    path: str | None,
) -> tuple[dict[str, _Entry], tuple[object, ...] | None, tuple[Any, ...] | None]:
    """The stored module records, the model linked from them, and what decided
    the list of files (see `_discover`)."""
    if path is None:
        return {}, None, None
    from aiolint.workspace.cache import DAY, unseal

    try:
        with open(path, "rb") as handle:
            payload = unseal(handle.read())
            modified = os.fstat(handle.fileno()).st_mtime
        data = marshal.loads(payload) if payload is not None else None
    except (OSError, EOFError, ValueError, TypeError):
        return {}, None, None
    if data is not None and time.time() - modified > DAY:
        with contextlib.suppress(OSError):  # in use: not pruned as unused (ResultCache.prune)
            os.utime(path)
    if not isinstance(data, tuple) or len(data) != 4 or data[0] != _FORMAT:
        return {}, None, None
    entries, linked, walk = data[1], data[2], data[3]
    return (entries if isinstance(entries, dict) else {}), linked, walk


def _store(
    path: str, entries: dict[str, _Entry], linked: tuple[object, ...], walk: tuple[Any, ...]
) -> None:
    from aiolint.workspace.cache import store_in_build_folder

    with contextlib.suppress(OSError, ValueError):  # the cache only saves time
        store_in_build_folder(path, marshal.dumps((_FORMAT, entries, linked, walk)))

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
again), with the round it was read in; a stored record is taken in the
round a run without stored records reads its module, so a cached run links
what a `--no-cache` run links. The model as last linked is kept beside them
(`project-<hash>.model`: its tables as `marshal` bytes, its digest, the
digests of the files it was linked from): a run where nothing changed reads
only it, and a run where each changed module is read in the same round as
before and records the same (a comment added, a module that still names
nothing recorded) reads those modules again and serves it, linking nothing.
Each file is hashed once per run: the result cache's lookup takes the hash
(`aiolint.workspace.cache.file_digest`). The stored bytes carry a checksum: a
damaged file is ignored and rewritten. Standard library only, without `ast`
unless a module changed: this runs on the cached path.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import time
from collections.abc import Collection, Sequence

from aiolint.engine.known_names import FILE_SYSTEM_FUNCTIONS
from aiolint.project.model import (
    Linkers,
    ProjectModel,
    link,
    model_from,
    module_name,
    recorded_names,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    from aiolint.project.scan import ModuleRecord
    from aiolint.workspace.config import Config

    #: One file's SHA-256, its module's record (`marshal` bytes) or SKIPPED,
    #: and the reading round it was read in (0: first, -1: not read).
    _Entry: TypeAlias = tuple[str, bytes | int, int]
    #: (the linked model's digest, the names of each reading round, whether
    #: the last round found nothing more)
    _Reading: TypeAlias = tuple[str, tuple[tuple[str, ...], ...], bool]
    #: (what decided the list of files, the files' digests, the model's key,
    #: its tables as `marshal` bytes, its digest)
    _Head: TypeAlias = tuple[tuple[Any, ...], dict[str, str], tuple[object, ...], bytes, str]

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
_FORMAT = 12
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
#: Each with a text it cannot match without (one large alternation searched
#: every text at every position: 1.5 s of CPU on Polar's server).
_BLOCKING_IMPORT: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "import",
        re.compile(
            r"^[ \t]*(?:from|import)[ \t]+(?:time|requests|httpx2?|aiohttp|urllib3?|subprocess"
            r"|sqlite3|psycopg2?|pymysql|MySQLdb|shutil)\b",
            re.MULTILINE,
        ),
    ),
    ("open(", re.compile(r"(?<![\w.])open\(")),
    ("io.open", re.compile(r"\bio\.open(?:_code)?\(")),
    ("os.", re.compile(rf"\bos\.(?:system|popen|wait|posix_spawn)|\bos\.(?:{_OS_CALLS})\(")),
    ("os", re.compile(r"^[ \t]*from[ \t]+os(?:\.path)?[ \t]+import\b", re.MULTILINE)),
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
    head = _load_head(cache_path)
    walk = head[0] if head is not None else None
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
    key = (roots, uses_sqlalchemy)
    if head is not None and head[2] == key and head[1] == digests:
        return model_from(head[3], head[4])  # nothing changed: the model as last linked
    assert walk is not None
    stored, reading = _load_records(cache_path)
    scanned: dict[str, ModuleRecord | None] = {}  # this run's scans, by path
    if head is not None and head[2] == key and reading is not None and reading[0] == head[4]:
        fresh = _same_records(digests, head[1], stored, reading, roots, scanned)
        if fresh is not None:  # what changed records nothing new: the same model
            model = model_from(head[3], head[4])
            assert cache_path is not None
            _store(cache_path, fresh, reading, (walk, digests, key, head[3], head[4]))
            return model
    fresh, records, linkers, rounds = _scan_project(digests, stored, roots, scanned)
    packages = frozenset(name.split(".")[0] for path in digests for name in _names(path, roots))
    model = link(records, roots, uses_sqlalchemy, packages, linkers)
    if cache_path is not None:
        payload = model.payload()
        reading = (model.digest, *rounds)
        _store(cache_path, fresh, reading, (walk, digests, key, payload, model.digest))
    return model


def _same_records(
    digests: dict[str, str],
    last: dict[str, str],
    stored: dict[str, _Entry],
    reading: _Reading,
    roots: tuple[str, ...],
    scanned: dict[str, ModuleRecord | None],
) -> dict[str, _Entry] | None:
    """The entries of the project's files when every file that changed since
    the model was last linked (`last`: the digests it was linked from) is read
    in the same round as then and records the same (or is still not read):
    the reading goes as it went, and the model is the same. None otherwise
    (a file added or removed, a module that records otherwise). The modules
    scanned go to `scanned`."""
    if digests.keys() != last.keys():
        return None
    rounds, complete = reading[1], reading[2]
    fresh: dict[str, _Entry] = {}
    for path, digest in digests.items():
        entry = stored.get(path)
        if entry is None or entry[0] != last[path]:
            return None  # the records stored are not those of the model
        if last[path] == digest:
            fresh[path] = entry
            continue
        text = _text(path)
        if text is None:
            found: tuple[object, int] = (None, 0)
        elif _read_first(text):
            found = (_scan_once(path, text, roots, scanned), 0)
        else:
            number = _round_of(text, rounds)
            if number is None and not complete:
                return None  # a round not looked at might have read it
            if number is None:
                found = (SKIPPED, -1)
            else:
                found = (_scan_once(path, text, roots, scanned), number)
        record, number = found
        if number != entry[2]:
            return None
        if number >= 0:
            if entry[1] == SKIPPED or marshal.loads(entry[1]) != record:  # type: ignore[arg-type]
                return None
            fresh[path] = (digest, entry[1], number)
        else:
            fresh[path] = (digest, SKIPPED, -1)
    return fresh


def _read_first(text: str) -> bool:
    """A module read before any round: it imports a library and names an
    object the model records, or may block (see the module doc)."""
    return bool(
        (_LIBRARY_IMPORT.search(text) and _MAKERS.search(text))
        or (
            _SUMMARIES
            and any(part in text and found.search(text) for part, found in _BLOCKING_IMPORT)
        )
    )


def _round_of(text: str, rounds: Sequence[Sequence[str]]) -> int | None:
    """The first reading round (1-based) whose names `text` names."""
    words: dict[str, frozenset[str]] = {}
    for number, names in enumerate(rounds, 1):
        if _names_any(text, set(names), _pattern(names), words, ""):
            return number
    return None


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
    digests: dict[str, str],
    stored: dict[str, _Entry],
    roots: tuple[str, ...],
    scanned: dict[str, ModuleRecord | None] | None = None,
) -> tuple[dict[str, _Entry], dict[str, ModuleRecord], Linkers | None, tuple[object, bool]]:
    """Every module's entry and the records by module name. Modules importing
    one of the libraries are read first; then, round after round until
    nothing changes, those whose text names something already recorded (a
    re-export, a dependency built on a factory). A stored record (`stored`,
    by path) is taken for a file of the same digest in the round it is read
    in: the reading goes as a run without stored records goes. Also the
    linkers of the last look at the records (`link` takes them over when no
    module was read after it), and the rounds: the names each looked for,
    and whether the last found nothing more. `scanned`:
    the records of files this run scanned already, by path."""
    scanned = {} if scanned is None else scanned
    fresh: dict[str, _Entry] = {}
    records: dict[str, ModuleRecord] = {}
    waiting: dict[str, str] = {}  # not read: no library import, nothing recorded named yet

    def add(path: str, record: ModuleRecord | None, number: int, payload: bytes | None) -> None:
        if payload is None:
            payload = marshal.dumps(record)
        fresh[path] = (digests[path], payload, number)
        if record is not None:
            for name in _names(path, roots):
                records.setdefault(name, record)

    kept: dict[str, bytes] = {}  # the stored records of modules read in a round
    for path, digest in digests.items():
        entry = stored.get(path)
        if entry is not None and entry[0] == digest and entry[2] == 0:  # read first
            add(path, marshal.loads(entry[1]), 0, entry[1])  # type: ignore[arg-type]
            continue
        text = _text(path)
        if text is None:
            add(path, None, 0, None)
        elif entry is None or entry[0] != digest:
            if _read_first(text):
                add(path, _scan_once(path, text, roots, scanned), 0, None)
            else:
                waiting[path] = text
        else:  # read in a round, or not read: the rounds decide again, as they did
            waiting[path] = text
            if entry[1] != SKIPPED:
                kept[path] = entry[1]  # type: ignore[assignment]
    known: set[str] = set()
    words: dict[str, frozenset[str]] = {}
    linkers = None
    rounds: list[tuple[str, ...]] = []
    complete = False
    while waiting:
        linkers = Linkers(records)
        names = recorded_names(records, linkers) - known
        if not names:
            complete = True
            break
        known |= names
        rounds.append(tuple(sorted(names)))
        pattern = _pattern(names)
        named = [p for p, text in waiting.items() if _names_any(text, names, pattern, words, p)]
        for path in named:
            text = waiting.pop(path)
            if path in kept:
                add(path, marshal.loads(kept[path]), len(rounds), kept[path])
            else:
                add(path, _scan_once(path, text, roots, scanned), len(rounds), None)
    for path in waiting:
        fresh[path] = (digests[path], SKIPPED, -1)
    return fresh, records, linkers, (tuple(rounds), complete)


#: A maximal run of word characters: `\bname\b` matches a text where `name`
#: is one of its runs.
_WORD = re.compile(r"\w+")


def _pattern(names: Collection[str]) -> re.Pattern[str] | None:
    """The names as one pattern of whole words, when not all are plain words
    (None: their word runs answer, see `_names_any`)."""
    if all(_WORD.fullmatch(name) for name in names):
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b")


def _names_any(
    text: str,
    names: Collection[str],
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


def _scan_once(
    path: str, text: str, roots: tuple[str, ...], scanned: dict[str, ModuleRecord | None]
) -> ModuleRecord | None:
    """`_scan`, once per file and run (`scanned`: the records so far, by path)."""
    if path not in scanned:
        scanned[path] = _scan(path, text, roots)
    return scanned[path]


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


def _head_path(path: str) -> str:
    """Where the model as last linked is kept, beside the module records."""
    return path.removesuffix(".marshal") + ".model"


def _read(path: str) -> object:
    """The stored value at `path` (None: missing, damaged, not ours)."""
    from aiolint.workspace.cache import DAY, read_entry, unseal

    try:
        stored, modified = read_entry(path)
        payload = unseal(stored)
        data = marshal.loads(payload) if payload is not None else None
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if data is not None and time.time() - modified > DAY:
        with contextlib.suppress(OSError):  # in use: not pruned as unused (ResultCache.prune)
            os.utime(path)
    if not isinstance(data, tuple) or len(data) < 1 or data[0] != _FORMAT:
        return None
    return data


def _load_head(path: str | None) -> _Head | None:
    """The model as last linked: what decided the list of files (see
    `_discover`), the digests of the files it was linked from, its key (the
    roots, whether the project uses SQLAlchemy), its tables (`marshal` bytes)
    and its digest. No module record is read."""
    if path is None:
        return None
    data = _read(_head_path(path))
    if not isinstance(data, tuple) or len(data) != 6 or not isinstance(data[2], dict):
        return None
    return data[1:]  # type: ignore[return-value]


def _load_records(path: str | None) -> tuple[dict[str, _Entry], _Reading | None]:
    """The stored module records, and how the reading of the model they were
    last linked into went (the model's digest, its rounds)."""
    if path is None:
        return {}, None
    data = _read(path)
    if not isinstance(data, tuple) or len(data) != 3 or not isinstance(data[1], dict):
        return {}, None
    return data[1], data[2]


def _store(path: str, entries: dict[str, _Entry], reading: _Reading, head: _Head) -> None:
    from aiolint.workspace.cache import store_in_build_folder

    with contextlib.suppress(OSError, ValueError):  # the cache only saves time
        store_in_build_folder(path, marshal.dumps((_FORMAT, entries, reading)))
        store_in_build_folder(_head_path(path), marshal.dumps((_FORMAT, *head)))

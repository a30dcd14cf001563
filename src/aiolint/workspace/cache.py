"""The result cache: a check run's per-file results, reused while nothing changed.

Layout (as ruff's `.ruff_cache`): the cache folder holds a `.gitignore` (`*`),
a `CACHEDIR.TAG`, and one folder per aiolint build, `<version>-<build id>`,
holding one entry per file and settings:

- the entry's *name* hashes what picks the entry: the run key (cache format,
  aiolint's version and build, the Python running it, and the `AIOLINT_*`
  environment variables, which switch engine features off to compare
  results), the file's absolute and displayed paths, the codes enabled for it
  (after per-file ignores) and its lint options (the target Python of its
  configuration, the library versions its project declares, the project
  model's digest);
- the entry's *content* repeats that key, the SHA-256 of the file's bytes and
  the encoded `FileResult` (`aiolint.workspace.serialize`), written with `marshal`, as
  Python writes bytecode caches (the build folder names the Python, whose
  marshal format it is), behind the SHA-256 of those bytes (`seal`). A lookup
  hashes the file and uses the entry only when its checksum, the key and the
  file's hash match, so an edited file is a miss and its entry is
  overwritten; a corrupt (a flipped bit), truncated or foreign entry is a
  miss too, and is rewritten;
- the run key's index, `index-<run key>.marshal`, holds every entry's result
  in one sealed file (as ruff keeps one cache file per package), keyed by
  the rest of the entry's key, with the file's SHA-256 and the day it was
  last used: a run reads it once instead of an entry per file, and writes it
  at its end when it added or refreshed an item (`ResultCache.save`). It is
  checked as an entry is (checksum, run key, each item's file hash and
  result), and the entries stay the record: a damaged index is a miss for
  no file (the entries answer, and the index is written anew), and an item
  two concurrent runs raced to write is in its entry still.

The project model's records (`aiolint.project.build`) live in the same build
folder, sealed the same way, and take the file hashes from `file_digest`,
which hands each to the file's lookup in the same run (a file is read and
hashed once per run).

What does not change findings (fixability, output format, `--show-source`) is
not in the key. An entry of a run that shows no fix edits holds its fixes'
summaries only (`FixSummary`: a check printing text computes no fix text):
it is served to such runs only, and a run needing the texts (the formats
printing edits) misses it and rewrites it with them; an entry with texts
serves both. Writes go to a temporary file in the same folder and are
renamed over the entry (atomic), so concurrent runs never see half an entry;
any OSError while caching only costs the cache. Stale data is bounded: entries
are per file and settings (an edit replaces, not adds), build folders other
than the running one are removed once unused for an hour, and once a day
entries unused for 30 days are removed (a hit refreshes an entry's age daily;
the index drops items unused for 30 days when it is written).
`aiolint clean` removes the whole folder (only one aiolint made, see
`aiolint.workspace.cache_dir`).

Standard library only: a run served entirely from the cache never loads LibCST,
and what only writing needs (`tempfile`, `shutil`) is imported when it writes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import marshal
import os
import re
import stat
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from functools import cache

from aiolint import __version__
from aiolint.engine.model import FileResult, FixSummary
from aiolint.workspace.files import read_source
from aiolint.workspace.serialize import CannotEncodeError, decode_result, encode_result

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    from aiolint.workspace.paths import StrPath

    #: A file's lint options, as `runner.lint_options` gives them (in items).
    Options: TypeAlias = tuple[tuple[str, object], ...]
    #: What picks a result in the index: the file's absolute and displayed
    #: paths, its codes (joined) and its lint options' key.
    IndexKey: TypeAlias = tuple[str, str, str, str]
    #: An index item: the file's SHA-256, its encoded result, the day it was last used.
    IndexItem: TypeAlias = tuple[str, object, int]
    #: What tells that an index file was replaced: inode, size, modification time.
    IndexStamp: TypeAlias = tuple[int, int, int]

#: Bump when the entry layout or what a result holds changes.
CACHE_FORMAT = 4
DEFAULT_CACHE_DIR = ".aiolint_cache"
ENV_CACHE_DIR = "AIOLINT_CACHE_DIR"
ENV_NO_CACHE = "AIOLINT_NO_CACHE"
#: The Cache Directory Tagging Specification's signature (https://bford.info/cachedir/).
CACHEDIR_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
CACHEDIR_TAG = (
    f"{CACHEDIR_SIGNATURE}\n"
    "# This file is a cache directory tag created by aiolint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
GITIGNORE = "# Automatically created by aiolint.\n*\n"

DAY = 24 * 3600
#: Build folders other than the running build's are removed once this old.
STALE_BUILD_AGE = 3600
#: Entries not used for this long are removed (checked once a day).
STALE_ENTRY_AGE = 30 * DAY
_BUILD_DIR = re.compile(r"^[0-9][^/\\]*-[0-9a-f]{16}$")
_PRUNE_MARK = ".last-prune"
_TMP_PREFIX = ".tmp-"
_ENTRY_SUFFIX = ".marshal"
#: The index of a run key's results: `index-<run key>.marshal` in the build folder.
INDEX_PREFIX = "index-"
_WINDOWS = os.name == "nt"
#: The folder `create_cache_dir` makes, tags and renames to the cache folder.
_FRESH_PREFIX = f"{DEFAULT_CACHE_DIR}{_TMP_PREFIX}"
_FRESH_DIR = re.compile(rf"^{re.escape(_FRESH_PREFIX)}[0-9]+-[0-9a-f]{{12}}$")
#: A fresh cache folder untouched this long was left by a killed run.
ABANDONED_AGE = 60
#: What reading an entry of another shape (or a damaged one) can raise:
#: marshal's own errors, unpacking and the type checks of `decode_result`,
#: and MemoryError for damage that reads as a huge length.
_BAD_ENTRY = (ValueError, EOFError, TypeError, IndexError, MemoryError)
_CHECKSUM_SIZE = 32  # SHA-256
#: File hashes `file_digest` computed in this process and no lookup took yet:
#: (device, inode) -> (size, mtime, ctime, digest) as the file was read.
_digests: dict[tuple[int, int], tuple[int, int, int, str]] = {}


def _package_files(folder: str, prefix: str = "") -> Iterator[str]:
    """`path:size:mtime` of every Python file (or extension) under `folder`."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_dir():
                if entry.name != "__pycache__":
                    yield from _package_files(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith((".py", ".so", ".pyd")):
                st = entry.stat()
                yield f"{prefix}{entry.name}:{st.st_size}:{st.st_mtime_ns}"


def _module_origin(name: str) -> str | None:
    """Where the top-level module `name` would be imported from, without
    importing it: what `importlib.util.find_spec` answers (the finders of
    `sys.meta_path` in turn), without loading `importlib.util`."""
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(name, None) if find_spec is not None else None
        if spec is not None:
            return spec.origin
    return None


@cache
def build_id() -> str:
    """What, besides the version, makes this aiolint compute other results: its
    own files (an edited checkout keeps its version), LibCST's version file,
    and the Python running it (whose parser decides syntax errors). A stat
    of each file, no import, no read of the package."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}\0{sys.version}\0{sys.implementation.cache_tag}".encode())
    for entry in _package_files(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))):
        digest.update(f"{entry}\0".encode("utf-8", "surrogatepass"))
    origin = _module_origin("libcst")
    if origin:
        libcst_dir = os.path.dirname(origin)
        for name in ("_version.py", "__init__.py"):
            with contextlib.suppress(OSError):
                st = os.stat(os.path.join(libcst_dir, name))
                digest.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _switches() -> list[tuple[str, str]]:
    """The `AIOLINT_*` environment variables (`AIOLINT_NO_GATE=1` and the like
    turn engine features off to prove they change nothing: such a run must
    lint, not read results the features computed), but the cache's own."""
    own = (ENV_CACHE_DIR, ENV_NO_CACHE)
    return sorted(
        (k, v) for k, v in os.environ.items() if k.startswith("AIOLINT_") and k not in own
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seal(payload: bytes) -> bytes:
    """`payload` behind its checksum (SHA-256), as a cache entry is stored."""
    return hashlib.sha256(payload).digest() + payload


#: The largest cache entry read: a bigger one is not aiolint's (a project's
#: records are a few MB; a 3 GB file took the run's memory and time).
MAX_ENTRY_BYTES = 256 * 1024 * 1024


def read_entry(path: StrPath) -> tuple[bytes, float]:
    """A cache entry's bytes and modification time (see `read_entry_stat`)."""
    data, info = read_entry_stat(path)
    return data, info.st_mtime


def read_entry_stat(path: StrPath) -> tuple[bytes, os.stat_result]:
    """A cache file's bytes and status. Only a regular file of at most
    `MAX_ENTRY_BYTES`, not through a symlink, is read: a FIFO, `/dev/zero` or
    a symlink standing there raises OSError (a miss) instead of blocking the
    run or reading forever."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            raise OSError(errno.EINVAL, "not a cache entry", os.fspath(path))
        return handle.read(MAX_ENTRY_BYTES + 1), info


def unseal(data: bytes) -> bytes | None:
    """The payload of an entry `seal` wrote; None when its bytes changed since."""
    checksum, payload = data[:_CHECKSUM_SIZE], data[_CHECKSUM_SIZE:]
    if len(checksum) == _CHECKSUM_SIZE and hashlib.sha256(payload).digest() == checksum:
        return payload
    return None


def _identity(st: os.stat_result) -> tuple[int, int] | None:
    # no inode (some file systems report 0): no identity to share a digest by
    return (st.st_dev, st.st_ino) if st.st_ino else None


def file_digest(path: StrPath) -> str:
    """The SHA-256 (hex) of a source file's bytes (raises OSError, as
    `read_source`). The digest is kept for the file's next `ResultCache.lookup`
    in this process, which takes it instead of reading the file again while
    the file's size, modification and change times are those it was read with."""
    st = os.stat(path)
    digest = _sha256(read_source(path))
    identity = _identity(st)
    if identity is not None and stat.S_ISREG(st.st_mode):
        _digests[identity] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, digest)
    return digest


def forget_digests() -> None:
    """Drop the hashes `file_digest` kept that no lookup took."""
    _digests.clear()


def _current_digest(path: StrPath) -> str:
    """The SHA-256 of `path`'s bytes: the one `file_digest` computed this run
    when the file has not changed since, else read and hashed now."""
    st = os.stat(path)
    identity = _identity(st)
    shared = _digests.pop(identity, None) if identity is not None else None
    if shared is not None and shared[:3] == (st.st_size, st.st_mtime_ns, st.st_ctime_ns):
        return shared[3]
    return _sha256(read_source(path))


def store_in_build_folder(path: str, payload: bytes) -> None:
    """Write `payload`, sealed, to `path` in a build's folder of a cache
    folder (the project's records, what dependency files declare), making
    both folders as a check makes them (raises OSError)."""
    folder = os.path.dirname(path)
    create_cache_dir(os.path.dirname(folder))
    os.makedirs(folder, exist_ok=True)
    write_atomic(path, seal(payload))


def build_folder(root: StrPath) -> str:
    """The folder of this aiolint build's entries in the cache folder `root`
    (`<version>-<build id>`)."""
    return os.path.join(root, f"{__version__}-{build_id()}")


def _write_if_missing(path: str, content: str) -> None:
    if not os.path.exists(path):
        write_atomic(path, content.encode())


def write_atomic(path: StrPath, data: bytes) -> None:
    """Write `path` through a temporary file in its folder renamed over it."""
    import tempfile

    folder, name = os.path.split(path)
    suffix = os.path.splitext(name)[1]
    fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=_TMP_PREFIX, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def create_cache_dir(root: StrPath) -> None:
    """Make `root` aiolint's cache folder: created with its `.gitignore` and
    `CACHEDIR.TAG`, or kept when it carries aiolint's tag already (raises
    OSError). A folder aiolint did not create is never marked: one that exists
    without aiolint's tag raises FileExistsError. A new folder appears tagged
    (made under a temporary name and renamed), so a concurrent run never sees
    it untagged and takes it for someone else's."""
    root = os.fspath(root)
    if not is_cache_dir(root):
        parent = os.path.dirname(os.path.abspath(root))
        os.makedirs(parent, exist_ok=True)
        fresh = os.path.join(parent, f"{_FRESH_PREFIX}{os.getpid()}-{os.urandom(6).hex()}")
        os.mkdir(fresh)
        try:
            write_atomic(os.path.join(fresh, "CACHEDIR.TAG"), CACHEDIR_TAG.encode())
            write_atomic(os.path.join(fresh, ".gitignore"), GITIGNORE.encode())
            if not os.path.lexists(root):  # rename() would replace an empty folder
                with contextlib.suppress(OSError):  # a concurrent run made it first
                    os.rename(fresh, root)
        finally:
            if os.path.isdir(fresh):
                import shutil

                shutil.rmtree(fresh, ignore_errors=True)
        if not is_cache_dir(root):
            raise FileExistsError(errno.EEXIST, "exists and is not aiolint's cache", root)
    _write_if_missing(os.path.join(root, ".gitignore"), GITIGNORE)
    remove_abandoned(os.path.dirname(os.path.abspath(root)))


def _abandoned(path: str, now: float) -> list[str] | None:
    """The files of a folder `create_cache_dir` made and never renamed (its
    run was killed), if `path` is one untouched for `ABANDONED_AGE`: named as
    it names them, holding nothing but what it writes there (aiolint's
    `CACHEDIR.TAG`, the `.gitignore`, their temporary files). None otherwise."""
    if not _FRESH_DIR.match(os.path.basename(path)) or os.path.islink(path):
        return None
    try:
        if now - os.stat(path).st_mtime < ABANDONED_AGE:
            return None  # perhaps a run still making it
        names = os.listdir(path)
    except OSError:
        return None
    for name in names:
        if name == "CACHEDIR.TAG" and not is_cache_dir(path):
            return None
        if name not in ("CACHEDIR.TAG", ".gitignore") and not name.startswith(_TMP_PREFIX):
            return None
    return [os.path.join(path, name) for name in names]


def remove_abandoned(parent: str, now: float | None = None) -> int:
    """Remove the folders a run killed while making a cache folder in `parent`
    left behind (`.aiolint_cache.tmp-<pid>-<random>`, see `_abandoned`);
    returns how many. Anything else is left alone."""
    now = time.time() if now is None else now
    removed = 0
    try:
        with os.scandir(parent) as entries:
            candidates = [e.path for e in entries if e.name.startswith(_FRESH_PREFIX)]
    except OSError:
        return 0
    for path in candidates:
        files = _abandoned(path, now)
        if files is None:
            continue
        with contextlib.suppress(OSError):
            for file in files:
                os.unlink(file)
            os.rmdir(path)
            removed += 1
    return removed


def is_cache_dir(path: StrPath) -> bool:
    """Whether `path` is a cache folder aiolint made: its `CACHEDIR.TAG` is the
    one aiolint writes (other tools write that file too, with their own name)."""
    try:
        with open(os.path.join(path, "CACHEDIR.TAG"), "rb") as handle:
            return handle.read(len(CACHEDIR_TAG) + 1) == CACHEDIR_TAG.encode()
    except OSError:
        return False


def _touch(path: str) -> None:
    """`Path(path).touch()`: the file's times set to now, created if missing."""
    try:
        os.utime(path)
    except OSError:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o666))


def _summaries_only(result: FileResult) -> bool:
    """Whether `result` was made without fix texts (its fixes are summaries)."""
    return any(isinstance(d.fix, FixSummary) for d in result.diagnostics)


def _read_index(path: str, run_key: str) -> tuple[dict[IndexKey, object], IndexStamp | None]:
    """The items of the index at `path` (empty when it is missing, damaged or
    of another run key), and its stamp (None: no file)."""
    try:
        data, st = read_entry_stat(path)
    except OSError:
        return {}, None
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    payload = unseal(data)
    if payload is None:
        return {}, stamp  # damaged since it was written: never served, rewritten
    try:
        stored_key, items = marshal.loads(payload)
    except _BAD_ENTRY:
        return {}, stamp
    if stored_key != run_key or type(items) is not dict:
        return {}, stamp
    return items, stamp


def _index_stamp(path: str) -> IndexStamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class ResultCache:
    """The entries of one run: one build folder, one set of lint options.

    Results are kept twice: an entry per file (written as each file's result
    comes, so a run stopped half-way keeps what it did) and the run key's
    index, every entry in one sealed file read once per run and written at
    its end (`save`) when something was added or refreshed. A lookup tries
    the index, then the entry; each is used only when its checksum, its key
    and the file's hash match, so a damaged index or entry is a miss (never
    served) and is rewritten. Two runs writing the index at once: the second
    merges what it reads on disk then; what a lost race drops from the index
    is still in its entry, so a result is never lost, at worst read from its
    entry once more."""

    def __init__(self, root: StrPath, options: Mapping[str, object]) -> None:
        self.root = os.fspath(root)
        self.folder = build_folder(self.root)
        self.name = os.path.basename(self.folder)
        run_key = (CACHE_FORMAT, __version__, build_id(), sorted(options.items()), _switches())
        self._run_key = _sha256(repr(run_key).encode("utf-8", "surrogatepass"))
        self._options_keys: dict[Options, str] = {}
        self._codes_keys: dict[tuple[str, ...], str] = {}
        self.index_path = os.path.join(self.folder, f"{INDEX_PREFIX}{self._run_key[:32]}.marshal")
        self._index: dict[IndexKey, object] | None = None
        self._index_stamp: IndexStamp | None = None
        #: Index items this run found or made (a file's digest, its encoded
        #: result, the day it was last used), written by `save`.
        self._changed: dict[IndexKey, IndexItem] = {}
        self._today = int(time.time() // DAY)
        self._cwd = os.getcwd()
        self.hits = 0
        self.stores = 0

    @classmethod
    def open(cls, root: StrPath, options: Mapping[str, object]) -> ResultCache:
        """The cache at `root`, created if needed (raises OSError when it cannot be)."""
        cache = cls(root, options)
        create_cache_dir(cache.root)
        try:
            os.mkdir(cache.folder)
        except FileExistsError:
            if not os.path.isdir(cache.folder):
                raise
        os.utime(cache.folder)  # in use: not a stale build folder
        cache._prune_builds()
        return cache

    def _absolute(self, path: StrPath) -> str:
        """`os.path.abspath(path)`, the working folder read once per run."""
        given = os.fspath(path)
        if _WINDOWS:  # pragma: no cover
            return os.path.abspath(given)
        joined = given if given.startswith("/") else f"{self._cwd}/{given}"
        return os.path.normpath(joined) if "/." in joined or "//" in joined else joined

    def _index_key(
        self, absolute: str, shown: str, codes: tuple[str, ...], options: Options
    ) -> IndexKey:
        codes_key = self._codes_keys.get(codes)
        if codes_key is None:
            codes_key = self._codes_keys[codes] = ",".join(codes)
        return (absolute, shown, codes_key, self._options_key(options) if options else "")

    def _key(self, index_key: IndexKey) -> str:
        """The key an entry holds (and its name hashes): the run key, then the index key."""
        # NUL cannot occur in a path, and codes hold no comma
        absolute, shown, codes, options = index_key
        parts = (self._run_key, absolute, shown, codes)
        return "\0".join((*parts, options) if options else parts)

    def _options_key(self, options: Options) -> str:
        """The file's own lint options (its configuration's target, the library
        versions its folder declares), hashed once per distinct set."""
        key = self._options_keys.get(options)
        if key is None:
            key = self._options_keys[options] = _sha256(
                repr(sorted(options)).encode("utf-8", "surrogatepass")
            )
        return key

    def _entry(self, key: str) -> str:
        name = _sha256(key.encode("utf-8", "surrogatepass")) + _ENTRY_SUFFIX
        return os.path.join(self.folder, name)

    def _loaded_index(self) -> dict[IndexKey, object]:
        if self._index is None:
            self._index, self._index_stamp = _read_index(self.index_path, self._run_key)
        return self._index

    def lookup(
        self,
        path: StrPath,
        shown: str,
        codes: Sequence[str],
        options: Options = (),
        *,
        fix_text: bool = True,
    ) -> FileResult | None:
        """The cached result of `path` with these codes and lint options (the
        file's own, besides the run's), if its bytes are unchanged; with
        `fix_text`, only an entry holding its fixes' texts (not summaries)."""
        index_key = self._index_key(self._absolute(path), shown, tuple(codes), options)
        digest: str | None = None
        item = self._loaded_index().get(index_key)
        if type(item) is tuple and len(item) == 3:
            try:
                digest = _current_digest(path)
                if item[0] == digest:
                    result = decode_result(item[1])
                    if not (fix_text and _summaries_only(result)):
                        if item[2] != self._today:  # keep an item in use from looking unused
                            self._changed[index_key] = (digest, item[1], self._today)
                        self.hits += 1
                        return result
            except (OSError, *_BAD_ENTRY):
                pass  # a stale or damaged item: the entry may hold the result
        return self._lookup_entry(path, index_key, digest, fix_text)

    def _lookup_entry(
        self, path: StrPath, index_key: IndexKey, digest: str | None, fix_text: bool
    ) -> FileResult | None:
        """`lookup` in the file's own entry (`digest`: the file's, when known)."""
        key = self._key(index_key)
        entry = self._entry(key)
        try:
            data, modified = read_entry(entry)
            payload = unseal(data)
            age = time.time() - modified
            if payload is None:
                return None  # damaged since it was written: never served, rewritten
            stored_key, stored_digest, encoded = marshal.loads(payload)
            if stored_key != key:
                return None
            if stored_digest != (digest if digest is not None else _current_digest(path)):
                return None
            result = decode_result(encoded)
            if fix_text and _summaries_only(result):
                return None  # made without fix texts: linted again, with them
        except (OSError, *_BAD_ENTRY):
            return None  # a miss: no entry, or a stale, corrupt or foreign one
        if age > DAY:  # keep an entry in use from looking unused
            with contextlib.suppress(OSError):
                os.utime(entry)
        self._changed[index_key] = (stored_digest, encoded, self._today)
        self.hits += 1
        return result

    def store(
        self,
        path: StrPath,
        shown: str,
        codes: Sequence[str],
        digest: str,
        result: FileResult,
        options: Options = (),
    ) -> None:
        """Record `result` as the result of the bytes hashing to `digest`
        (nothing for a result with internal errors; never raises OSError)."""
        index_key = self._index_key(self._absolute(path), shown, tuple(codes), options)
        key = self._key(index_key)
        try:
            encoded = encode_result(result)
        except CannotEncodeError:
            return
        self._changed[index_key] = (digest, encoded, self._today)
        try:
            write_atomic(self._entry(key), seal(marshal.dumps((key, digest, encoded))))
        except OSError:
            return
        self.stores += 1

    def save(self) -> None:
        """Write the index when this run added or refreshed items: the items
        on disk (read again if another run wrote them since), this run's over
        them, less those unused for `STALE_ENTRY_AGE`. Never raises OSError."""
        if not self._changed:
            return
        items = self._loaded_index()
        if _index_stamp(self.index_path) != self._index_stamp:
            items = _read_index(self.index_path, self._run_key)[0]
        oldest = self._today - STALE_ENTRY_AGE // DAY
        kept: dict[IndexKey, object] = {
            key: item
            for key, item in items.items()
            if type(item) is tuple and len(item) == 3 and type(item[2]) is int and item[2] >= oldest
        }
        kept.update(self._changed)
        with contextlib.suppress(OSError):
            write_atomic(self.index_path, seal(marshal.dumps((self._run_key, kept))))
        self._index, self._index_stamp = kept, _index_stamp(self.index_path)
        self._changed = {}

    def _prune_builds(self) -> None:
        """Remove other builds' folders once unused for an hour."""
        now = time.time()
        with contextlib.suppress(OSError), os.scandir(self.root) as entries:
            for entry in entries:
                if entry.name == self.name or not _BUILD_DIR.match(entry.name):
                    continue
                with contextlib.suppress(OSError):
                    if entry.is_dir() and now - entry.stat().st_mtime > STALE_BUILD_AGE:
                        import shutil

                        shutil.rmtree(entry.path, ignore_errors=True)

    def prune(self, now: float | None = None) -> int:
        """Once a day: remove entries unused for 30 days, and temporary files an
        interrupted run left. Returns how many files were removed."""
        now = time.time() if now is None else now
        mark = os.path.join(self.folder, _PRUNE_MARK)
        try:
            if now - os.stat(mark).st_mtime < DAY:
                return 0
        except FileNotFoundError:
            pass
        except OSError:
            return 0
        removed = 0
        with contextlib.suppress(OSError):
            _touch(mark)
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    limit = 3600 if entry.name.startswith(_TMP_PREFIX) else STALE_ENTRY_AGE
                    if entry.name == _PRUNE_MARK:
                        continue
                    with contextlib.suppress(OSError):
                        if now - entry.stat().st_mtime > limit:
                            os.unlink(entry.path)
                            removed += 1
        return removed

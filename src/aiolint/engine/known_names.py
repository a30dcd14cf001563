"""Libraries' public names, as data: which classes and functions make what.

SQLAlchemy's tables map to `SqlaKind` values (`"Session"`,
`"async_sessionmaker"`, ...), the app tables to `AppKind` values. Plain data
with no LibCST, so that the project model (`aiolint.project`), which runs on
the cached path, shares them with `aiolint.semantic.sqlalchemy` and
`aiolint.semantic.fastapi`.
"""

from __future__ import annotations

#: Classes (and class-like callables) -> the kind of their instances. Used for
#: annotations, `class_=` arguments and base classes.
TYPES: dict[str, str] = {
    **dict.fromkeys(
        (
            "sqlalchemy.orm.Session",
            "sqlalchemy.orm.session.Session",
            "sqlmodel.Session",
            "sqlmodel.orm.session.Session",
            "flask_sqlalchemy.session.Session",
        ),
        "Session",
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.AsyncSession",
            "sqlalchemy.ext.asyncio.session.AsyncSession",
            "sqlmodel.ext.asyncio.session.AsyncSession",
        ),
        "AsyncSession",
    ),
    **dict.fromkeys(
        ("sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session"),
        "scoped_session",
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.async_scoped_session",
            "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
        ),
        "async_scoped_session",
    ),
    **dict.fromkeys(
        ("sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"),
        "sessionmaker",
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.async_sessionmaker",
            "sqlalchemy.ext.asyncio.session.async_sessionmaker",
        ),
        "async_sessionmaker",
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.Engine",
            "sqlalchemy.engine.Engine",
            "sqlalchemy.engine.base.Engine",
        ),
        "Engine",
    ),
    **dict.fromkeys(
        ("sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy.ext.asyncio.engine.AsyncEngine"),
        "AsyncEngine",
    ),
    **dict.fromkeys(
        ("flask_sqlalchemy.SQLAlchemy", "flask_sqlalchemy.extension.SQLAlchemy"),
        "SQLAlchemy",
    ),
}

#: Functions that build an engine.
ENGINE_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(
        (
            "sqlalchemy.create_engine",
            "sqlalchemy.engine.create_engine",
            "sqlalchemy.engine.create.create_engine",
            "sqlalchemy.engine_from_config",
            "sqlalchemy.engine.engine_from_config",
            "sqlalchemy.engine.create.engine_from_config",
            "sqlmodel.create_engine",
            "sqlmodel.engine_from_config",
        ),
        "Engine",
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.create_async_engine",
            "sqlalchemy.ext.asyncio.engine.create_async_engine",
            "sqlalchemy.ext.asyncio.async_engine_from_config",
            "sqlalchemy.ext.asyncio.engine.async_engine_from_config",
        ),
        "AsyncEngine",
    ),
}

#: Classes whose instances are ASGI apps or routers -> `AppKind` value.
APP_CLASSES: dict[str, str] = {
    "fastapi.FastAPI": "application",
    "fastapi.applications.FastAPI": "application",
    "starlette.applications.Starlette": "application",
    "fastapi.APIRouter": "router",
    "fastapi.routing.APIRouter": "router",
    "starlette.routing.Router": "router",
}
#: aiohttp's application class (its lifespan is `cleanup_ctx` / `on_startup`).
AIOHTTP_APPLICATIONS = frozenset({"aiohttp.web.Application", "aiohttp.web_app.Application"})
#: What a call of an instance of a session factory or registry gives.
CALL_RESULTS: dict[str, str] = {
    "sessionmaker": "Session",
    "async_sessionmaker": "AsyncSession",
    "scoped_session": "Session",
    "async_scoped_session": "AsyncSession",
}
#: A library class standing for each `SqlaKind` value (the origin of a project's
#: instance of that kind: `SessionLocal` -> `sqlalchemy.orm.sessionmaker()`).
KIND_CLASSES: dict[str, str] = {
    "Session": "sqlalchemy.orm.Session",
    "AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "scoped_session": "sqlalchemy.orm.scoped_session",
    "async_scoped_session": "sqlalchemy.ext.asyncio.async_scoped_session",
    "sessionmaker": "sqlalchemy.orm.sessionmaker",
    "async_sessionmaker": "sqlalchemy.ext.asyncio.async_sessionmaker",
    "Engine": "sqlalchemy.engine.Engine",
    "AsyncEngine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "SQLAlchemy": "flask_sqlalchemy.SQLAlchemy",
}

# --- SQL text -------------------------------------------------------------------
#: What SQL text may start with before its first word: whitespace and comments.
SQL_LEADING = r"(?:\s|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*"
#: Statements that are SQL when they also hold a clause word (`SQL_CLAUSE`).
SQL_VERB = r"(?:SELECT|INSERT|UPDATE|DELETE|WITH|REPLACE|MERGE)\b"
SQL_CLAUSE = r"\b(?:FROM|INTO|SET|WHERE|VALUES)\b"
#: Statements that are SQL by their first words alone: DDL, session and
#: maintenance statements, `SELECT f(...)` (`SELECT setval(...)`).
SQL_STATEMENT = (
    r"(?:(?:CREATE|ALTER|DROP)\s+(?:(?:OR\s+REPLACE|TEMP(?:ORARY)?|UNIQUE|MATERIALIZED"
    r"|UNLOGGED|IF\s+(?:NOT\s+)?EXISTS)\s+)*(?:TABLE|INDEX|VIEW|SCHEMA|DATABASE|EXTENSION"
    r"|SEQUENCE|TRIGGER|FUNCTION|PROCEDURE|TYPE|ROLE|USER|POLICY|DOMAIN|PUBLICATION"
    r"|SUBSCRIPTION|COLUMN|CONSTRAINT|PARTITION|DEFAULT\s+PRIVILEGES)\b"
    r"|(?:TRUNCATE|GRANT|REVOKE|COPY|VACUUM|ANALYZE|EXPLAIN|CALL)\s"
    r"|COMMENT\s+ON\s"
    r"|SET\s+(?:(?:LOCAL|SESSION)\s+)?(?:ROLE|TIME\s+ZONE|SCHEMA|NAMES|TRANSACTION"
    r"|CONSTRAINTS|SEARCH_PATH|[A-Za-z_][\w.]*\s*(?:=|TO\b))"
    r"|SELECT\s+[A-Za-z_][\w.]*\s*\()"
)

#: Generic classes whose first argument is what an iterator or generator
#: function yields (`AsyncIterator[AsyncSession]`), from typing and collections.abc.
ITERATOR_NAMES = (
    "Generator",
    "Iterator",
    "Iterable",
    "AsyncGenerator",
    "AsyncIterator",
    "AsyncIterable",
)

# --- blocking calls -------------------------------------------------------------
#: `time.sleep` (AIO201).
SLEEP_FUNCTIONS = frozenset({"time.sleep"})
#: httpx and its successor `httpx2` (the package Starlette's test client now asks for).
HTTPX_MODULES = ("httpx", "httpx2")
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
#: Module-level functions that send a request and wait for the response (AIO202).
HTTP_FUNCTIONS: frozenset[str] = frozenset(
    {f"requests.{verb}" for verb in _HTTP_VERBS}
    | {f"requests.api.{verb}" for verb in _HTTP_VERBS}
    | {f"{httpx}.{verb}" for httpx in HTTPX_MODULES for verb in (*_HTTP_VERBS, "stream")}
    | {"urllib.request.urlopen", "urllib.request.urlretrieve", "urllib3.request"}
)
#: Methods of an async HTTP client that send a request on its pool (AIO106).
HTTP_CLIENT_METHODS = frozenset({*_HTTP_VERBS, "stream", "send"})
_SUBPROCESS = ("run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput")
SPAWN = ("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe")
#: Calls that start a process (and, for most, wait for it) (AIO203).
SUBPROCESS_FUNCTIONS: frozenset[str] = frozenset(
    {f"subprocess.{name}" for name in _SUBPROCESS}
    | {f"os.{name}" for name in SPAWN}
    | {"os.system", "os.popen", "os.posix_spawn", "os.posix_spawnp", "os.wait"}
)
#: Calls that start a child and return at once; the wait comes later, elsewhere.
NON_WAITING: frozenset[str] = frozenset(
    {"subprocess.Popen", "os.popen", "os.posix_spawn", "os.posix_spawnp"}
)
#: Functions that open a file (AIO204).
OPEN_FUNCTIONS = frozenset({"builtins.open", "io.open", "io.open_code"})
_OS_PATH_IO = (
    "exists",
    "lexists",
    "isfile",
    "isdir",
    "islink",
    "ismount",
    "isjunction",
    "getsize",
    "getmtime",
    "getatime",
    "getctime",
    "samefile",
    "realpath",
)
_OS_IO = (
    "listdir",
    "scandir",
    "walk",
    "fwalk",
    "remove",
    "unlink",
    "rename",
    "renames",
    "replace",
    "makedirs",
    "mkdir",
    "rmdir",
    "removedirs",
    "stat",
    "lstat",
)
_SHUTIL_IO = (
    "copy",
    "copy2",
    "copyfile",
    "copyfileobj",
    "copymode",
    "copystat",
    "copytree",
    "move",
    "rmtree",
    "make_archive",
    "unpack_archive",
)
#: File-system calls that wait for the disk (AIO204): metadata, listing,
#: creating, moving and removing. Path arithmetic (`os.path.join`, `basename`,
#: `splitext`, `normpath`, `abspath`) touches no disk and is not here.
FILE_SYSTEM_FUNCTIONS: frozenset[str] = frozenset(
    {f"os.path.{name}" for name in _OS_PATH_IO}
    | {f"os.{name}" for name in _OS_IO}
    | {f"shutil.{name}" for name in _SHUTIL_IO}
)
#: `pathlib.Path` methods that wait for the disk without reading or writing a
#: file's content (AIO204; `read_text` and friends are its file I/O).
PATH_FILE_SYSTEM_METHODS = frozenset(
    {
        "exists",
        "is_file",
        "is_dir",
        "is_symlink",
        "is_mount",
        "is_block_device",
        "is_char_device",
        "is_fifo",
        "is_socket",
        "stat",
        "lstat",
        "owner",
        "group",
        "samefile",
        "readlink",
        "chmod",
        "mkdir",
        "touch",
        "unlink",
        "rmdir",
        "rename",
        "replace",
        "symlink_to",
        "hardlink_to",
        "iterdir",
        "glob",
        "rglob",
        "resolve",
    }
)
#: Blocking database connects -> the async driver to use instead (AIO205).
DRIVER_CONNECTS: dict[str, str] = {
    "psycopg2.connect": "`asyncpg` or `await psycopg.AsyncConnection.connect(...)`",
    "psycopg.connect": "`await psycopg.AsyncConnection.connect(...)` or `asyncpg`",
    "psycopg.Connection.connect": "`await psycopg.AsyncConnection.connect(...)` or `asyncpg`",
    "sqlite3.connect": "`aiosqlite`",
    "pymysql.connect": "`aiomysql` or `asyncmy`",
    "pymysql.Connect": "`aiomysql` or `asyncmy`",
    "MySQLdb.connect": "`aiomysql` or `asyncmy`",
    "MySQLdb.Connect": "`aiomysql` or `asyncmy`",
}
#: Sync `Session` methods that talk to the database (AIO205).
SESSION_IO_METHODS = frozenset(
    {
        "close",
        "commit",
        "connection",
        "delete",
        "exec",
        "execute",
        "flush",
        "get",
        "get_one",
        "merge",
        "query",
        "refresh",
        "rollback",
        "scalar",
        "scalars",
    }
)
#: Sync `Engine` methods that check out a connection (AIO205).
ENGINE_METHODS = frozenset({"begin", "connect"})
#: A call of one of these, made in a sync function, blocks its caller: the
#: name -> the rule that flags it in async code (AIO206's summaries).
BLOCKING_CALLS: dict[str, str] = {
    **dict.fromkeys(SLEEP_FUNCTIONS, "AIO201"),
    **dict.fromkeys(HTTP_FUNCTIONS, "AIO202"),
    **dict.fromkeys(
        SUBPROCESS_FUNCTIONS - NON_WAITING - {f"os.{name}" for name in SPAWN}, "AIO203"
    ),
    **dict.fromkeys(OPEN_FUNCTIONS | FILE_SYSTEM_FUNCTIONS, "AIO204"),
    **dict.fromkeys(DRIVER_CONNECTS, "AIO205"),
}
#: Calls that run a function off the event loop: a call passed to them is not
#: a call made in async code (they take the function, not its result).
OFFLOADERS = frozenset(
    {
        "asyncio.to_thread",
        "anyio.to_thread.run_sync",
        "starlette.concurrency.run_in_threadpool",
        "fastapi.concurrency.run_in_threadpool",
        "asgiref.sync.sync_to_async",
        "asyncer.asyncify",
    }
)

# --- long-lived resources (AIO303) ---------------------------------------------
_ENGINE = "an engine and its connection pool"
_POOL = "a connection pool"
_HTTP = "an HTTP client and its connection pool"
_REDIS = "a Redis client and its connection pool"

#: Constructors of long-lived resources, by qualified name: (shown as, what they
#: create). A project function returning a new one is a factory of it.
RESOURCES: dict[str, tuple[str, str]] = {
    "sqlalchemy.create_engine": ("create_engine", _ENGINE),
    "sqlalchemy.engine.create_engine": ("create_engine", _ENGINE),
    "sqlalchemy.ext.asyncio.create_async_engine": ("create_async_engine", _ENGINE),
    "sqlalchemy.ext.asyncio.engine.create_async_engine": ("create_async_engine", _ENGINE),
    "asyncpg.create_pool": ("asyncpg.create_pool", _POOL),
    "asyncpg.pool.create_pool": ("asyncpg.create_pool", _POOL),
    "aiohttp.ClientSession": ("aiohttp.ClientSession", _HTTP),
    "aiohttp.client.ClientSession": ("aiohttp.ClientSession", _HTTP),
    "httpx.AsyncClient": ("httpx.AsyncClient", _HTTP),
    "httpx.Client": ("httpx.Client", _HTTP),
    "httpx2.AsyncClient": ("httpx2.AsyncClient", _HTTP),
    "httpx2.Client": ("httpx2.Client", _HTTP),
    "redis.asyncio.Redis": ("Redis", _REDIS),
    "redis.asyncio.StrictRedis": ("StrictRedis", _REDIS),
    "redis.asyncio.client.Redis": ("Redis", _REDIS),
    "redis.asyncio.client.StrictRedis": ("StrictRedis", _REDIS),
    "redis.asyncio.from_url": ("redis.asyncio.from_url", _REDIS),
    "redis.asyncio.utils.from_url": ("redis.asyncio.from_url", _REDIS),
    "redis.asyncio.Redis.from_url": ("Redis.from_url", _REDIS),
    "redis.asyncio.client.Redis.from_url": ("Redis.from_url", _REDIS),
}
#: Decorators that make a function return the same object on every call (by
#: last name: `functools.lru_cache`, `cache`, `async_lru.alru_cache`, ...).
CACHE_DECORATORS = frozenset({"lru_cache", "cache", "cached", "alru_cache", "cached_property"})

# --- pooled resources (AIO106) ---------------------------------------------------
#: Async HTTP clients whose requests share one connection pool: the class -> as shown.
POOLED_HTTP_CLIENTS: dict[str, str] = {
    "httpx.AsyncClient": "httpx.AsyncClient",
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
}
#: Session factories whose every call checks a connection out of the engine's pool.
POOLED_FACTORIES = frozenset({"sessionmaker", "async_sessionmaker"})
#: Engine kinds whose `connect()` / `begin()` check a connection out.
POOLED_ENGINES = frozenset({"Engine", "AsyncEngine"})
#: Calls whose keywords configure a pool (module-level, recorded by the project scan).
POOL_CONFIGURED = frozenset(
    {"create_engine", "create_async_engine", "sessionmaker", "async_sessionmaker"}
)
#: Pools that never make a caller wait for a connection (`poolclass=`).
UNBOUNDED_POOLS = frozenset({"NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool"})
#: Classes whose `async with x:` (or `await x.acquire()`) bounds the concurrency.
LIMITERS = frozenset(
    {
        "asyncio.Semaphore",
        "asyncio.BoundedSemaphore",
        "asyncio.locks.Semaphore",
        "asyncio.locks.BoundedSemaphore",
        "asyncio.Lock",
        "asyncio.locks.Lock",
        "anyio.CapacityLimiter",
        "anyio.Semaphore",
        "anyio.Lock",
        "trio.CapacityLimiter",
        "trio.Semaphore",
        "trio.Lock",
    }
)

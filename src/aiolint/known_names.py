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

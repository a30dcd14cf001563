"""aiolint: a linter for async Python backends (asyncio, FastAPI, SQLAlchemy 2.0)."""

#: The package version (pyproject.toml reads it from here): a literal, so
#: `aiolint --version` and the cache key need no `importlib.metadata`.
__version__ = "0.1.0"

__all__ = ["__version__"]

"""aiolint: a linter for async Python backends (asyncio, FastAPI, SQLAlchemy 2.0)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("aiolint")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]

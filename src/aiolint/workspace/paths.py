"""Path strings spelled as `pathlib` spells them, without importing it.

A run served from the cache works on `str` paths: importing `pathlib` (and
the `urllib.parse` it pulls in) costs about 5 ms of CPU, a tenth of such a
run. `Path` objects are made where the engine or an option that reads files
needs them (`aiolint.cli.worker` takes a `Path`). On Windows, whose paths have
drives and two separators, these functions ask `pathlib` itself.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    #: What functions taking a path accept: a `str` or a `Path`.
    StrPath: TypeAlias = str | os.PathLike[str]

_WINDOWS = os.name == "nt"


def normalized(path: str) -> str:
    """`str(Path(path))`: repeated separators and `.` parts dropped, `..` kept
    (it may follow a symlink), no trailing separator, `.` for an empty path."""
    if _WINDOWS:  # pragma: no cover
        from pathlib import PureWindowsPath

        return str(PureWindowsPath(path))
    root = ""
    if path.startswith("/"):
        # POSIX keeps exactly two leading slashes (they may mean something else)
        root = "//" if path.startswith("//") and not path.startswith("///") else "/"
    parts = [part for part in path.split("/") if part and part != "."]
    return root + "/".join(parts) if root or parts else "."


def absolute(path: str) -> str:
    """`str(Path(path).absolute())`: a relative path joined to the working folder,
    without resolving `..` or symlinks."""
    if _WINDOWS:  # pragma: no cover
        from pathlib import Path

        return str(Path(path).absolute())
    path = normalized(path)
    return path if path.startswith("/") else normalized(os.path.join(os.getcwd(), path))


def expanduser(path: str) -> str:
    """`str(Path(path).expanduser())` (a home folder that cannot be found
    leaves `~` as it is, where `pathlib` raises RuntimeError)."""
    return normalized(os.path.expanduser(normalized(path)))


def relative_posix(path: str, base: str) -> str | None:
    """`path` relative to `base` (both absolute and normalized) with `/`, as
    `Path(path).relative_to(base).as_posix()` answers it; None when outside."""
    folded, base = os.path.normcase(path), os.path.normcase(base)
    if folded == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not folded.startswith(prefix):
        return None
    rest = path[len(prefix) :]
    return rest.replace(os.sep, "/") if _WINDOWS else rest


def as_posix(path: str) -> str:
    """`Path(path).as_posix()` of a normalized path."""
    return path.replace(os.sep, "/") if _WINDOWS else path

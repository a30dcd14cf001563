"""Write fixed files safely and render unified diffs."""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
import time
from pathlib import Path

#: Temporary files are `.<name>.<pid>.<random>.aiolint` beside the file: never
#: a Python file name, so never discovered as source.
TEMP_SUFFIX = ".aiolint"


class ChangedOnDiskError(OSError):
    """The file changed between reading and writing it."""


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files of `target` that a killed aiolint left (their
    process is gone); a running process's file is left alone. Never raises."""
    removed: list[Path] = []
    prefix = _temporary_prefix(target)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
            continue
        pid_text = name[len(prefix) :].split(".", 1)[0]
        if pid_text.isdigit() and _running(int(pid_text)) and not _older_than_a_day(entry):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _older_than_a_day(entry: os.DirEntry[str]) -> bool:
    """A process id can be reused: a day-old temporary file is stale anyway."""
    try:
        return time.time() - entry.stat().st_mtime > 24 * 3600
    except OSError:
        return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or cannot tell: keep the file
    return True


def write_atomic(path: Path, original: bytes, fixed: bytes) -> None:
    """Replace `path`'s content with `fixed` (FIXES.md "Bytes on disk").

    Follows a symlink to its target; writes a temporary file in the target's
    folder, fsyncs it, keeps the permission bits and renames it over the target;
    refuses when the file no longer holds `original`.
    """
    target = Path(os.path.realpath(path))
    if target.read_bytes() != original:
        raise ChangedOnDiskError(f"{path} changed on disk since it was read; not written")
    mode = stat.S_IMODE(target.stat().st_mode)
    remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f"{_temporary_prefix(target)}{os.getpid()}.", suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(fixed)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def unified_diff(path: str, before: str, after: str) -> str:
    """A `diff -u` of one file (`--- a` / `+++ b` headers, as ruff prints them)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)

"""Write fixed files safely and render unified diffs."""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from pathlib import Path


class ChangedOnDiskError(OSError):
    """The file changed between reading and writing it."""


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
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".aiolint")
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
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)

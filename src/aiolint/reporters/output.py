"""Where a report goes: stdout, or the file `--output-file` names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


class OutputFileError(OSError):
    """`--output-file` cannot be created or written."""


@contextmanager
def report_stream(path: Path | None, default: TextIO) -> Iterator[TextIO]:
    """`default` when `path` is None, else `path` opened for writing (created or
    overwritten, missing parent folders created), UTF-8 with `\\n` line ends."""
    if path is None:
        yield default
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None
    with handle:
        yield handle

"""Where a report goes: stdout, or the file `--output-file` names."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


class OutputFileError(OSError):
    """`--output-file` cannot be created or written."""


@contextmanager
def report_stream(path: str | None, default: TextIO) -> Iterator[TextIO]:
    """`default` when `path` is None, else `path` opened for writing (created or
    overwritten, missing parent folders created), UTF-8 with `\\n` line ends."""
    if path is None:
        yield default
        return
    try:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        handle = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None
    with handle:
        yield handle

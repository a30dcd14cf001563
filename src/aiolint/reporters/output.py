"""Where a report goes: stdout, or the file `--output-file` names.

A report is rendered whole before any of it is written, then made valid text
(`valid_text`: a file name that is not UTF-8 shows U+FFFD for each byte that
does not decode, as ruff shows it). The output file is written to a temporary
file beside it and renamed over it, so a report that fails to render or to
write leaves the previous file (or none), never part of a report."""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

#: What Python holds a byte that does not decode as (a file name read with
#: `surrogateescape`): a surrogate, which no UTF-8 text may hold.
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


class OutputFileError(OSError):
    """`--output-file` cannot be created or written."""


def valid_text(text: str) -> str:
    """`text` with each surrogate (an undecodable byte of a file name, or of the
    working folder's path) replaced by U+FFFD, so that it encodes as UTF-8."""
    return _SURROGATE.sub(REPLACEMENT, text)


class _Report(io.StringIO):
    """The report being rendered; a terminal when its destination is one
    (`--color auto` asks)."""

    def __init__(self, terminal: bool) -> None:
        super().__init__(newline="\n")
        self._terminal = terminal

    def isatty(self) -> bool:
        return self._terminal


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _names_terminal(path: str) -> bool:
    """Whether `path` is a terminal (`-o /dev/tty`): only a character device is opened."""
    try:
        if not stat.S_ISCHR(os.stat(path).st_mode):
            return False
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.isatty(fd)
    finally:
        os.close(fd)


@contextmanager
def report_stream(path: str | None, default: TextIO) -> Iterator[TextIO]:
    """A stream to render the report into. Once it is whole, it goes to
    `default` when `path` is None, else to `path` (created or overwritten,
    missing parent folders created), UTF-8 with `\\n` line ends. Nothing is
    written if rendering raises."""
    report = _Report(_is_terminal(default) if path is None else _names_terminal(path))
    yield report
    text = valid_text(report.getvalue())
    if path is None:
        default.write(text)
        return
    try:
        write_report(path, text.encode("utf-8"))
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_report(path: str, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: through a temporary file in
    the same folder renamed over it (its permissions the umask's, as a new
    file's, or the overwritten file's). A path naming something other than a
    regular file (`/dev/stdout`) is written in place, and a symlink is written
    through, as before."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    if os.path.exists(target) and not os.path.isfile(target):
        with open(target, "wb") as handle:
            handle.write(data)
        return
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None  # a new file
    tmp = os.path.join(folder, f".aiolint-report-{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:  # an overwritten report keeps its permissions
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

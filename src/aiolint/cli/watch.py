"""`aiolint check --watch`: check, then check again whenever a Python file or a
file that configures the check changes, until Ctrl-C ends it with exit 0 (ruff's
`check --watch`: the screen is cleared before each report).

The changes come from watchfiles: the operating system's file events (inotify,
FSEvents, ReadDirectoryChangesW through Rust's notify, the crate ruff's watch
uses), so an idle watch costs nothing however large the tree, where polling
would stat every file several times a second. Imported only by `--watch`."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable

from watchfiles import Change, DefaultFilter
from watchfiles import watch as watch_changes

from aiolint.workspace.cache import DEFAULT_CACHE_DIR
from aiolint.workspace.config import SETTINGS_FILES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

#: What ruff writes to clear the terminal (cursor home, erase the screen and
#: the scrollback).
CLEAR = "\x1b[H\x1b[2J\x1b[3J"
SOURCE_SUFFIXES = (".py", ".pyi")
#: Files whose change can change a check's result besides the sources: the
#: configuration, what excludes files, and the dependency declarations the
#: library versions are read from (`workspace.declared`).
CONFIG_NAMES = frozenset((*SETTINGS_FILES, ".gitignore", "setup.cfg", "Pipfile"))
#: How long the watcher waits for a change before it reports none (the first
#: such report starts the first check).
IDLE_MS = 200
_REQUIREMENTS = re.compile(r"^requirements.*\.(?:txt|in)$", re.IGNORECASE)


class CheckedFiles(DefaultFilter):
    """The changes that call for a new check: Python sources and the files in
    `CONFIG_NAMES`, outside the folders watchfiles always leaves out (`.git`,
    `.venv`, `__pycache__`, `node_modules`...) and outside the result caches
    (`ignore_paths`, and every `.aiolint_cache`): a check writes there (the
    cache's `.gitignore`), which must not start the next one."""

    ignore_dirs = (*DefaultFilter.ignore_dirs, DEFAULT_CACHE_DIR)

    def __call__(self, change: Change, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        name = os.path.basename(path)
        if name.endswith(SOURCE_SUFFIXES) or name in CONFIG_NAMES:
            return True
        return _REQUIREMENTS.match(name) is not None


def watched_folders(paths: Iterable[str], config_files: Iterable[str | None]) -> list[str]:
    """The folders to watch: each checked folder, the folder of each checked
    file (an editor saves by replacing the file, which a watch on the file
    itself would lose), and the folders of the configuration files in use."""
    folders: list[str] = []
    for path in [*paths, *(f for f in config_files if f is not None)]:
        folder = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
        if os.path.isdir(folder) and folder not in folders:
            folders.append(folder)
    return folders


def _banner(out: TextIO, message: str, *, clear: bool) -> None:
    out.write(f"{CLEAR if clear else ''}[{time.strftime('%H:%M:%S')}] {message}\n\n")
    out.flush()


def watch(
    check: Callable[[], object], folders: list[str], out: TextIO, *, ignore: Iterable[str] = ()
) -> int:
    """Run `check`, then again after each batch of changes under `folders`;
    Ctrl-C (SIGINT) ends the watch: exit 0; nothing under the folders `ignore`
    counts (the cache folder). The watcher starts before the first
    check (as ruff's), so a change made while a check runs is not lost: the
    generator's first, empty, batch (`yield_on_timeout`) says it is running."""
    started = False
    try:
        for changes in watch_changes(
            *folders,
            watch_filter=CheckedFiles(ignore_paths=list(ignore)),
            yield_on_timeout=True,
            rust_timeout=IDLE_MS,
        ):
            if started and not changes:
                continue
            _banner(
                out,
                "File change detected..." if started else "Starting linter in watch mode...",
                clear=True,
            )
            started = True
            check()
            _banner(out, "Watching for file changes.", clear=False)
    except KeyboardInterrupt:
        pass
    return 0

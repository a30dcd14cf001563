"""Where the result cache lives, whether a run uses it, and `aiolint clean`.

The folder is chosen as ruff chooses its own: `--cache-dir`, else the
`AIOLINT_CACHE_DIR` environment variable, else `cache-dir` in the
configuration (relative to its file's folder), else `.aiolint_cache` in the
project root (the folder of the configuration holding aiolint settings, else
the working folder). `--no-cache` or `AIOLINT_NO_CACHE=1` turn it off.

aiolint only ever marks and removes a folder it made: one whose `CACHEDIR.TAG`
is the tag aiolint writes (`aiolint.workspace.cache.is_cache_dir`). A configured folder
that does not exist yet is made (and tagged) as the cache; one that exists
without aiolint's tag (`cache-dir = "."`, `/tmp`, a folder of the user's), or
that holds the project or the working folder, is left as it is and the cache
goes in its own `.aiolint_cache` subfolder. `aiolint clean` removes only
folders carrying aiolint's tag, never one holding the working folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping

from aiolint.workspace.cache import DEFAULT_CACHE_DIR, ENV_CACHE_DIR, ENV_NO_CACHE, is_cache_dir
from aiolint.workspace.config import DEFAULT_EXCLUDE, Config
from aiolint.workspace.paths import absolute, expanduser, relative_posix

_FALSE = frozenset({"", "0", "false", "no", "off"})


def cache_root(flag: str | None, config: Config, environ: Mapping[str, str] = os.environ) -> str:
    """The cache folder: where `--cache-dir` > `AIOLINT_CACHE_DIR` > `cache-dir`
    > the default point, or its `.aiolint_cache` subfolder when that place is
    not aiolint's to mark (see the module doc)."""
    project = config.root if config.has_settings else os.getcwd()
    if flag is not None:
        location = absolute(expanduser(flag))
    elif environ.get(ENV_CACHE_DIR, ""):
        location = absolute(expanduser(environ[ENV_CACHE_DIR]))
    elif config.cache_dir is not None:
        location = config.cache_dir
    else:
        location = os.path.join(project, DEFAULT_CACHE_DIR)
    if _holds(location, (project, os.getcwd())):
        return os.path.join(location, DEFAULT_CACHE_DIR)
    if os.path.lexists(location) and not is_cache_dir(location):
        return os.path.join(location, DEFAULT_CACHE_DIR)
    return location


def _holds(folder: str, paths: Iterable[str]) -> bool:
    """Whether `folder` is one of `paths` or a folder above one (as they resolve)."""
    resolved = os.path.realpath(folder)
    return any(relative_posix(os.path.realpath(path), resolved) is not None for path in paths)


def cache_disabled(no_cache: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """`--no-cache`, or `AIOLINT_NO_CACHE` set to anything but 0/false/no/off."""
    return no_cache or environ.get(ENV_NO_CACHE, "").strip().lower() not in _FALSE


def _found_below(folder: str) -> Iterator[str]:
    """`.aiolint_cache` folders under `folder` (not under excluded folders)."""
    skip = set(DEFAULT_EXCLUDE)
    for dirpath, dirnames, _ in os.walk(folder):
        if DEFAULT_CACHE_DIR in dirnames:
            yield os.path.join(dirpath, DEFAULT_CACHE_DIR)
        dirnames[:] = sorted(d for d in dirnames if d not in skip and d != DEFAULT_CACHE_DIR)


def _shown(path: str) -> str:
    shown = relative_posix(path, os.getcwd())
    return path if shown is None else shown


def clean(configured: str, out: list[str], errors: list[str]) -> None:
    """Remove the configured cache folder and every `.aiolint_cache` below the
    working folder, as `ruff clean` does; `out` gets a line per folder removed,
    `errors` one per folder refused (it lacks aiolint's CACHEDIR.TAG, or holds
    the working folder)."""
    import shutil  # here: a check, which imports this module too, never removes

    candidates = [configured, *_found_below(os.getcwd())]
    seen: set[str] = set()
    for path in candidates:
        key = os.path.realpath(path)
        if key in seen or not os.path.isdir(path):
            continue
        seen.add(key)
        if not is_cache_dir(path):
            errors.append(f"{_shown(path)} has no aiolint cache's CACHEDIR.TAG; not removed")
            continue
        if _holds(path, [os.getcwd()]):
            errors.append(f"{_shown(path)} holds the working folder; not removed")
            continue
        out.append(f"Removing cache at: {_shown(path)}")
        shutil.rmtree(path, ignore_errors=True)

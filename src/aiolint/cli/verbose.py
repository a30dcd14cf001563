"""`-v/--verbose`: what a check run used and how long it took, on stderr
(ruff's `-v`): the configuration of the checked paths and of each file, the
`--config` overrides, the files found, the cache, and the timings.

Imported only by a verbose run."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from aiolint.cli.runner import RunResult, display_path, files_to_check
from aiolint.workspace.config import Config
from aiolint.workspace.hierarchy import ConfigResolver

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

PREFIX = "aiolint: debug: "


def _configuration(config: Config) -> str:
    return config.source if config.source is not None else "default settings"


class Verbose:
    """The lines of one verbose check run."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._started = time.perf_counter()

    def log(self, message: str) -> None:
        self._stream.write(f"{PREFIX}{message}\n")

    def settings(self, config: Config, *, isolated: bool, overrides: Sequence[str]) -> None:
        """The configuration the checked paths start from."""
        if isolated:
            self.log("Ignoring configuration files (--isolated)")
        else:
            self.log(f"Using configuration: {_configuration(config)}")
        for override in overrides:
            self.log(f"Override (--config): {override}")

    def files(
        self,
        paths: Sequence[str],
        config: Config,
        resolver: ConfigResolver,
        *,
        force_exclude: bool,
    ) -> None:
        """The files a run checks, each with its configuration file, and how
        long finding them took."""
        started = time.perf_counter()
        found = files_to_check(paths, config, force_exclude=force_exclude, resolver=resolver)
        self.log(f"Identified {_files(len(found))} to lint in: {_millis(started)}")
        cwd = os.getcwd()
        for path in found:
            own = resolver.for_path(path, is_file=True)
            self.log(f"Checking: {display_path(path, cwd)} (configuration: {_configuration(own)})")

    def done(self, result: RunResult, jobs: int) -> None:
        self.log(
            f"Checked {_files(result.files_checked)} in: {_millis(self._started)} "
            f"({result.cached} answered by the cache, at most {jobs} worker processes)"
        )


def _millis(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.1f}ms"


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"

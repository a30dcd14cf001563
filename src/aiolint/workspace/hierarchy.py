"""Which configuration each file is checked with, as ruff resolves it.

Every file uses the closest file with aiolint settings: an `aiolint.toml`, or
a `pyproject.toml` with a `[tool.aiolint]` table, in its own folder or the
nearest folder above (`extend` inheritance is `config.load_config`'s). A file
with none above it uses the defaults. An explicit `--config FILE` applies to
every file; `--isolated` reads no configuration file at all. The inline
`--config KEY = VALUE` overrides and the command-line flags are applied over
every configuration (the `adjust` callable).

The target Python of a file is its configuration's `target-version`, else
what the nearest `pyproject.toml` at or above the file declares
(`requires-python`, else `[tool.ruff] target-version`; see
`config.declared_target`), else 3.11. So a monorepo's `backend/` declaring
`requires-python = ">=3.10"` is checked for 3.10 from any working folder.

A resolver reads each folder and each configuration file once; make a new one
to see edits (the language server makes one per document).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from aiolint.workspace.config import Config, load_config, pyproject_target
from aiolint.workspace.config import settings_file_in as _settings_file_in

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aiolint.workspace.paths import StrPath

__all__ = ["ConfigResolver"]


def _unchanged(config: Config) -> Config:
    return config


class ConfigResolver:
    """The configuration of each checked file (see the module doc)."""

    __slots__ = (
        "_adjust",
        "_by_folder",
        "_default",
        "_fixed",
        "_isolated",
        "_loaded",
        "_settings",
        "_targeted",
        "_targets",
    )

    def __init__(
        self,
        adjust: Callable[[Config], Config] = _unchanged,
        *,
        config_file: str | None = None,
        isolated: bool = False,
        fixed: Config | None = None,
        cwd: str | None = None,
    ) -> None:
        self._adjust = adjust
        self._default = adjust(Config(root=cwd if cwd is not None else os.getcwd()))
        if fixed is not None:
            self._fixed: Config | None = adjust(fixed)
        elif config_file is not None:
            self._fixed = adjust(load_config(config_file))
        else:
            self._fixed = self._default if isolated else None
        self._isolated = isolated
        self._by_folder: dict[str, Config] = {}
        self._loaded: dict[str, Config] = {}
        self._settings: dict[str, str | None] = {}
        self._targets: dict[str, tuple[int, int] | None] = {}
        #: (id of a configuration, target) -> (it, it with that target).
        self._targeted: dict[tuple[int, tuple[int, int] | None], tuple[Config, Config]] = {}

    @classmethod
    def fixed(cls, config: Config) -> ConfigResolver:
        """One configuration for every file (as `--config FILE`); the target
        Python still comes from each file's nearest pyproject.toml when
        `config` sets none."""
        return cls(fixed=config, cwd=config.root)

    def for_path(self, path: StrPath, *, is_file: bool = False) -> Config:
        """The configuration `path` (a file, or a folder) is checked with
        (`is_file`: the caller knows `path` is a file, as found by a walk)."""
        if is_file:
            given = os.path.dirname(os.fspath(path)) or "."
            config = self._by_folder.get(given)
            if config is None:
                config = self._by_folder[given] = self.for_path(given)
            return config
        resolved = os.path.realpath(path)
        return self.for_folder(resolved if os.path.isdir(resolved) else os.path.dirname(resolved))

    def for_folder(self, folder: str) -> Config:
        """The configuration of the files in `folder`, a folder as it resolves
        (as a walk knows it: no `realpath` of it again)."""
        config = self._by_folder.get(folder)
        if config is None:
            config = self._by_folder[folder] = self._resolve(folder)
        return config

    def _resolve(self, folder: str) -> Config:
        if self._isolated:
            assert self._fixed is not None
            return self._fixed
        config = self._fixed
        if config is None:
            found = self._settings_file(folder)
            config = self._load(found) if found is not None else self._default
        target = self._declared_target(folder)
        if target != config.requires_python_target:
            key = (id(config), target)
            targeted = self._targeted.get(key)
            if targeted is None:  # one object per configuration and target
                targeted = self._targeted[key] = (
                    config,
                    config.replace(requires_python_target=target),
                )
            config = targeted[1]
        return config

    def _load(self, path: str) -> Config:
        config = self._loaded.get(path)
        if config is None:
            config = self._loaded[path] = self._adjust(load_config(path))
        return config

    def _settings_file(self, folder: str) -> str | None:
        """The nearest file with aiolint settings at or above `folder`."""
        if folder in self._settings:
            return self._settings[folder]
        found = _settings_file_in(folder)
        if found is None:
            parent = os.path.dirname(folder)
            found = None if parent == folder else self._settings_file(parent)
        self._settings[folder] = found
        return found

    def _declared_target(self, folder: str) -> tuple[int, int] | None:
        """What the nearest pyproject.toml at or above `folder` declares."""
        if folder in self._targets:
            return self._targets[folder]
        candidate = os.path.join(folder, "pyproject.toml")
        target: tuple[int, int] | None
        if os.path.isfile(candidate):
            target = pyproject_target(candidate)
        else:
            parent = os.path.dirname(folder)
            target = None if parent == folder else self._declared_target(parent)
        self._targets[folder] = target
        return target

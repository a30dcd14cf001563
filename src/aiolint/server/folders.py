"""The settings each workspace folder's documents are checked with.

The client's `initializationOptions` apply everywhere; a client that answers
`workspace/configuration` is asked for the `aiolint` section of each workspace
folder (at `initialized`, after `didChangeConfiguration` and when folders are
added), and the keys it sets there win over the initialization options for the
documents in that folder (the innermost folder holding the document). A
folder's `configPath` is relative to that folder. Standard library only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from aiolint.server.settings import Settings, layered, section_of


class FolderSettings:
    """The initialization options, and each folder's pulled settings."""

    __slots__ = ("_folders", "_initial", "_settings")

    def __init__(self) -> None:
        self._initial: dict[str, object] = {}
        #: folder path -> the keys its workspace/configuration answer set
        self._folders: dict[str, dict[str, object]] = {}
        #: folder path ("" for none) -> the settings in force there
        self._settings: dict[str, Settings] = {"": Settings()}

    def set_initial(self, raw: object) -> None:
        """Take the initialization options (or a pushed `didChangeConfiguration`);
        raises SettingsError, the previous settings kept."""
        initial = section_of(raw)
        settings = {"": layered(initial)}
        for folder, keys in self._folders.items():
            settings[folder] = layered(initial, keys)
        self._initial, self._settings = initial, settings

    def set_folder(self, folder: str, raw: object) -> None:
        """Take one folder's `workspace/configuration` answer (the `aiolint`
        section: its keys, or null for none); raises SettingsError."""
        keys = section_of({"aiolint": raw} if isinstance(raw, Mapping) or raw is None else raw)
        settings = layered(self._initial, keys)
        self._folders[_normal(folder)] = keys
        self._settings[_normal(folder)] = settings

    def keep_only(self, folders: Iterable[str]) -> None:
        """Forget the folders no longer in the workspace."""
        kept = {_normal(folder) for folder in folders}
        for folder in list(self._folders):
            if folder not in kept:
                del self._folders[folder]
                del self._settings[folder]

    def state(self) -> dict[str, Settings]:
        """The settings in force, by folder, to tell whether a change changed
        them: a folder whose settings are those its documents would have
        without it (and no `configPath` relative to it) is left out."""
        kept: dict[str, Settings] = {"": self._settings[""]}
        for folder in sorted(self._folders, key=len):  # enclosing folders first
            settings = self._settings[folder]
            enclosing = [f for f in kept if f and _inside(folder, f)]
            around = kept[max(enclosing, key=len)] if enclosing else kept[""]
            if settings != around or settings.config_path is not None:
                kept[folder] = settings
        return kept

    def for_path(self, path: str | None, root: str | None) -> tuple[Settings, str | None]:
        """The settings for the document at `path`, and the folder its
        `configPath` is relative to (`root` outside every folder)."""
        if path is not None:
            candidate = _normal(path)
            holding = [folder for folder in self._folders if _inside(candidate, folder)]
            if holding:
                folder = max(holding, key=len)
                return self._settings[folder], folder
        return self._settings[""], root


def _inside(path: str, folder: str) -> bool:
    """`path` is `folder` or inside it (both normalized)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _normal(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))

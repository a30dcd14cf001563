"""`workspace/didChangeWatchedFiles`: the files whose change outside the editor
(a `git checkout`, a formatter, a code generator) changes what open documents
are checked against.

Python modules make up the project model (a `db.py` that defines
`SessionLocal` decides AIO301 in the modules importing it); `aiolint.toml`,
`pyproject.toml` and the ignore files decide the configuration and which
modules the model reads. A client that can register file watchers
dynamically is asked to watch them after `initialized`; a change rebuilds the
project model (module records whose bytes did not change are reused from the
cache: `aiolint.project.build`) and re-checks the open documents.
"""

from __future__ import annotations

from lsprotocol import types

#: The glob patterns watched (LSP glob syntax, relative to every workspace folder).
WATCHED = (
    "**/*.py",
    "**/*.pyi",
    "**/pyproject.toml",
    "**/aiolint.toml",
    "**/.gitignore",
    "**/.git/info/exclude",
)
REGISTRATION_ID = "aiolint-watched-files"


def watches(capabilities: types.ClientCapabilities) -> bool:
    """Whether the client registers file watchers the server asks for."""
    workspace = capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    return bool(watched is not None and watched.dynamic_registration)


def registration() -> types.RegistrationParams:
    """The request registering the watchers (all kinds of change)."""
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
    )
    return types.RegistrationParams(
        registrations=[
            types.Registration(
                id=REGISTRATION_ID,
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
        ]
    )

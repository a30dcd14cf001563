"""`aiolint server` and the workspace, over stdio with pytest-lsp's client: pull
diagnostics (`textDocument/diagnostic`) for a client that asks for them, the
settings of each workspace folder (`workspace/configuration`), and a module
changed outside the editor (`git checkout`, `workspace/didChangeWatchedFiles`)."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsp_client import (
    SERVER_COMMAND,
    change_document,
    diagnostics,
    initialize_params,
    make_client,
    open_document,
    published,
    until,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio

SLEEP = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
JOBS = "from app.db import SessionLocal\n\nsession = SessionLocal()\n"
DB_SYNC = "from sqlalchemy.orm import sessionmaker\n\nSessionLocal = sessionmaker()\n"
#: db.py on the branch where the database layer is not SQLAlchemy's.
DB_PLAIN = "from app.store import Store\n\nSessionLocal = Store\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def service(root: Path) -> Path:
    """A git work tree with `app/db.py` (a sync sessionmaker on `main`, another
    on branch `plain-db`) and `app/jobs.py` using it; jobs.py."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "db.py").write_text(DB_SYNC)
    (root / "app" / "jobs.py").write_text(JOBS)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "sync")
    _git(root, "checkout", "-q", "-b", "plain-db")
    (root / "app" / "db.py").write_text(DB_PLAIN)
    _git(root, "commit", "-q", "-am", "plain")
    _git(root, "checkout", "-q", "main")
    return root / "app" / "jobs.py"


def pull_capabilities(params: types.InitializeParams) -> types.InitializeParams:
    """A client of the pull model (as VS Code is): it asks for diagnostics and
    takes `workspace/diagnostic/refresh`."""
    capabilities = params.capabilities
    assert capabilities.text_document is not None and capabilities.workspace is not None
    capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False, related_document_support=False
    )
    capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
        refresh_support=True
    )
    return params


CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client)


@pytest_lsp.fixture(config=CONFIG)
async def push_client(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(initialize_params(tmp_path / "svc"))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def pull_client(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    lsp_client.diagnostic_refresh_count = 0
    await lsp_client.initialize_session(pull_capabilities(initialize_params(tmp_path / "svc")))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def folders_client(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    """Two workspace folders, `strict/` and `relaxed/` (AIO201 ignored there by
    the client's settings for that folder)."""
    strict, relaxed = tmp_path / "strict", tmp_path / "relaxed"
    for folder in (strict, relaxed):
        folder.mkdir()
        (folder / "pyproject.toml").write_text(f'[project]\nname = "{folder.name}"\n')
    lsp_client.set_configuration(
        {"ignore": ["AIO201"]}, section="aiolint", scope_uri=relaxed.as_uri()
    )
    params = initialize_params(strict)
    params.workspace_folders = [
        types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name) for folder in (strict, relaxed)
    ]
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def watched_changed(client: LanguageClient, *paths: Path) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Changed)
                for path in paths
            ]
        )
    )


async def test_a_checkout_outside_the_editor_rechecks_open_documents(
    push_client: LanguageClient, tmp_path: Path
) -> None:
    """The server asks the client to watch the project's files; `git checkout`
    of a branch where `db.py` makes no sessionmaker, reported as a watched
    change, rebuilds the project model: the open jobs.py loses AIO302."""
    client = push_client
    registered = await until(lambda: client.registrations or None)  # type: ignore[attr-defined]
    (registration,) = registered
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    patterns = [w["globPattern"] for w in registration.register_options["watchers"]]
    assert "**/*.py" in patterns and "**/pyproject.toml" in patterns
    jobs = service(tmp_path / "svc")
    uri = open_document(client, jobs, jobs.read_text())
    assert [d.code for d in await diagnostics(client, uri, 1)] == ["AIO302"]
    _git(tmp_path / "svc", "checkout", "-q", "plain-db")
    watched_changed(client, tmp_path / "svc" / "app" / "db.py")
    await until(lambda: len(published(client, uri)) == 2 or None)
    assert list(published(client, uri)[-1].diagnostics) == []
    _git(tmp_path / "svc", "checkout", "-q", "main")
    watched_changed(client, tmp_path / "svc" / "app" / "db.py")
    await until(lambda: len(published(client, uri)) == 3 or None)
    assert [d.code for d in published(client, uri)[-1].diagnostics] == ["AIO302"]


async def _pull(
    client: LanguageClient, uri: str, previous: str | None = None
) -> types.DocumentDiagnosticReport:
    return await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous
        )
    )


async def test_pull_diagnostics(pull_client: LanguageClient, tmp_path: Path) -> None:
    """A client that pulls gets the findings as the answer to
    `textDocument/diagnostic` (unchanged while nothing changed), never pushed;
    a watched change asks it to pull again (`workspace/diagnostic/refresh`)."""
    client = pull_client
    jobs = service(tmp_path / "svc")
    uri = open_document(client, jobs, jobs.read_text())
    first = await _pull(client, uri)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
    assert [d.code for d in first.items] == ["AIO302"]
    assert first.result_id is not None
    again = await _pull(client, uri, first.result_id)
    assert again == types.RelatedUnchangedDocumentDiagnosticReport(result_id=first.result_id)

    change_document(client, uri, JOBS + "\n\nasync def handler():\n    time.sleep(1)\n", 2)
    change_document(
        client, uri, "import time\n" + JOBS + "\n\nasync def h():\n    time.sleep(1)\n", 3
    )
    edited = await _pull(client, uri, first.result_id)
    assert isinstance(edited, types.RelatedFullDocumentDiagnosticReport)
    assert [d.code for d in edited.items] == ["AIO302", "AIO201"]
    assert edited.items[1].range.start.line == 7

    _git(tmp_path / "svc", "checkout", "-q", "plain-db")
    watched_changed(client, tmp_path / "svc" / "app" / "db.py")
    await until(lambda: client.diagnostic_refresh_count or None)
    refreshed = await _pull(client, uri, edited.result_id)
    assert isinstance(refreshed, types.RelatedFullDocumentDiagnosticReport)
    assert [d.code for d in refreshed.items] == ["AIO201"]
    assert published(client, uri) == []  # nothing pushed to a client that pulls


async def test_settings_per_workspace_folder(
    folders_client: LanguageClient, tmp_path: Path
) -> None:
    """Each folder's `aiolint` settings, pulled with `workspace/configuration`,
    apply to its documents over the initialization options; a
    `didChangeConfiguration` without settings pulls them again."""
    client = folders_client
    strict = open_document(client, tmp_path / "strict" / "app.py", SLEEP)
    relaxed = open_document(client, tmp_path / "relaxed" / "app.py", SLEEP)
    assert [d.code for d in await diagnostics(client, strict, 1)] == ["AIO201"]
    assert await diagnostics(client, relaxed, 1) == []

    client.set_configuration(
        {"ignore": []}, section="aiolint", scope_uri=(tmp_path / "relaxed").as_uri()
    )
    client.set_configuration(
        {"ignore": ["AIO201"]}, section="aiolint", scope_uri=(tmp_path / "strict").as_uri()
    )
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await until(lambda: len(published(client, relaxed)) == 2 or None)
    await until(lambda: len(published(client, strict)) == 2 or None)
    assert list(published(client, strict)[-1].diagnostics) == []
    assert [d.code for d in published(client, relaxed)[-1].diagnostics] == ["AIO201"]

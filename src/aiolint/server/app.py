"""`aiolint server`: the language server on stdio (pygls, lsprotocol types).

Diagnostics are published on open, save, a change of settings or of a watched
file (every open document: `watching`) and, debounced, on change
(`DEBOUNCE_SECONDS` after the last edit); close clears them. A client that
pulls diagnostics (`textDocument/diagnostic` in its capabilities) gets them as
the answer to its pull instead, never pushed, and is asked to pull again
(`workspace/diagnostic/refresh`) when the settings or the project's files
change. Settings: the initialization options, with each workspace folder's
`workspace/configuration` answer over them (`folders`).

Linting runs in one background thread, in the order asked, so the server keeps
reading messages meanwhile; a result is published only if the document is still
at the version linted and no newer lint of it started, so a stale result never
replaces a newer one. Code actions and hover answer from the result for the
document's current version (linting it if there is none yet); computing their
edits (which lints again) runs in the lint thread too, since the engine checks
one file at a time.

Only Python documents are linted (languageId "python", or a `.py`/`.pyi`
URI); one larger than `snapshot.MAX_DOCUMENT_CHARS` gets a diagnostic saying
so instead of a lint (LibCST's memory grows with the document: a 17.7 MB one
took 7.8 GB). A request whose params do not match the LSP's types gets a
JSON-RPC InvalidParams error (`protocol`).

Nothing here stops the server: documents are parsed and checked in a worker
process (`linting.ENGINE`), so a native crash there (LibCST's parser) costs
that document (an AIO000 on it, an error logged naming it) and a new worker
takes over; a crash in a rule becomes the engine's internal error, one in the
server's own handling is caught, and both are logged to the client
(`window/logMessage`, type Error) naming the file; the other findings are
still published.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from aiolint import __version__
from aiolint.project.build import forget_projects
from aiolint.server.actions import KINDS, code_actions
from aiolint.server.folders import FolderSettings
from aiolint.server.hover import hover
from aiolint.server.linting import ENGINE, setup
from aiolint.server.positions import UTF16
from aiolint.server.protocol import AiolintProtocol
from aiolint.server.settings import SettingsError, names_settings
from aiolint.server.snapshot import Snapshot
from aiolint.server.watching import registration, watches
from aiolint.workspace.config import ConfigError
from aiolint.workspace.selection import UnknownSelectorError

#: Seconds after the last change before a document is linted again.
DEBOUNCE_SECONDS = 0.3
NAME = "aiolint"
T = TypeVar("T")
#: What a lint's result depends on: the document's version and text, the generation.
_Key = tuple[int | None, str, int]


class AiolintServer(LanguageServer):
    """The server's state: the settings, the last result and pending lint per document."""

    def __init__(self) -> None:
        super().__init__(
            NAME,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=AiolintProtocol,
        )
        self.folders = FolderSettings()
        self.snapshots: dict[str, Snapshot] = {}
        #: The lint of each document under way for the pull model: (version, text,
        #: generation) and its task, so concurrent pulls share one lint.
        self.running: dict[str, tuple[_Key, asyncio.Task[Snapshot | None]]] = {}
        #: Bumped when what every result depends on changes (settings, the
        #: project's files): results of an older generation are not reused.
        self.generation = 0
        self.generations: dict[str, int] = {}
        self.result_ids: dict[str, str] = {}
        self.background: set[asyncio.Task[None]] = set()
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.latest: dict[str, int] = {}
        self.tickets = 0
        self.linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiolint-lint")

    # -- logging ---------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def crashed(self, where: str, uri: str, exc: BaseException) -> None:
        """Log a crash in the server's handling of `uri` (it keeps serving)."""
        self.log(
            f"aiolint: internal error in {where} while checking {_shown(uri)}: "
            f"{exc.__class__.__name__}: {exc}"
        )

    # -- documents -------------------------------------------------------------

    def open_document(self, uri: str) -> tuple[int | None, str] | None:
        """The version and text of an open Python document (None: not open,
        or not Python)."""
        if uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        if not _is_python(uri, document.language_id):
            return None
        return document.version, document.source

    def _encoding(self) -> str:
        """The position encoding negotiated at initialize ("utf-16" unless the
        client prefers another pygls supports)."""
        encoding = self.workspace.position_encoding
        return str(getattr(encoding, "value", encoding) or UTF16)

    def _build(self, uri: str, version: int | None, text: str) -> Snapshot | None:
        """Runs in the lint thread; None when the document moved on to another
        version while this lint waited its turn (typing faster than linting)."""
        current = self.open_document(uri)
        if current is not None and current[0] != version:
            return None
        path = to_fs_path(uri)
        settings, root = self.folders.for_path(path, self.workspace.root_path)
        how = setup(path, settings, root)
        return Snapshot.build(uri, version, text, self._encoding(), how)

    async def snapshot(self, uri: str) -> Snapshot | None:
        """The result for the document's current version, linting it if needed
        (a lint of that version already under way is shared; one that the
        settings or the project's files changed under is done again)."""
        while True:
            document = self.open_document(uri)
            if document is None:
                return None
            version, text = document
            known = self.snapshots.get(uri)
            generation = self.generation
            if (
                known is not None
                and known.version == version
                and known.text == text
                and self.generations.get(uri) == generation
            ):
                return known
            key = (version, text, generation)
            running = self.running.get(uri)
            if running is None or running[0] != key:
                task = asyncio.get_running_loop().create_task(self._lint(uri, version, text))
                running = self.running[uri] = (key, task)
            snapshot = await asyncio.shield(running[1])
            if self.running.get(uri) is running:
                del self.running[uri]
            if self.generation != generation:
                continue  # linted with what no longer holds
            if snapshot is None and self.open_document(uri) not in (None, (version, text)):
                continue  # skipped: the document moved on
            if snapshot is not None and self.open_document(uri) == (version, text):
                self.keep(uri, snapshot, generation)
            return snapshot

    def keep(self, uri: str, snapshot: Snapshot, generation: int) -> None:
        """`snapshot` is the document's current result (a new result id)."""
        self.snapshots[uri] = snapshot
        self.generations[uri] = generation
        self.tickets += 1
        self.result_ids[uri] = f"{generation}.{self.tickets}"

    async def _lint(self, uri: str, version: int | None, text: str) -> Snapshot | None:
        """Lint one version in the lint thread; report what went wrong (None:
        a bad configuration, or the document moved on before its turn came)."""
        loop = asyncio.get_running_loop()
        try:
            snapshot = await loop.run_in_executor(self.linter, self._build, uri, version, text)
        except (ConfigError, UnknownSelectorError) as exc:
            self.log(f"aiolint: error: {exc} (while checking {_shown(uri)})")
            return None
        if snapshot is None:
            return None  # skipped: a newer version is on its way
        for error in snapshot.result.errors:
            self.log(
                f"aiolint: internal error in {error.where} while checking {_shown(uri)}: "
                f"{error.detail}"
            )
        return snapshot

    async def refresh(self, uri: str, delay: float = 0.0) -> None:
        """Lint the document (after `delay`) and publish, unless it moved on."""
        try:
            if delay:
                await asyncio.sleep(delay)
            document = self.open_document(uri)
            if document is None:
                return
            version, text = document
            self.tickets += 1
            ticket = self.latest[uri] = self.tickets
            generation = self.generation
            snapshot = await self._lint(uri, version, text)
            current = self.open_document(uri)
            if current is None or current[0] != version or self.latest.get(uri) != ticket:
                return  # stale: a newer version, or a newer lint of it, is on its way
            if snapshot is None:
                self.snapshots.pop(uri, None)
                self.publish(uri, version, [])
                return
            self.keep(uri, snapshot, generation)
            self.publish(uri, version, snapshot.lsp)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.crashed("diagnostics", uri, exc)

    def prefetch(self, uri: str) -> None:
        """Start linting the document's current version (a pull will want it)."""
        task = asyncio.get_running_loop().create_task(self._prefetch(uri))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _prefetch(self, uri: str) -> None:
        try:
            await self.snapshot(uri)
        except Exception as exc:
            self.crashed("diagnostics", uri, exc)

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Lint the document soon; replaces a lint not yet started for it."""
        previous = self.pending.pop(uri, None)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self.refresh(uri, delay))
        self.pending[uri] = task
        task.add_done_callback(lambda done: self._forget(uri, done))

    def _forget(self, uri: str, task: asyncio.Task[None]) -> None:
        if self.pending.get(uri) is task:
            del self.pending[uri]

    def publish(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def close(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.snapshots.pop(uri, None)
        self.latest.pop(uri, None)
        self.result_ids.pop(uri, None)
        self.generations.pop(uri, None)
        if not self.pulls:
            self.publish(uri, None, [])

    def apply_settings(self, raw: object) -> bool:
        """Take the client's settings; False (and an error logged) if they are bad."""
        try:
            self.folders.set_initial(raw)
        except SettingsError as exc:
            self.log(f"aiolint: error: {exc} (previous settings kept)")
            return False
        return True

    async def pull_settings(self) -> bool:
        """Ask a client that answers `workspace/configuration` for each workspace
        folder's `aiolint` settings; whether that changed the settings of any."""
        if not self.asks_configuration:
            return False
        folders = [folder.uri for folder in self.workspace.folders.values()]
        if not folders and self.workspace.root_uri:
            folders = [self.workspace.root_uri]
        if not folders:
            return False
        items = [types.ConfigurationItem(scope_uri=uri, section=NAME) for uri in folders]
        try:
            answers = await self.workspace_configuration_async(
                types.ConfigurationParams(items=items)
            )
        except Exception as exc:  # an error answer: keep what we have
            self.log(f"aiolint: workspace/configuration failed: {exc}", types.MessageType.Warning)
            return False
        before = self.folders.state()
        self.folders.keep_only(to_fs_path(uri) or uri for uri in folders)
        for uri, answer in zip(folders, answers or [], strict=False):
            try:
                self.folders.set_folder(to_fs_path(uri) or uri, answer)
            except SettingsError as exc:
                self.log(f"aiolint: error: {exc} (in {_shown(uri)}; previous settings kept)")
        return self.folders.state() != before

    def relint_all(self) -> None:
        """Check every open document again: what they depend on changed (the
        settings, the project's files). A client that pulls diagnostics is asked
        to pull again; one that does not gets them pushed."""
        self.generation += 1
        if self.pulls:
            if self.refreshes:
                self.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.workspace.text_documents):
            self.schedule(uri)

    @property
    def pulls(self) -> bool:
        """The client pulls diagnostics (`textDocument/diagnostic`): the server
        does not push them."""
        document = self.client_capabilities.text_document
        return document is not None and document.diagnostic is not None

    @property
    def refreshes(self) -> bool:
        workspace = self.client_capabilities.workspace
        diagnostics = workspace.diagnostics if workspace is not None else None
        return bool(diagnostics is not None and diagnostics.refresh_support)

    @property
    def asks_configuration(self) -> bool:
        workspace = self.client_capabilities.workspace
        return bool(workspace is not None and workspace.configuration)

    @property
    def versioned_edits(self) -> bool:
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace is not None else None
        return bool(edit is not None and edit.document_changes)


#: The suffixes of the files linted whatever the client says their language is.
PYTHON_SUFFIXES = (".py", ".pyi")


def _is_python(uri: str, language_id: str | None) -> bool:
    """Whether a document is Python: its languageId, or its URI's suffix."""
    path = uri.split("?", 1)[0].split("#", 1)[0]
    return language_id == "python" or path.lower().endswith(PYTHON_SUFFIXES)


def _shown(uri: str) -> str:
    return to_fs_path(uri) or uri


def _guarded(
    server: AiolintServer, where: str, uri: Callable[[T], str], default: object = None
) -> Callable[[Callable[[AiolintServer, T], object]], Callable[[AiolintServer, T], object]]:
    """Wrap an async handler: a crash is logged and `default` returned."""

    def wrap(handler: Callable[[AiolintServer, T], object]) -> Callable[[AiolintServer, T], object]:
        async def guarded(ls: AiolintServer, params: T) -> object:
            try:
                result = handler(ls, params)
                if asyncio.iscoroutine(result):
                    result = await result
                return result
            except Exception as exc:
                server.crashed(where, uri(params), exc)
                return default

        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return wrap


def build_server() -> AiolintServer:
    """The server with its features registered."""
    server = AiolintServer()

    def doc_uri(params: object) -> str:
        return str(params.text_document.uri)  # type: ignore[attr-defined]

    @server.feature(types.INITIALIZE)
    def initialize(ls: AiolintServer, params: types.InitializeParams) -> None:
        ls.apply_settings(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: AiolintServer, params: types.InitializedParams) -> None:
        try:
            if watches(ls.client_capabilities):
                await ls.client_register_capability_async(registration())
        except Exception as exc:  # the client refused: saves still refresh the model
            ls.log(f"aiolint: file watching unavailable: {exc}", types.MessageType.Warning)
        if await ls.pull_settings():
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: AiolintServer, params: types.DidChangeConfigurationParams
    ) -> None:
        # Settings pushed in the notification, or (null, as clients of the pull
        # model send it) a hint to pull them again; re-check if they changed.
        before = ls.folders.state()
        if names_settings(params.settings) and not ls.apply_settings(params.settings):
            return
        await ls.pull_settings()
        if ls.folders.state() != before:
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_folders(
        ls: AiolintServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        if await ls.pull_settings():
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: AiolintServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        # A module changed outside the editor (a `git checkout`): what the project
        # model says of the names open documents import may have changed.
        if params.changes:
            forget_projects()
            ls.relint_all()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @_guarded(server, "didOpen", doc_uri)
    def did_open(ls: AiolintServer, params: types.DidOpenTextDocumentParams) -> None:
        if ls.pulls:  # start the lint the client's pull will ask for
            ls.prefetch(params.text_document.uri)
        else:
            ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @_guarded(server, "didChange", doc_uri)
    def did_change(ls: AiolintServer, params: types.DidChangeTextDocumentParams) -> None:
        if not ls.pulls:
            ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier=NAME, inter_file_dependencies=True, workspace_diagnostics=False
        ),
    )
    @_guarded(server, "diagnostic", doc_uri, default=types.RelatedFullDocumentDiagnosticReport([]))
    async def document_diagnostic(
        ls: AiolintServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        uri = params.text_document.uri
        snapshot = await ls.snapshot(uri)
        if snapshot is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id = ls.result_ids.get(uri)
        if result_id is not None and params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=snapshot.lsp, result_id=result_id)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    @_guarded(server, "didSave", doc_uri)
    def did_save(ls: AiolintServer, params: types.DidSaveTextDocumentParams) -> None:
        # A saved module may change what the project model says of the names
        # other documents import (`SessionLocal`): rebuild it, recheck them all.
        forget_projects()
        ls.relint_all()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @_guarded(server, "didClose", doc_uri)
    def did_close(ls: AiolintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=False),
    )
    @_guarded(server, "codeAction", doc_uri, default=[])
    async def code_action(
        ls: AiolintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        snapshot = await ls.snapshot(params.text_document.uri)
        if snapshot is None:
            return []
        # in the lint thread: fixing lints again, and the engine runs one file at a time
        actions = await asyncio.get_running_loop().run_in_executor(
            ls.linter,
            code_actions,
            snapshot,
            params.range,
            params.context.only,
            ls.versioned_edits,
        )
        if snapshot.fix_all_error is not None:
            error = snapshot.fix_all_error
            ls.log(
                f"aiolint: fix-all: {error.where} while fixing {_shown(snapshot.uri)}: "
                f"{error.detail}",
                types.MessageType.Warning,
            )
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @_guarded(server, "hover", doc_uri)
    async def on_hover(ls: AiolintServer, params: types.HoverParams) -> types.Hover | None:
        snapshot = await ls.snapshot(params.text_document.uri)
        return None if snapshot is None else hover(snapshot, params.position)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AiolintServer, params: None) -> None:
        ls.linter.shutdown(wait=False, cancel_futures=True)

    return server


def main() -> int:
    """Serve on stdin/stdout until the client exits; documents are checked in
    a warm worker process (`linting.ENGINE`), started now."""
    server = build_server()
    ENGINE.start()
    try:
        server.start_io()
    finally:
        ENGINE.close()
    return 0

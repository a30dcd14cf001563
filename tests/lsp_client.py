"""The LSP client the server tests drive: the command that starts the server,
the initializationOptions it sends (the README's editor snippets must match
both: tests/test_server_readme.py), and helpers over pytest-lsp's client."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

T = TypeVar("T")

#: `aiolint server`, as an editor starts it: the console script beside this Python.
SERVER_COMMAND = [str(Path(sys.executable).with_name("aiolint")), "server"]
#: What every editor snippet in the README sends as initializationOptions.
INIT_OPTIONS = {"aiolint": {"unsafeFixes": False}}
LAUNCHER = Path(__file__).with_name("lsp_crash_launcher.py")
TIMEOUT = 15.0


def make_client() -> LanguageClient:
    """pytest-lsp's test client, also recording every publishDiagnostics in order
    (`client.published`), so a test can wait for one version's diagnostics, and
    the capabilities the server registers (`client.registrations`)."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]

    def publish(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        ls.published.append(params)  # type: ignore[attr-defined]

    client.registrations = []  # type: ignore[attr-defined]

    def register(ls: LanguageClient, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(client, features)
    return client


def initialize_params(root: Path, options: object = INIT_OPTIONS) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        initialization_options=options,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
    )


async def until(check: Callable[[], T | None], timeout: float = TIMEOUT) -> T:
    """Poll `check` until it returns something other than None."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if value is not None:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the server did not answer in time")
        await asyncio.sleep(0.01)


def published(client: LanguageClient, uri: str) -> list[types.PublishDiagnosticsParams]:
    return [p for p in client.published if p.uri == uri]  # type: ignore[attr-defined]


async def diagnostics(
    client: LanguageClient, uri: str, version: int | None, after: int = 0
) -> list[types.Diagnostic]:
    """The diagnostics published for `uri` at `version` (the first such
    publication after the `after`-th for the uri)."""

    def found() -> list[types.Diagnostic] | None:
        for params in published(client, uri)[after:]:
            if params.version == version:
                return list(params.diagnostics)
        return None

    return await until(found)


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )
    return uri


def change_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def _offset(text: str, position: types.Position) -> int:
    """A UTF-16 LSP position in `text` as a character offset."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return offset + index
        units += 2 if ord(char) > 0xFFFF else 1
    return offset + len(line)


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (positions in the original text), as a client does."""
    spans = sorted(
        ((_offset(text, e.range.start), _offset(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def apply_workspace_edit(
    text: str, edit: types.WorkspaceEdit, uri: str, version: int | None
) -> str:
    """The document's text after `edit`; its edits must be for `uri` at `version`."""
    if edit.document_changes is not None:
        (change,) = edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.uri == uri
        assert change.text_document.version == version
        return apply_text_edits(text, list(change.edits))  # type: ignore[arg-type]
    assert edit.changes is not None
    return apply_text_edits(text, list(edit.changes[uri]))

"""`aiolint server` over stdio stays up and bounded (issue 17): a document too
large is refused with a diagnostic, only Python documents are linted, and a
file too deep for LibCST's parser gets its AIO000 instead of killing the
server (malformed params: tests/test_server_raw.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_client import SERVER_COMMAND, diagnostics, open_document, published
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_server import SLEEP, server_fixture

from aiolint.server.snapshot import MAX_DOCUMENT_CHARS

pytestmark = pytest.mark.asyncio

limits_client = server_fixture(SERVER_COMMAND)


async def test_a_document_too_large_is_refused_and_the_server_goes_on(
    limits_client: LanguageClient, tmp_path: Path
) -> None:
    # 12 MB of candidate-dense async code (a 12 MB document aborted the server)
    body = "".join(f"async def handler_{i}():\n    time.sleep({i})\n\n\n" for i in range(300_000))
    text = "import time\n\n\n" + body
    assert len(text) > 12_000_000 > MAX_DOCUMENT_CHARS
    uri = open_document(limits_client, tmp_path / "huge.py", text)
    (found,) = await diagnostics(limits_client, uri, 1)
    assert found.code == "AIO000"
    assert "too large" in found.message and f"{len(text):,} characters" in found.message
    actions = await limits_client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=found.range,
            context=types.CodeActionContext(diagnostics=[found]),
        )
    )
    assert actions is not None  # answered, without linting or fixing the document
    small = open_document(limits_client, tmp_path / "small.py", SLEEP)
    assert [d.code for d in await diagnostics(limits_client, small, 1)] == ["AIO201"]


async def test_only_python_documents_are_linted(
    limits_client: LanguageClient, tmp_path: Path
) -> None:
    for name, language in (("notes.txt", "plaintext"), ("README.md", "markdown")):
        limits_client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=(tmp_path / name).as_uri(), language_id=language, version=1, text=SLEEP
                )
            )
        )
    stub = (tmp_path / "types.pyi").as_uri()
    limits_client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=stub, language_id="plaintext", version=1, text="def f(:\n"
            )
        )
    )
    # documents are linted in the order opened: once the last one is published,
    # the others would have been
    last = open_document(limits_client, tmp_path / "last.py", SLEEP)
    assert [d.code for d in await diagnostics(limits_client, last, 1)] == ["AIO201"]
    assert [d.code for d in await diagnostics(limits_client, stub, 1)] == ["AIO000"]
    for name in ("notes.txt", "README.md"):
        assert published(limits_client, (tmp_path / name).as_uri()) == []


async def test_a_file_too_deep_for_libcst_gets_aio000_and_the_server_goes_on(
    limits_client: LanguageClient, tmp_path: Path
) -> None:
    text = SLEEP + "x = " + " and ".join(["a"] * 8_000) + "\n"
    uri = open_document(limits_client, tmp_path / "deep.py", text)
    (found,) = await diagnostics(limits_client, uri, 1)
    assert found.code == "AIO000" and "aiolint's parser" in found.message
    small = open_document(limits_client, tmp_path / "small.py", SLEEP)
    assert [d.code for d in await diagnostics(limits_client, small, 1)] == ["AIO201"]

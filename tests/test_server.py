"""`aiolint server` driven over stdio by a real LSP client (pytest-lsp)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_client import (
    LAUNCHER,
    SERVER_COMMAND,
    apply_workspace_edit,
    change_document,
    diagnostics,
    initialize_params,
    make_client,
    open_document,
    published,
    until,
)
from lsp_crash_launcher import ABORT_MARKER
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from aiolint.docs import render_rule
from aiolint.engine.registry import rule_for
from aiolint.reporters.base import rule_url

pytestmark = pytest.mark.asyncio

SLEEP = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
SLEEP_FIXED = "import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"
SLEEP_MESSAGE = (
    "Blocking `time.sleep()` in async code stalls the event loop; use `await asyncio.sleep(...)`"
)
SLEEP_TITLE = "aiolint (AIO201): Replace with `await asyncio.sleep(...)`"
#: AIO102's documented example: its only fix is unsafe.
SWALLOWED = """import asyncio


async def consume(queue, handle):
    while True:
        try:
            job = await queue.get()
            await handle(job)
        except asyncio.CancelledError:
            print("worker interrupted, continuing")
"""
HTTP_AND_SLEEP = (
    "import time\n\nimport requests\n\n\nasync def handler():\n"
    "    time.sleep(1)\n    requests.get(url)\n"
)
CLI = str(Path(sys.executable).with_name("aiolint"))


def project(root: Path, settings: str = "") -> Path:
    """A project folder with its own pyproject.toml (so nothing above it counts)."""
    (root / "pyproject.toml").write_text(f"[tool.aiolint]\n{settings}", encoding="utf-8")
    return root


def server_fixture(command: list[str], encodings: list[str] | None = None) -> object:
    """A pytest-lsp fixture: the server started with `command`, initialized in a
    project of the test's own (with a client that offers these position encodings)."""

    @pytest_lsp.fixture(
        config=ClientServerConfig(server_command=command, client_factory=make_client)
    )
    async def fixture(lsp_client: LanguageClient, tmp_path: Path):
        params = initialize_params(project(tmp_path))
        if encodings is not None:
            params.capabilities.general = types.GeneralClientCapabilities(
                position_encodings=encodings
            )
        result = await lsp_client.initialize_session(params)
        lsp_client.position_encoding = result.capabilities.position_encoding
        yield
        await lsp_client.shutdown_session()

    return fixture


client = server_fixture(SERVER_COMMAND)
#: The server with a crashing rule and a crashing hover handler planted.
crashing = server_fixture([sys.executable, str(LAUNCHER)])
module_client = server_fixture([sys.executable, "-m", "aiolint", "server"])
utf8_client = server_fixture(SERVER_COMMAND, encodings=["utf-8", "utf-16"])


def cli_json(path: Path, text: str) -> list[dict[str, object]]:
    """What `aiolint check` reports for `text` as the file `path` (JSON output)."""
    run = subprocess.run(
        [CLI, "check", "--output-format", "json", "--stdin-filename", str(path), "-"],
        input=text.encode(),
        capture_output=True,
        check=False,
        cwd=path.parent,
    )
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def cli_fix(path: Path, text: str) -> str:
    """The text `aiolint check --fix` leaves in the file."""
    path.write_text(text, encoding="utf-8")
    subprocess.run([CLI, "check", "--fix", "--no-cache", str(path)], capture_output=True)
    return path.read_text(encoding="utf-8")


async def actions_at(
    client: LanguageClient,
    uri: str,
    rng: types.Range,
    found: list[types.Diagnostic],
    only: list[str] | None = None,
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=types.CodeActionContext(diagnostics=found, only=only),
        )
    )
    assert result is not None
    return [action for action in result if isinstance(action, types.CodeAction)]


def titled(actions: list[types.CodeAction], title: str) -> types.CodeAction:
    matches = [a for a in actions if a.title == title]
    assert matches, [a.title for a in actions]
    return matches[0]


def settings_changed(client: LanguageClient, settings: object) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))


async def test_open_publishes_the_cli_findings(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "app.py", SLEEP)
    (found,) = await diagnostics(client, uri, 1)
    assert found.code == "AIO201"
    assert found.source == "aiolint"
    assert found.message == SLEEP_MESSAGE
    assert found.severity == types.DiagnosticSeverity.Warning
    assert found.range == types.Range(
        start=types.Position(line=4, character=4), end=types.Position(line=4, character=17)
    )
    assert found.code_description == types.CodeDescription(href=rule_url("AIO201"))
    assert found.data["rule"] == "blocking-sleep"
    assert found.data["fix"]["title"] == "Replace with `await asyncio.sleep(...)`"
    assert found.data["fix"]["applicability"] == "safe"
    (cli,) = cli_json(tmp_path / "app.py", SLEEP)
    assert (cli["code"], cli["message"], cli["url"]) == (
        found.code,
        found.message,
        rule_url("AIO201"),
    )
    assert cli["location"] == {"row": 5, "column": 5}


async def test_columns_are_utf16_code_units(client: LanguageClient, tmp_path: Path) -> None:
    text = 'import time\n\n\nasync def handler():\n    x = "😀é"; time.sleep(1)\n'
    uri = open_document(client, tmp_path / "emoji.py", text)
    (found,) = await diagnostics(client, uri, 1)
    (cli,) = cli_json(tmp_path / "emoji.py", text)
    assert cli["location"] == {"row": 5, "column": 15}  # characters, 1-based
    # the emoji is two UTF-16 code units: one more than its characters
    assert (found.range.start.character, found.range.end.character) == (15, 28)


async def test_columns_in_a_negotiated_utf8(utf8_client: LanguageClient, tmp_path: Path) -> None:
    assert utf8_client.position_encoding == types.PositionEncodingKind.Utf8
    text = 'import time\n\n\nasync def handler():\n    x = "😀é"; time.sleep(1)\n'
    uri = open_document(utf8_client, tmp_path / "emoji.py", text)
    (found,) = await diagnostics(utf8_client, uri, 1)
    # the emoji is four UTF-8 bytes, é two: 14 characters, 18 bytes before the call
    assert (found.range.start.character, found.range.end.character) == (18, 31)


async def test_change_is_debounced_and_latest_version_wins(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_document(client, tmp_path / "app.py", SLEEP)
    assert len(await diagnostics(client, uri, 1)) == 1
    twice = SLEEP + "    time.sleep(2)\n"
    change_document(client, uri, twice, 2)
    change_document(client, uri, SLEEP_FIXED, 3)
    change_document(client, uri, twice, 4)
    found = await diagnostics(client, uri, 4)
    assert [(d.code, d.range.start.line) for d in found] == [("AIO201", 4), ("AIO201", 5)]
    assert [p.version for p in published(client, uri)] == [1, 4]  # 2 and 3: never published
    change_document(client, uri, SLEEP_FIXED, 5)
    assert await diagnostics(client, uri, 5) == []


async def test_save_and_close(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "app.py", SLEEP)
    await diagnostics(client, uri, 1)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await until(lambda: len(published(client, uri)) == 2 or None)
    assert len(published(client, uri)[-1].diagnostics) == 1
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await until(lambda: len(published(client, uri)) == 3 or None)
    assert list(published(client, uri)[-1].diagnostics) == []


async def test_quick_fix_applies_as_fix_does(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "app.py", SLEEP)
    found = await diagnostics(client, uri, 1)
    actions = await actions_at(client, uri, found[0].range, found)
    fix = titled(actions, SLEEP_TITLE)
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred
    assert list(fix.diagnostics or []) == found
    assert fix.edit is not None
    assert apply_workspace_edit(SLEEP, fix.edit, uri, 1) == SLEEP_FIXED
    assert cli_fix(tmp_path / "copy.py", SLEEP) == SLEEP_FIXED


async def test_fix_all_is_what_the_cli_writes(client: LanguageClient, tmp_path: Path) -> None:
    text = (
        "import time\n\nimport requests\n\n\nasync def handler():\n"
        "    time.sleep(1)\n    requests.get('http://x')\n    time.sleep(2)  # noqa: AIO201\n"
    )
    uri = open_document(client, tmp_path / "app.py", text)
    found = await diagnostics(client, uri, 1)
    assert [d.code for d in found] == ["AIO201", "AIO202"]
    start = types.Position(line=0, character=0)
    actions = await actions_at(
        client, uri, types.Range(start=start, end=start), [], only=["source.fixAll"]
    )
    (fix_all,) = actions
    assert (fix_all.kind, fix_all.title) == (
        "source.fixAll.aiolint",
        "aiolint: Fix all auto-fixable problems",
    )
    assert fix_all.edit is not None
    fixed = apply_workspace_edit(text, fix_all.edit, uri, 1)
    assert fixed == cli_fix(tmp_path / "copy.py", text)
    assert "await asyncio.sleep(1)" in fixed and "time.sleep(2)  # noqa: AIO201" in fixed


async def test_disable_for_this_line(client: LanguageClient, tmp_path: Path) -> None:
    text = SLEEP.replace("time.sleep(1)", "time.sleep(1)  # noqa: E501")
    uri = open_document(client, tmp_path / "app.py", text)
    found = await diagnostics(client, uri, 1)
    action = titled(
        await actions_at(client, uri, found[0].range, found),
        "aiolint: Disable AIO201 for this line",
    )
    assert action.edit is not None
    suppressed = apply_workspace_edit(text, action.edit, uri, 1)
    assert suppressed == SLEEP.replace("time.sleep(1)", "time.sleep(1)  # noqa: E501, AIO201")
    change_document(client, uri, suppressed, 2)
    assert await diagnostics(client, uri, 2) == []
    change_document(client, uri, SLEEP, 3)
    found = await diagnostics(client, uri, 3)
    action = titled(
        await actions_at(client, uri, found[0].range, found),
        "aiolint: Disable AIO201 for this line",
    )
    assert action.edit is not None
    assert apply_workspace_edit(SLEEP, action.edit, uri, 3) == SLEEP.replace(
        "time.sleep(1)", "time.sleep(1)  # noqa: AIO201"
    )


async def test_hover_shows_the_rule_doc(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "app.py", SLEEP)
    await diagnostics(client, uri, 1)

    async def hover_at(line: int, character: int) -> types.Hover | None:
        return await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
        )

    shown = await hover_at(4, 9)
    assert shown is not None
    assert isinstance(shown.contents, types.MarkupContent)
    assert shown.contents.kind == types.MarkupKind.Markdown
    rule = rule_for("AIO201")
    assert rule is not None
    printed = subprocess.run([CLI, "rule", "AIO201"], capture_output=True, text=True).stdout
    assert shown.contents.value == render_rule(rule) == printed
    assert await hover_at(0, 3) is None


async def test_settings_change_republishes(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "app.py", SLEEP)
    assert len(await diagnostics(client, uri, 1)) == 1
    settings_changed(client, {"aiolint": {"ignore": ["AIO201"]}})
    await until(lambda: len(published(client, uri)) == 2 or None)
    assert list(published(client, uri)[-1].diagnostics) == []
    settings_changed(client, {"python": {}})  # no aiolint settings: the current ones stay
    second = open_document(client, tmp_path / "second.py", SLEEP)
    assert await diagnostics(client, second, 1) == []
    assert len(published(client, uri)) == 2
    settings_changed(client, {"ignore": [], "select": ["AIO2"]})  # the keys at top level
    await until(lambda: len(published(client, uri)) == 3 or None)
    assert [d.code for d in published(client, uri)[-1].diagnostics] == ["AIO201"]
    settings_changed(client, {"aiolint": {"ignore": ["AIO999"]}})  # bad: kept the last
    message = await until(
        lambda: next((m for m in client.log_messages if "AIO999" in m.message), None)
    )
    assert message.type == types.MessageType.Error


async def test_file_config_is_honoured(client: LanguageClient, tmp_path: Path) -> None:
    sub = tmp_path / "service"
    sub.mkdir()
    project(sub, 'per-file-ignores = { "quiet_*.py" = ["AIO201"] }\n')
    quiet = open_document(client, sub / "quiet_app.py", SLEEP)
    loud = open_document(client, sub / "loud_app.py", SLEEP)
    assert await diagnostics(client, quiet, 1) == []
    assert [d.code for d in await diagnostics(client, loud, 1)] == ["AIO201"]
    assert cli_json(sub / "quiet_app.py", SLEEP) == []
    # target-version: AIO101 (TaskGroup) needs py311
    gather = "import asyncio\n\n\nasync def main(a, b):\n    await asyncio.gather(a(), b())\n"
    old = tmp_path / "old"
    old.mkdir()
    project(old, 'target-version = "py310"\n')
    new = open_document(client, tmp_path / "new.py", gather)
    legacy = open_document(client, old / "legacy.py", gather)
    assert [d.code for d in await diagnostics(client, new, 1)] == ["AIO101"]
    assert await diagnostics(client, legacy, 1) == []
    assert cli_json(old / "legacy.py", gather) == []


async def test_unsafe_fix_only_with_unsafe_fixes(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "worker.py", SWALLOWED)
    found = await diagnostics(client, uri, 1)
    assert [d.code for d in found] == ["AIO102"]
    assert found[0].data["fix"]["applicability"] == "unsafe"
    titles = [a.title for a in await actions_at(client, uri, found[0].range, found)]
    assert titles == ["aiolint: Disable AIO102 for this line"]
    settings_changed(client, {"aiolint": {"unsafeFixes": True}})
    await until(lambda: len(published(client, uri)) == 2 or None)
    actions = await actions_at(client, uri, found[0].range, found)
    unsafe = [a for a in actions if a.title.endswith("(unsafe)")]
    (fix,) = unsafe
    assert fix.title.startswith("aiolint (AIO102): ")
    assert not fix.is_preferred
    assert fix.edit is not None
    fixed = apply_workspace_edit(SWALLOWED, fix.edit, uri, 1)
    assert fixed.endswith('print("worker interrupted, continuing")\n            raise\n')


async def test_parse_error_gets_aio000(client: LanguageClient, tmp_path: Path) -> None:
    text = "import time\n\n\nasync def handler(:\n    time.sleep(1)\n"
    uri = open_document(client, tmp_path / "broken.py", text)
    (found,) = await diagnostics(client, uri, 1)
    (cli,) = cli_json(tmp_path / "broken.py", text)
    assert found.code == cli["code"] == "AIO000"
    assert found.message == cli["message"]
    assert found.severity == types.DiagnosticSeverity.Error
    assert found.range.start.line == cli["location"]["row"] - 1
    assert found.range.start.character == cli["location"]["column"] - 1


async def test_crashes_are_logged_and_the_server_goes_on(
    crashing: LanguageClient, tmp_path: Path
) -> None:
    text = (
        "import asyncio\nimport time\n\n\nasync def main(a, b):\n"
        "    await asyncio.gather(a(), b())\n    time.sleep(1)\n"
    )
    path = tmp_path / "both.py"
    uri = open_document(crashing, path, text)
    found = await diagnostics(crashing, uri, 1)
    assert [d.code for d in found] == ["AIO201"]  # AIO101 crashed, the others still report
    logged = await until(
        lambda: next((m for m in crashing.log_messages if "planted" in m.message), None)
    )
    assert logged.type == types.MessageType.Error
    assert "AIO101" in logged.message and str(path) in logged.message
    hovered = await crashing.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=6, character=6),
        )
    )
    assert hovered is None
    in_hover = await until(
        lambda: next((m for m in crashing.log_messages if "hover planted" in m.message), None)
    )
    assert in_hover.type == types.MessageType.Error and str(path) in in_hover.message
    other = open_document(crashing, tmp_path / "other.py", SLEEP)
    assert [d.code for d in await diagnostics(crashing, other, 1)] == ["AIO201"]


async def test_a_document_that_kills_the_parser_costs_that_document_not_the_server(
    crashing: LanguageClient, tmp_path: Path
) -> None:
    """The parse dies natively (os.abort where LibCST's parser would segfault):
    the document gets an AIO000 saying so and an error is logged naming it; a
    new engine process checks the next documents, fixes included."""
    killer = tmp_path / "killer.py"
    uri = open_document(crashing, killer, f"{ABORT_MARKER}\n{SLEEP}")
    found = await diagnostics(crashing, uri, 1)
    assert [d.code for d in found] == ["AIO000"]
    assert "worker process died" in found[0].message and "SIGABRT" in found[0].message
    logged = await until(
        lambda: next((m for m in crashing.log_messages if "SIGABRT" in m.message), None)
    )
    assert str(killer) in logged.message and logged.type == types.MessageType.Error
    other = open_document(crashing, tmp_path / "other.py", SLEEP)
    found = await diagnostics(crashing, other, 1)
    assert [d.code for d in found] == ["AIO201"]
    actions = await actions_at(crashing, other, found[0].range, found)
    assert titled(actions, SLEEP_TITLE).edit is not None
    change_document(crashing, uri, f"{ABORT_MARKER}\n{SLEEP}\n", 2)  # dies again, still up
    assert [d.code for d in await diagnostics(crashing, uri, 2)] == ["AIO000"]
    change_document(crashing, uri, SLEEP, 3)
    assert [d.code for d in await diagnostics(crashing, uri, 3)] == ["AIO201"]


async def test_the_project_model_reaches_the_engine_process_that_replaced_a_dead_one(
    crashing: LanguageClient, tmp_path: Path
) -> None:
    """The project model goes to the engine's process once, not with every
    lint: after that process died on another document, the new one is sent it
    again, and AIO206's finding through the project stays."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "helpers.py").write_text(
        "import time\n\n\ndef lookup(key):\n    time.sleep(1)\n    return key\n"
    )
    routes_text = (
        "from app import helpers\n\n\nasync def route(key):\n    return helpers.lookup(key)\n"
    )
    (tmp_path / "app" / "routes.py").write_text(routes_text)
    uri = open_document(crashing, tmp_path / "app" / "routes.py", routes_text)
    assert [d.code for d in await diagnostics(crashing, uri, 1)] == ["AIO206"]
    killer = open_document(crashing, tmp_path / "app" / "killer.py", f"{ABORT_MARKER}\n{SLEEP}")
    assert [d.code for d in await diagnostics(crashing, killer, 1)] == ["AIO000"]
    change_document(crashing, uri, routes_text + "\n\nasync def other(key):\n    pass\n", 2)
    assert [d.code for d in await diagnostics(crashing, uri, 2)] == ["AIO206"]


async def test_python_dash_m_aiolint_server(module_client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(module_client, tmp_path / "app.py", SLEEP)
    assert [d.code for d in await diagnostics(module_client, uri, 1)] == ["AIO201"]


async def test_untitled_document_uses_the_workspace_config(
    client: LanguageClient, tmp_path: Path
) -> None:
    project(tmp_path, 'ignore = ["AIO202"]\n')
    uri = "untitled:Untitled-1"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=HTTP_AND_SLEEP
            )
        )
    )
    found = await diagnostics(client, uri, 1)
    assert [d.code for d in found] == ["AIO201"]  # AIO202 ignored by the root's pyproject.toml
    named = open_document(client, tmp_path / "named.py", HTTP_AND_SLEEP)
    assert [d.code for d in await diagnostics(client, named, 1)] == ["AIO201"]
    (tmp_path / "pyproject.toml").unlink()  # read again for each check
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=named))
    )
    await until(lambda: len(published(client, named)) == 2 or None)
    assert [d.code for d in published(client, named)[-1].diagnostics] == ["AIO201", "AIO202"]


async def test_project_names_and_a_saved_module(client: LanguageClient, tmp_path: Path) -> None:
    """Names from other modules resolve through the project model; saving one
    of those modules rebuilds it and rechecks the open documents."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    db = tmp_path / "app" / "db.py"
    db.write_text("from sqlalchemy.orm import sessionmaker\n\nSessionLocal = sessionmaker()\n")
    jobs_text = "from app.db import SessionLocal\n\nsession = SessionLocal()\n"
    (tmp_path / "app" / "jobs.py").write_text(jobs_text)
    jobs = open_document(client, tmp_path / "app" / "jobs.py", jobs_text)
    assert [d.code for d in await diagnostics(client, jobs, 1)] == ["AIO302"]
    db.write_text("SessionLocal = object()\n")
    db_uri = open_document(client, db, db.read_text())
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=db_uri))
    )
    await until(lambda: (not published(client, jobs)[-1].diagnostics) or None)


async def test_each_document_uses_its_nearest_requires_python(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A monorepo whose `backend/` runs on 3.10: no AIO101 (TaskGroup) and no
    AIO102 `cancelling()` fix there, both in the 3.11 `service/` beside it."""
    from test_config_per_file import TASKS

    for name, requires in (("backend", ">=3.10"), ("service", ">=3.11")):
        (tmp_path / name / "app").mkdir(parents=True)
        (tmp_path / name / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nrequires-python = "{requires}"\n'
        )
    backend = open_document(client, tmp_path / "backend" / "app" / "tasks.py", TASKS)
    service = open_document(client, tmp_path / "service" / "app" / "tasks.py", TASKS)

    def fixes(found: list[types.Diagnostic]) -> dict[object, bool]:
        return {d.code: bool(d.data.get("fix")) for d in found}

    assert fixes(await diagnostics(client, backend, 1)) == {"AIO102": False}
    assert fixes(await diagnostics(client, service, 1)) == {"AIO101": True, "AIO102": True}


async def test_blocking_chain_is_related_information(
    client: LanguageClient, tmp_path: Path
) -> None:
    """AIO206's chain reaches the editor as `relatedInformation`: where the
    helper is defined, each call on the way, and the blocking line, in the
    module that holds each."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    helpers = tmp_path / "app" / "helpers.py"
    helpers.write_text(
        "import time\n\n\ndef lookup(key):\n    return _slow(key)\n\n\n"
        "def _slow(key):\n    time.sleep(1)\n    return key\n"
    )
    routes_text = (
        "from app import helpers\n\n\nasync def route(key):\n    return helpers.lookup(key)\n"
    )
    (tmp_path / "app" / "routes.py").write_text(routes_text)
    uri = open_document(client, tmp_path / "app" / "routes.py", routes_text)
    (found,) = await diagnostics(client, uri, 1)
    assert found.code == "AIO206"
    assert found.related_information is not None
    steps = [
        (Path(types_uri_path(r.location.uri)).name, r.location.range.start.line, r.message)
        for r in found.related_information
    ]
    assert steps == [
        ("helpers.py", 3, "`helpers.lookup()` is defined here"),
        ("helpers.py", 4, "calls `helpers._slow()`"),
        ("helpers.py", 8, "blocks: `time.sleep(...)`"),
    ]


def types_uri_path(uri: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(uri).path)

"""The language server's pure parts: positions, settings, edits; and that the
CLI never imports pygls."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsp_client import apply_text_edits
from lsprotocol import types

from aiolint.server.edits import text_edits, workspace_edit
from aiolint.server.folders import FolderSettings
from aiolint.server.positions import UTF8, UTF16, UTF32, LineIndex, units
from aiolint.server.settings import Settings, SettingsError, names_settings, parse_settings


def test_units_per_encoding() -> None:
    assert [units("a😀é", e) for e in (UTF8, UTF16, UTF32)] == [7, 4, 3]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_engine_columns_to_lsp(ending: str) -> None:
    text = ending.join(["x = 1", 'y = "😀"; z', "end"]) + ending
    index = LineIndex(text)
    assert index.position_of(1, 1) == (0, 0)
    assert index.position_of(2, 11) == (1, 11)  # after `z`: 10 characters, 11 UTF-16 units
    assert LineIndex(text, UTF32).position_of(2, 11) == (1, 10)
    assert LineIndex(text, UTF8).position_of(2, 11) == (1, 13)
    assert index.position_of(2, 99) == (1, 11)  # clamped to the line's end, before its break
    assert index.position(len(text)) == (3, 0)
    assert index.offset_at(1, 11) == index.offset(2, 11)
    assert index.offset_at(1, 99) == index.offset(2, 99)
    assert index.offset_at(9, 0) == len(text)


def test_text_edits_round_trip() -> None:
    old = "import time\n\n\nasync def f():\n    time.sleep(1)  # 😀\n    pass"
    new = "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)  # 😀\n    pass"
    edits = text_edits(old, new, LineIndex(old))
    assert len(edits) == 2
    assert apply_text_edits(old, edits) == new
    assert text_edits(old, old, LineIndex(old)) == []


def test_settings_both_shapes() -> None:
    nested = parse_settings({"aiolint": {"select": ["aio2"], "ignore": "AIO201,AIO202"}})
    top = parse_settings({"select": ["AIO2"], "ignore": ["AIO201", "AIO202"], "python": {}})
    assert nested == top == Settings(select=("AIO2",), ignore=("AIO201", "AIO202"))
    assert parse_settings(None) == parse_settings({}) == Settings()
    assert parse_settings({"aiolint": {"unsafeFixes": True, "configPath": "x.toml"}}) == Settings(
        unsafe_fixes=True, config_path="x.toml"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"aiolint": {"select": ["AIO999"]}}, "select"),
        ({"aiolint": {"unsafeFixes": "yes"}}, "unsafeFixes"),
        ({"aiolint": {"selct": ["AIO"]}}, "selct"),
        ({"aiolint": {"configPath": 3}}, "configPath"),
        ([], "object"),
    ],
)
def test_bad_settings(raw: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_settings(raw)


def test_the_cli_does_not_import_pygls(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    probe = (
        "import sys\n"
        "from aiolint.cli.main import main\n"
        f"main(['check', '--no-cache', {str(tmp_path)!r}])\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', "
        "'cattrs', 'aiolint') and (m.startswith(('pygls', 'lsprotocol', 'cattrs')) "
        "or m.startswith('aiolint.server'))))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_workspace_edit_versioned_or_not() -> None:
    edits = text_edits("a\n", "b\n", LineIndex("a\n"))
    versioned = workspace_edit("file:///x.py", 3, edits, versioned=True)
    assert versioned.changes is None and versioned.document_changes is not None
    (change,) = versioned.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert (change.text_document.uri, change.text_document.version) == ("file:///x.py", 3)
    plain = workspace_edit("file:///x.py", 3, edits, versioned=False)
    assert plain.document_changes is None and plain.changes == {"file:///x.py": edits}


def test_which_configuration_changes_carry_settings() -> None:
    assert names_settings({"aiolint": {}}) and names_settings({"ignore": ["AIO201"]})
    assert not names_settings(None)
    assert not names_settings({})
    assert not names_settings({"python": {"analysis": {}}})
    assert names_settings([])  # not an object: an error, reported


def test_folder_settings_layer_over_the_initialization_options(tmp_path: Path) -> None:
    """A folder's `workspace/configuration` keys win over the initialization
    options, key by key, for the documents in it (the innermost folder);
    elsewhere the initialization options hold; `configPath` is relative to the
    folder; a bad answer raises and leaves the folder as it was."""
    outer, inner = tmp_path / "mono", tmp_path / "mono" / "service"
    folders = FolderSettings()
    folders.set_initial({"aiolint": {"unsafeFixes": True, "ignore": ["AIO201"]}})
    folders.set_folder(str(outer), {"select": ["AIO2"]})
    folders.set_folder(str(inner), {"ignore": [], "configPath": "lint.toml"})
    folders.set_folder(str(tmp_path / "quiet"), None)
    initial = Settings(unsafe_fixes=True, ignore=("AIO201",))
    assert folders.for_path(str(tmp_path / "other.py"), "/root") == (initial, "/root")
    assert folders.for_path(None, "/root") == (initial, "/root")
    assert folders.for_path(str(tmp_path / "quiet" / "a.py"), None) == (
        initial,
        str(tmp_path / "quiet"),
    )
    assert folders.for_path(str(outer / "app.py"), None) == (
        Settings(select=("AIO2",), unsafe_fixes=True, ignore=("AIO201",)),
        str(outer),
    )
    assert folders.for_path(str(tmp_path / "mono-other" / "a.py"), None)[1] is None
    assert folders.for_path(str(inner / "app" / "x.py"), None) == (
        Settings(unsafe_fixes=True, config_path="lint.toml"),
        str(inner),
    )
    with pytest.raises(SettingsError, match="selct"):
        folders.set_folder(str(inner), {"selct": ["AIO2"]})
    assert folders.for_path(str(inner / "x.py"), None)[0].config_path == "lint.toml"
    folders.set_initial({"unsafeFixes": False})  # the folders' keys stay over the new ones
    assert folders.for_path(str(outer / "a.py"), None)[0] == Settings(
        select=("AIO2",), unsafe_fixes=False
    )
    folders.keep_only([str(inner)])
    assert folders.for_path(str(outer / "a.py"), None) == (Settings(unsafe_fixes=False), None)


def test_folder_settings_state_ignores_folders_that_change_nothing(tmp_path: Path) -> None:
    """A workspace folder whose answer is null (or repeats what holds around
    it) changes no document's settings: no re-check for it."""
    folders = FolderSettings()
    folders.set_initial({"aiolint": {"ignore": ["AIO201"]}})
    before = folders.state()
    folders.set_folder(str(tmp_path), None)
    folders.set_folder(str(tmp_path / "inner"), {"ignore": ["AIO201"]})
    assert folders.state() == before
    folders.set_folder(str(tmp_path / "inner"), {"ignore": []})
    assert folders.state() != before
    folders.set_folder(str(tmp_path / "inner"), {"configPath": "lint.toml"})
    assert folders.state() != before

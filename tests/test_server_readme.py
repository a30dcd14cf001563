"""The README's editor snippets start the server the tests start, with the
initializationOptions the tests send (tests/lsp_client.py), so they cannot drift."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from lsp_client import INIT_OPTIONS, SERVER_COMMAND

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

README = Path(__file__).resolve().parent.parent / "README.md"
#: The command and arguments as an editor names them (the tests run the same
#: console script by its full path).
COMMAND = [Path(SERVER_COMMAND[0]).name, *SERVER_COMMAND[1:]]


def editors_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Editors\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", editors_section(), re.DOTALL)


_LUA_TOKEN = re.compile(r'\s*(?:(?P<str>"[^"]*")|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[{}=,]))')


def lua_table(source: str) -> object:
    """A Lua table constructor of strings, booleans and tables as Python data
    (a table with `key = value` fields is a dict, one of values a list)."""
    tokens = []
    position = 0
    while position < len(source.rstrip()):
        match = _LUA_TOKEN.match(source, position)
        assert match is not None, source[position:]
        tokens.append(match.group(match.lastgroup or ""))
        position = match.end()
    tokens.reverse()

    def value() -> object:
        token = tokens.pop()
        if token.startswith('"'):
            return token[1:-1]
        if token in ("true", "false"):
            return token == "true"
        assert token == "{", token
        fields: dict[str, object] = {}
        items: list[object] = []
        while tokens[-1] != "}":
            if len(tokens) > 1 and tokens[-2] == "=":
                key = tokens.pop()
                tokens.pop()
                fields[key] = value()
            else:
                items.append(value())
            if tokens[-1] == ",":
                tokens.pop()
        tokens.pop()
        assert not (fields and items)
        return fields if fields or not items else items

    result = value()
    assert not tokens
    return result


def balanced(text: str, start: int, opening: str, closing: str) -> str:
    """The bracketed group that opens at or after `start`."""
    first = text.index(opening, start)
    depth = 0
    for index in range(first, len(text)):
        depth += {opening: 1, closing: -1}.get(text[index], 0)
        if depth == 0:
            return text[first : index + 1]
    raise AssertionError(f"unbalanced {opening}{closing} in {text[first:]!r}")


def lua_field(snippet: str, name: str) -> object:
    """The value of `name = {...}` in a Lua snippet."""
    return lua_table(balanced(snippet, snippet.index(f"{name} = {{"), "{", "}"))


_ELISP_TOKEN = re.compile(r'\s*(?:(?P<str>"[^"]*")|(?P<atom>[^\s()\[\]"]+)|(?P<op>[()\[\]]))')


def elisp_json(source: str) -> object:
    """An elisp plist / vector / string / `:json-false` / `t` as eglot's JSON."""
    tokens = [m.group(m.lastgroup or "") for m in _ELISP_TOKEN.finditer(source)]
    tokens.reverse()

    def value() -> object:
        token = tokens.pop()
        if token.startswith('"'):
            return token[1:-1]
        if token in (":json-false", "t"):
            return token == "t"
        if token == "[":
            items = []
            while tokens[-1] != "]":
                items.append(value())
            tokens.pop()
            return items
        assert token == "(", token
        plist: dict[str, object] = {}
        while tokens[-1] != ")":
            key = tokens.pop()
            assert key.startswith(":"), key
            plist[key[1:]] = value()
        tokens.pop()
        return plist

    return value()


def test_the_tests_send_the_documented_options() -> None:
    assert COMMAND == ["aiolint", "server"]
    assert Path(SERVER_COMMAND[0]).is_file()


def test_vscode_snippet() -> None:
    (snippet,) = blocks("json")
    settings = json.loads(snippet)
    command = [settings["glspc.serverCommand"], *settings["glspc.serverCommandArguments"]]
    assert command == COMMAND
    assert settings["glspc.languageId"] == "python"
    assert settings["glspc.initializationOptions"] == INIT_OPTIONS


@pytest.mark.parametrize("index", [0, 1, 2], ids=["vim.lsp.start", "start_client", "lspconfig"])
def test_neovim_snippets(index: int) -> None:
    """Neovim 0.10's `vim.lsp.start`, 0.7-0.9's `vim.lsp.start_client` (both run
    in a real Neovim: tests/test_neovim.py) and nvim-lspconfig's."""
    snippets = blocks("lua")
    assert len(snippets) == 3
    snippet = snippets[index]
    assert lua_field(snippet, "cmd") == COMMAND
    assert lua_field(snippet, "init_options") == INIT_OPTIONS
    assert ("vim.lsp.start(" in snippet) == (index == 0)
    assert ("vim.lsp.start_client(" in snippet) == (index == 1)
    assert ("configs.aiolint = " in snippet) == (index == 2)


def test_helix_snippet() -> None:
    (snippet,) = blocks("toml")
    config = tomllib.loads(snippet)
    server = config["language-server"]["aiolint"]
    assert [server["command"], *server["args"]] == COMMAND
    assert server["config"] == INIT_OPTIONS
    (python,) = [lang for lang in config["language"] if lang["name"] == "python"]
    assert "aiolint" in python["language-servers"]


def test_emacs_snippet() -> None:
    (snippet,) = blocks("elisp")
    assert "(add-to-list 'eglot-server-programs" in snippet
    contact = re.search(r'\("aiolint"(?: "[^"]*")*', snippet)
    assert contact is not None
    assert re.findall(r'"([^"]*)"', contact.group(0)) == COMMAND
    options = balanced(snippet, snippet.index(":initializationOptions"), "(", ")")
    assert elisp_json(options) == INIT_OPTIONS


def test_readers() -> None:
    assert lua_table('{ a = { "x", "y" }, b = false, c = { d = true } }') == {
        "a": ["x", "y"],
        "b": False,
        "c": {"d": True},
    }
    assert elisp_json('(:a ["x"] :b :json-false :c (:d t))') == {
        "a": ["x"],
        "b": False,
        "c": {"d": True},
    }

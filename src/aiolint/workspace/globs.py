"""Glob patterns (`exclude`, `per-file-ignores`, `.gitignore`) matched in time
linear in the length of the path.

A pattern is read once into tokens: a character, `?`, a `[...]` class, `*`
(within a folder name), `**` (anything), `**/` (any number of folders). They
are matched with a regular expression, as fast as matching gets in Python,
when `re`'s backtracking cannot blow up: the pattern has a single wildcard, or
a leading `**/` and one `*` (`*.py`, `build`, `**/node_modules`, `d/**`,
`**/*_pb2.py`: nearly every pattern written). Any other pattern (`**/` sixteen
times, `*a*a*a*a*`), whose regular expression could take time growing as a
power of the path's length, is matched by a lazily built DFA over the same
tokens: one table step per character, each new step costing one pass over the
tokens. Both agree on every path: they read the same tokens.

A malformed character class (`[z-a]`, `[!a-Z]`, `[!]`, `[^]`) makes the whole
pattern match nothing, as git treats such a `.gitignore` line; `MalformedGlob`
says why, for the warning that names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

#: What a compiled pattern is: called with a path, truthy when it matches.
Matcher = Callable[[str], object]

_CHAR, _ONE, _CLASS, _STAR, _ANY, _DIRS, _TAIL = range(7)
#: The wildcards: a `re` with several of them may backtrack without bound.
_WILD = frozenset({_STAR, _ANY, _DIRS})
#: The tokens that may match nothing.
_OPTIONAL = frozenset({_STAR, _ANY, _DIRS, _TAIL})
_REGEX = {_ONE: "[^/]", _STAR: "[^/]*", _ANY: ".*", _DIRS: "(?:.*/)?", _TAIL: "(?:/.*)?"}
#: Transitions kept per automaton before its table starts anew (bounds memory).
_MAX_STEPS = 1 << 16

_Token = tuple[int, str]


class MalformedGlob(ValueError):
    """A pattern that cannot be read (a malformed character class)."""


#: git's named classes (`[[:alpha:]]`), over ASCII as git's own ctype tables.
_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


def _git_class(pattern: str, start: int) -> tuple[str, int]:
    """The `[...]` class at `pattern[start]` read as git's wildmatch reads it
    (`!` or `^` negates, a first `]` is literal, `\\` escapes, `[:alpha:]`
    names a class): its regular expression body and the index of its `]`.
    Raises MalformedGlob where git's match fails whatever the path
    (unterminated, an unknown named class)."""
    i, n = start + 1, len(pattern)
    body = ""
    if pattern[i : i + 1] in ("!", "^"):
        body, i = "^", i + 1
    first = i
    while i < n and (pattern[i] != "]" or i == first):
        if pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            if end != -1:
                name = pattern[i + 2 : end]
                if name not in _POSIX:
                    raise MalformedGlob(f"[:{name}:]: unknown character class")
                body += _POSIX[name]
                i = end + 2
                continue
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            i += 1
            body += re.escape(pattern[i])
        elif char == "-" and body not in ("", "^") and pattern[i + 1 : i + 2] not in ("", "]"):
            body += "-"  # a range
        else:
            body += re.escape(char)
        i += 1
    if i >= n:
        raise MalformedGlob(f"{pattern[start:]}: unterminated character set")
    return body, i


def _tokens(pattern: str, *, git: bool = False) -> list[_Token]:
    """The tokens of `pattern`: `(kind, text)`, text being the character or
    the body of a class (its regular expression, `^` for `!`). `git`: read it
    as a `.gitignore` line (git's wildmatch): `**` is special only as a whole
    path segment (`d**a` is `d*a`), classes as `_git_class` reads them."""
    out: list[_Token] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if git and pattern.startswith("**", i):
            end = n - len(pattern[i:].lstrip("*"))
            if (i and pattern[i - 1] != "/") or (end < n and pattern[end] != "/"):
                out.append((_STAR, ""))
            elif end < n:
                out.append((_DIRS, ""))
                end += 1
            else:
                out.append((_ANY, ""))
            i = end
            continue
        if git and char == "[":
            body, end = _git_class(pattern, i)
            try:
                re.compile(f"[{body}]")
            except re.error as exc:
                raise MalformedGlob(f"{pattern[i : end + 1]}: {exc.msg}") from None
            out.append((_CLASS, body))
            i = end + 1
            continue
        if pattern.startswith("**/", i):
            out.append((_DIRS, ""))
            i += 3
            continue
        if pattern.startswith("/**", i) and i + 3 == n:
            out += [(_CHAR, "/"), (_ANY, "")]
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append((_ANY, ""))
            i += 2
            continue
        if char == "*":
            out.append((_STAR, ""))
        elif char == "?":
            out.append((_ONE, ""))
        elif char == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append((_CHAR, char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                # `\` is literal; `[`, `&&`, `~~`, `||` are too (`re` warns of sets)
                body = re.sub(r"([\\\[&~|])", r"\\\1", body)
                try:
                    re.compile(f"[{body}]")
                except re.error as exc:
                    raise MalformedGlob(f"{pattern[i : end + 1]}: {exc.msg}") from None
                out.append((_CLASS, body))
                i = end
        elif char == "\\" and i + 1 < n:
            i += 1
            out.append((_CHAR, pattern[i]))
        else:
            out.append((_CHAR, char))
        i += 1
    return out


def _regex(tokens: Sequence[_Token]) -> str:
    return "".join(
        re.escape(text) if kind == _CHAR else f"[{text}]" if kind == _CLASS else _REGEX[kind]
        for kind, text in tokens
    )


def glob_to_regex(pattern: str) -> str:
    """Translate a glob with `**`, `*`, `?` and `[...]` into a regex (no
    anchors); raises MalformedGlob for a malformed class."""
    return _regex(_tokens(pattern))


def _backtracks(tokens: Sequence[_Token]) -> bool:
    """Whether `re` could take more than linear time on these tokens: more than
    one wildcard, but for a leading `**/` followed by one `*` (the `**/` ends
    at a `/` and the `*` never crosses one, so they cannot trade characters).
    A final `**` does not count: once reached, it matches."""
    kinds = [kind for kind, _ in tokens if kind != _TAIL]
    if kinds and kinds[-1] == _ANY:
        kinds.pop()
    wild = [kind for kind in kinds if kind in _WILD]
    if len(wild) <= 1:
        return False
    return not (wild == [_DIRS, _STAR] and kinds[0] == _DIRS)


def compile_glob(
    pattern: str,
    *,
    prefix: Sequence[_Token] = (),
    suffix: Sequence[_Token] = (),
    git: bool = False,
) -> Matcher:
    """A matcher for the whole of a path (raises MalformedGlob); `git`: read
    as a `.gitignore` pattern (see `_tokens`)."""
    tokens = [*prefix, *_tokens(pattern, git=git), *suffix]
    if _backtracks(tokens):
        return _Automaton(tokens).match
    return re.compile(f"{_regex(tokens)}$").match


def compile_any(
    patterns: Sequence[str],
    malformed: Callable[[str, MalformedGlob], None],
    *,
    suffix: Sequence[_Token] = (),
) -> Matcher | None:
    """A matcher for paths wholly matching any of `patterns` (None: there are
    none); a malformed pattern is told to `malformed` and matches nothing."""
    simple: list[str] = []
    automata: list[Matcher] = []
    for pattern in patterns:
        try:
            tokens = [*_tokens(pattern), *suffix]
        except MalformedGlob as exc:
            malformed(pattern, exc)
            continue
        if _backtracks(tokens):
            automata.append(_Automaton(tokens).match)
        else:
            simple.append(_regex(tokens))
    if simple:
        automata.insert(0, re.compile(f"(?:{'|'.join(simple)})$").match)
    if len(automata) <= 1:
        return automata[0] if automata else None
    return lambda path: any(match(path) for match in automata)


#: `compile_glob(..., prefix=IN_ANY_FOLDER)`: the pattern matches in any folder.
IN_ANY_FOLDER: tuple[_Token, ...] = ((_DIRS, ""),)
#: `compile_glob(..., suffix=OR_BELOW)`: a path below a matching one matches too.
OR_BELOW: tuple[_Token, ...] = ((_TAIL, ""),)


class _Automaton:
    """The tokens as a DFA built as paths need its states. NFA state `i` is
    "tokens[:i] matched"; `n + 1 + i` is "inside the wildcard `tokens[i]`"
    (`**/` after a character, the tail after its `/`). A DFA state is the set
    of NFA states a path prefix leads to; `_next` maps (state, character) to
    the next, and is emptied when full (states stay valid: they are sets)."""

    __slots__ = ("_accepting", "_classes", "_n", "_next", "_start", "_tail", "_tokens")

    def __init__(self, tokens: Sequence[_Token]) -> None:
        self._tokens = tuple(tokens)
        self._n = n = len(tokens)
        self._classes = {i: re.compile(f"[{t}]") for i, (k, t) in enumerate(tokens) if k == _CLASS}
        self._tail = frozenset(n + 1 + i for i, (k, _) in enumerate(tokens) if k == _TAIL)
        self._next: dict[tuple[frozenset[int], str], frozenset[int]] = {}
        self._start = self._closure({0})

    def _closure(self, states: set[int]) -> frozenset[int]:
        """`states` and the states they reach matching nothing (a wildcard, or
        the tail, may match nothing)."""
        tokens, n = self._tokens, self._n
        todo = list(states)
        while todo:
            i = todo.pop()
            if i < n and tokens[i][0] in _OPTIONAL and i + 1 not in states:
                states.add(i + 1)
                todo.append(i + 1)
        return frozenset(states)

    def _step(self, states: frozenset[int], char: str) -> frozenset[int]:
        tokens, n = self._tokens, self._n
        after: set[int] = set()
        for i in states:
            if i > n:  # inside the wildcard tokens[i - n - 1]: `**/` or the tail
                after.add(i)
                if char == "/" and tokens[i - n - 1][0] == _DIRS:
                    after.add(i - n)
                continue
            if i == n:
                continue
            kind, text = tokens[i]
            if kind == _CHAR:
                if char == text:
                    after.add(i + 1)
            elif kind == _ONE:
                if char != "/":
                    after.add(i + 1)
            elif kind == _CLASS:
                if self._classes[i].match(char):
                    after.add(i + 1)
            elif kind == _STAR:
                if char != "/":
                    after.add(i)
            elif kind == _ANY:
                after.add(i)
            elif kind == _DIRS:
                after.add(n + 1 + i)
                if char == "/":
                    after.add(i + 1)
            elif char == "/":  # the tail `(?:/.*)?`
                after.add(n + 1 + i)
        return self._closure(after)

    def match(self, path: str) -> bool:
        """Whether the whole of `path` matches."""
        state, table = self._start, self._next
        for char in path:
            following = table.get((state, char))
            if following is None:
                if len(table) >= _MAX_STEPS:
                    table.clear()
                following = table[(state, char)] = self._step(state, char)
            if not following:
                return False
            state = following
        return self._n in state or not self._tail.isdisjoint(state)

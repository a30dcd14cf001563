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

A list of patterns where the last one matching decides (a `.gitignore`)
is matched all at once (`LastMatch`): literal names in a dict, `*.ext`
suffixes, the rest as alternatives of one regular expression, so a walk pays
a few calls into C per entry instead of one match per rule. A path matches
as a whole (`\\Z`; `**` and `**/` cross any character, a newline too, as the
automaton does).

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
#: The wildcards that may match a `/`.
_CROSSING = frozenset({_ANY, _DIRS, _TAIL})
#: The tokens that may match nothing.
_OPTIONAL = frozenset({_STAR, _ANY, _DIRS, _TAIL})
_REGEX = {_ONE: "[^/]", _STAR: "[^/]*", _ANY: ".*", _DIRS: "(?:.*/)?", _TAIL: "(?:/.*)?"}
#: Transitions kept per automaton before its table starts anew (bounds memory).
_MAX_STEPS = 1 << 16

_Token = tuple[int, str]
#: A piece of a read pattern, `(kind, text)` (see `_tokens`), as `LastMatch` takes them.
Token = _Token


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
    if "*" not in pattern and "?" not in pattern and "[" not in pattern and "\\" not in pattern:
        return [(_CHAR, char) for char in pattern]  # most lines of a .gitignore
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


def glob_tokens(
    pattern: str,
    *,
    prefix: Sequence[_Token] = (),
    suffix: Sequence[_Token] = (),
    git: bool = False,
) -> list[Token]:
    """The tokens of `pattern` between `prefix` and `suffix` (raises
    MalformedGlob); `git`: read as a `.gitignore` pattern (see `_tokens`)."""
    return [*prefix, *_tokens(pattern, git=git), *suffix]


def compile_glob(
    pattern: str,
    *,
    prefix: Sequence[_Token] = (),
    suffix: Sequence[_Token] = (),
    git: bool = False,
) -> Matcher:
    """A matcher for the whole of a path (raises MalformedGlob); `git`: read
    as a `.gitignore` pattern (see `_tokens`)."""
    tokens = glob_tokens(pattern, prefix=prefix, suffix=suffix, git=git)
    if _backtracks(tokens):
        return _Automaton(tokens).match
    return re.compile(f"{_regex(tokens)}\\Z", re.DOTALL).match


def compile_any(
    patterns: Sequence[str],
    malformed: Callable[[str, MalformedGlob], None],
    *,
    suffix: Sequence[_Token] = (),
) -> Matcher | None:
    """A matcher for paths wholly matching any of `patterns` (None: there are
    none); a malformed pattern is told to `malformed` and matches nothing."""
    found: list[Sequence[_Token]] = []
    for pattern in patterns:
        try:
            found.append([*_tokens(pattern), *suffix])
        except MalformedGlob as exc:
            malformed(pattern, exc)
    if not found:
        return None
    last = LastMatch(found).last
    return lambda path: last(path) >= 0


def _name_only(tokens: Sequence[_Token], wild: Sequence[_Token]) -> bool:
    """Whether the tokens (`wild`: those that are no plain character) never
    match a `/`."""
    if (_CHAR, "/") in tokens:
        return False
    for kind, text in wild:
        if kind in _CROSSING or (kind == _CLASS and re.match(f"[{text}]", "/") is not None):
            return False
    return True


class LastMatch:
    """Which of an ordered list of patterns (token lists) is the last to match
    the whole of a path, in a few calls into C instead of one match per
    pattern (a `.gitignore` holds a hundred rules, each entry of a walk meets
    all of them, and the last matching rule decides).

    A pattern `**/P` where `P` cannot match a `/` matches a path exactly when
    `P` matches its last part, the entry's name: a literal `P` is looked up in
    a dict, `*` and a literal is a suffix, others are alternatives of one
    regular expression over the name. Other patterns: a literal is looked up,
    others are alternatives of one regular expression over the path. The
    alternatives go from the last pattern to the first, each in its own group,
    so the one `re` finds is the last pattern that matches (each alternative
    on its own is one that cannot backtrack, and is tried once). A pattern
    that could backtrack keeps its own linear-time `_Automaton`."""

    __slots__ = (
        "_automata",
        "_name_groups",
        "_name_regex",
        "_names",
        "_path_groups",
        "_path_regex",
        "_paths",
        "_suffix_any",
        "_suffixes",
    )

    def __init__(self, patterns: Sequence[Sequence[_Token]]) -> None:
        self._names: dict[str, int] = {}
        self._paths: dict[str, int] = {}
        suffixes: list[tuple[str, int]] = []
        by_name: list[tuple[int, str]] = []
        by_path: list[tuple[int, str]] = []
        automata: list[tuple[int, Matcher]] = []
        for index, tokens in enumerate(patterns):
            wild = [token for token in tokens if token[0] != _CHAR]
            if not wild:
                self._paths["".join(text for _, text in tokens)] = index
                continue
            if _backtracks(tokens):
                automata.append((index, _Automaton(tokens).match))
                continue
            body = tokens[1:]
            if wild[0] is tokens[0] and tokens[0][0] == _DIRS and _name_only(body, wild[1:]):
                if len(wild) == 1:
                    self._names["".join(text for _, text in body)] = index
                elif len(wild) == 2 and wild[1] is body[0] and body[0][0] == _STAR:
                    suffixes.append(("".join(text for _, text in body[1:]), index))
                else:
                    by_name.append((index, _regex(body)))
                continue
            by_path.append((index, _regex(tokens)))
        self._suffixes = tuple(reversed(suffixes))
        self._suffix_any = tuple(text for text, _ in suffixes)
        self._name_regex, self._name_groups = _alternatives(by_name)
        self._path_regex, self._path_groups = _alternatives(by_path)
        self._automata = tuple(reversed(automata))

    def last(self, path: str, name: str | None = None) -> int:
        """The index of the last pattern matching the whole of `path` (-1:
        none); `name` is its last part when the caller knows it."""
        if name is None:
            name = path.rpartition("/")[2]
        best = self._names.get(name, -1)
        found = self._paths.get(path, -1)
        if found > best:
            best = found
        if self._suffix_any and name.endswith(self._suffix_any):
            for text, index in self._suffixes:
                if index <= best:
                    break
                if name.endswith(text):
                    best = index
                    break
        if self._name_regex is not None:
            match = self._name_regex(name)
            if match is not None and self._name_groups[match.lastindex or 0] > best:
                best = self._name_groups[match.lastindex or 0]
        if self._path_regex is not None:
            match = self._path_regex(path)
            if match is not None and self._path_groups[match.lastindex or 0] > best:
                best = self._path_groups[match.lastindex or 0]
        for index, automaton in self._automata:
            if index <= best:
                break
            if automaton(path):
                best = index
                break
        return best


def _alternatives(
    patterns: Sequence[tuple[int, str]],
) -> tuple[Callable[[str], re.Match[str] | None] | None, tuple[int, ...]]:
    """One regular expression matching a whole path with any of `patterns`
    ((index, regex)), the last first, and the index of each group's pattern."""
    if not patterns:
        return None, ()
    ordered = sorted(patterns, reverse=True)
    source = "|".join(f"({regex})\\Z" for _, regex in ordered)
    return re.compile(source, re.DOTALL).match, (-1, *(index for index, _ in ordered))


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

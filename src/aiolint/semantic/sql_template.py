"""The string literals of a SQL-building expression, split into text and slots.

`template_of(expr)` reads an f-string (or an implicit concatenation of string
literals and f-strings), `"..." % values` or `"...".format(...)` written with
literals only, as a `Template`: its literal leaves, and in source order the
literal text pieces (`Chunk`: the source spelling and the value) and the
interpolated expressions (`Slot`). `Template.rebuild` writes the string back
with some slots replaced by placeholder text (and the quotes around a quoted
value dropped), keeping every other byte of the literals as the author wrote
them: escapes, quotes, prefixes, comments between concatenated parts.

A `%` template may hold only `%s` and `%%`; a `.format()` template only `{}`,
`{0}` or `{name}` fields and doubled braces; an f-string field with a
conversion, a format spec or `=` is not a simple slot. Anything else gives
None (the fix is not offered).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import libcst as cst

from aiolint.semantic.sql_text import HOLE, fstring_text_value

_PERCENT = re.compile(r"%(.|\Z)", re.DOTALL)
_FORMAT = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_FIELD_NAME = re.compile(r"\A(?:\d+|[A-Za-z_]\w*)?\Z")


class Escapes(Enum):
    """How a leaf's literal text spells braces and percent signs."""

    PLAIN = "plain"
    FSTRING = "fstring"
    PERCENT = "percent"
    FORMAT = "format"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Literal text of one leaf: as written (`raw`) and as the program sees it."""

    leaf: int
    raw: str
    value: str


@dataclass(frozen=True, slots=True)
class Slot:
    """An interpolated expression; `field` is its f-string field, if any."""

    leaf: int
    expr: cst.BaseExpression
    field: cst.FormattedStringExpression | None = None


@dataclass(frozen=True, slots=True)
class _Field:
    """A `%s` or `{...}` field of a leaf, before it is matched to its value."""

    leaf: int
    name: str


@dataclass(frozen=True, slots=True)
class Template:
    """A building expression's literals, text pieces and slots (see the module doc)."""

    node: cst.BaseExpression
    """The building expression."""
    string: cst.BaseExpression
    """Its literal: the f-string (or concatenation), the left side of `%`, the
    receiver of `.format()`."""
    leaves: tuple[cst.SimpleString | cst.FormattedString, ...]
    escapes: tuple[Escapes, ...]
    items: tuple[Chunk | Slot, ...]

    def text(self) -> tuple[str, dict[int, int]]:
        """The SQL text, each slot as `HOLE`, and each slot's item index -> offset."""
        pieces: list[str] = []
        offsets: dict[int, int] = {}
        size = 0
        for index, item in enumerate(self.items):
            piece = item.value if isinstance(item, Chunk) else HOLE
            if isinstance(item, Slot):
                offsets[index] = size
            pieces.append(piece)
            size += len(piece)
        return "".join(pieces), offsets

    def rebuild(
        self, placeholders: Mapping[int, str], quoted: frozenset[int]
    ) -> cst.BaseExpression | None:
        """The literal with the slots at `placeholders` (item index -> text) replaced,
        the quotes around the `quoted` ones dropped; other slots of an f-string stay
        fields. None when a quote to drop is not spelled `'` or `\\'` in the source."""
        trims = _trims(self.items, quoted)
        if trims is None:
            return None
        new_leaves: dict[cst.CSTNode, cst.BaseExpression] = {}
        for leaf_index, leaf in enumerate(self.leaves):
            parts: list[str | cst.FormattedStringExpression] = []
            for index, item in enumerate(self.items):
                if item.leaf != leaf_index:
                    continue
                if isinstance(item, Chunk):
                    start, end = trims.get(index, (0, 0))
                    parts.append(item.raw[start : len(item.raw) - end])
                elif index in placeholders:
                    parts.append(placeholders[index])
                elif item.field is not None:
                    parts.append(item.field)
                else:
                    return None
            new_leaves[leaf] = _leaf(leaf, self.escapes[leaf_index], parts)
        replaced = _replace_leaves(self.string, new_leaves)
        if self.node is self.string:
            return replaced
        if self.node.lpar and not replaced.lpar:
            return replaced.with_changes(lpar=self.node.lpar, rpar=self.node.rpar)
        return replaced


def _trims(
    items: Sequence[Chunk | Slot], quoted: frozenset[int]
) -> dict[int, tuple[int, int]] | None:
    """Characters to cut from the start and end of each chunk (the quotes)."""
    trims: dict[int, tuple[int, int]] = {}
    for index in quoted:
        if index == 0 or index + 1 >= len(items):
            return None
        before, after = items[index - 1], items[index + 1]
        if not isinstance(before, Chunk) or not isinstance(after, Chunk):
            return None
        end = 2 if before.raw.endswith("\\'") else 1 if before.raw.endswith("'") else 0
        start = 2 if after.raw.startswith("\\'") else 1 if after.raw.startswith("'") else 0
        if not end or not start:
            return None
        trims[index - 1] = (trims.get(index - 1, (0, 0))[0], end)
        trims[index + 1] = (start, trims.get(index + 1, (0, 0))[1])
    return trims


def _leaf(
    leaf: cst.SimpleString | cst.FormattedString,
    escapes: Escapes,
    parts: list[str | cst.FormattedStringExpression],
) -> cst.BaseExpression:
    if escapes is Escapes.FSTRING and isinstance(leaf, cst.FormattedString):
        quote = leaf.end
        prefix = leaf.start[: -len(quote)]
        if any(isinstance(p, cst.FormattedStringExpression) for p in parts):
            return leaf.with_changes(parts=_fstring_parts(parts))
        body = "".join(p for p in parts if isinstance(p, str))
        body = body.replace("{{", "{").replace("}}", "}")
        return cst.SimpleString(
            prefix.replace("f", "").replace("F", "") + quote + body + quote,
            lpar=leaf.lpar,
            rpar=leaf.rpar,
        )
    assert isinstance(leaf, cst.SimpleString)
    body = "".join(p for p in parts if isinstance(p, str))
    if escapes is Escapes.PERCENT:
        body = body.replace("%%", "%")
    elif escapes is Escapes.FORMAT:
        body = body.replace("{{", "{").replace("}}", "}")
    return leaf.with_changes(value=leaf.prefix + leaf.quote + body + leaf.quote)


def _fstring_parts(
    parts: list[str | cst.FormattedStringExpression],
) -> list[cst.BaseFormattedStringContent]:
    merged: list[cst.BaseFormattedStringContent] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            last = merged[-1] if merged else None
            if isinstance(last, cst.FormattedStringText):
                merged[-1] = cst.FormattedStringText(last.value + part)
            else:
                merged.append(cst.FormattedStringText(part))
        else:
            merged.append(part)
    return merged


def _replace_leaves(
    node: cst.BaseExpression, new: Mapping[cst.CSTNode, cst.BaseExpression]
) -> cst.BaseExpression:
    if isinstance(node, cst.ConcatenatedString):
        return node.with_changes(
            left=_replace_leaves(node.left, new), right=_replace_leaves(node.right, new)
        )
    return new.get(node, node)


# -- reading --------------------------------------------------------------------


def template_of(expr: cst.BaseExpression) -> Template | None:
    """`expr` as a template (see the module doc), or None."""
    if isinstance(expr, cst.FormattedString | cst.ConcatenatedString):
        return _fstring_template(expr)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        return _percent_template(expr)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
    ):
        return _format_template(expr, expr.func.value)
    return None


def _leaves(node: cst.BaseExpression) -> list[cst.SimpleString | cst.FormattedString] | None:
    if isinstance(node, cst.ConcatenatedString):
        left, right = _leaves(node.left), _leaves(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        return [node]
    if isinstance(node, cst.FormattedString) and "b" not in node.start.lower():
        return [node]
    return None


def _body(leaf: cst.SimpleString) -> str:
    return leaf.value[len(leaf.prefix) + len(leaf.quote) : -len(leaf.quote)]


def _fstring_template(expr: cst.BaseExpression) -> Template | None:
    leaves = _leaves(expr)
    if leaves is None:
        return None
    items: list[Chunk | Slot] = []
    escapes: list[Escapes] = []
    for index, leaf in enumerate(leaves):
        if isinstance(leaf, cst.SimpleString):
            escapes.append(Escapes.PLAIN)
            value = leaf.evaluated_value
            assert isinstance(value, str)
            if value:
                items.append(Chunk(index, _body(leaf), value))
            continue
        escapes.append(Escapes.FSTRING)
        raw = "r" in leaf.start.lower()
        for part in leaf.parts:
            if isinstance(part, cst.FormattedStringText):
                items.append(Chunk(index, part.value, fstring_text_value(part.value, raw)))
            elif isinstance(part, cst.FormattedStringExpression):
                if part.conversion is not None or part.format_spec is not None or part.equal:
                    return None
                items.append(Slot(index, part.expression, part))
    return Template(expr, expr, tuple(leaves), tuple(escapes), tuple(items))


def _split(
    leaves: list[cst.SimpleString], pattern: re.Pattern[str], kind: Escapes
) -> tuple[list[Chunk | _Field], list[str]] | None:
    """Chunks and fields (`""` names `%s` and `{}`), and the field names in order;
    the caller turns the fields into slots. None on an unsupported spelling."""
    items: list[Chunk | _Field] = []
    names: list[str] = []
    for index, leaf in enumerate(leaves):
        value = leaf.evaluated_value
        assert isinstance(value, str)
        raw_pieces = _fields(_body(leaf), pattern, kind)
        value_pieces = _fields(value, pattern, kind)
        if raw_pieces is None or value_pieces is None:
            return None
        if [n for _, n in raw_pieces] != [n for _, n in value_pieces]:
            return None
        for (raw_text, name), (value_text, _) in zip(raw_pieces, value_pieces, strict=True):
            if raw_text:
                unescaped = (
                    value_text.replace("%%", "%")
                    if kind is Escapes.PERCENT
                    else value_text.replace("{{", "{").replace("}}", "}")
                )
                items.append(Chunk(index, raw_text, unescaped))
            if name is not None:
                items.append(_Field(index, name))
                names.append(name)
    return items, names


def _fields(
    text: str, pattern: re.Pattern[str], kind: Escapes
) -> list[tuple[str, str | None]] | None:
    """(literal text with its escapes, the field that follows or None at the end)."""
    pieces: list[tuple[str, str | None]] = []
    start = 0
    for match in pattern.finditer(text):
        token = match.group(0)
        if token in ("%%", "{{", "}}"):
            continue
        if kind is Escapes.PERCENT:
            if match.group(1) != "s":
                return None
            name = ""
        else:
            name = match.group(1)
            if name is None or not _FIELD_NAME.match(name):
                return None
        pieces.append((text[start : match.start()], name))
        start = match.end()
    pieces.append((text[start:], None))
    return pieces


def _percent_template(expr: cst.BinaryOperation) -> Template | None:
    leaves = _leaves(expr.left)
    if leaves is None or not all(isinstance(leaf, cst.SimpleString) for leaf in leaves):
        return None
    right = expr.right
    if isinstance(right, cst.Dict):
        return None
    if isinstance(right, cst.Tuple) and not right.lpar:
        return None  # `"..." % a, b` is a tuple of two things
    if isinstance(right, cst.Tuple):
        if any(isinstance(e, cst.StarredElement) for e in right.elements):
            return None
        values = [e.value for e in right.elements]
    else:
        values = [right]
    split = _split(leaves, _PERCENT, Escapes.PERCENT)  # type: ignore[arg-type]
    if split is None or len(split[1]) != len(values):
        return None
    positions = iter(values)
    items = [
        Slot(item.leaf, next(positions)) if isinstance(item, _Field) else item for item in split[0]
    ]
    escapes = (Escapes.PERCENT,) * len(leaves)
    return Template(expr, expr.left, tuple(leaves), escapes, tuple(items))  # type: ignore[arg-type]


def _format_template(expr: cst.Call, receiver: cst.BaseExpression) -> Template | None:
    leaves = _leaves(receiver)
    if leaves is None or not all(isinstance(leaf, cst.SimpleString) for leaf in leaves):
        return None
    if any(arg.star for arg in expr.args):
        return None
    positional = [a.value for a in expr.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in expr.args if a.keyword is not None}
    split = _split(leaves, _FORMAT, Escapes.FORMAT)  # type: ignore[arg-type]
    if split is None:
        return None
    names = split[1]
    if "" in names and any(n.isdigit() for n in names):
        return None  # mixes automatic and manual numbering: a ValueError
    auto = iter(range(len(names)))
    items: list[Chunk | Slot] = []
    for item in split[0]:
        if isinstance(item, Chunk):
            items.append(item)
            continue
        name = item.name
        if name in keywords:
            value = keywords[name]
        else:
            number = next(auto) if name == "" else int(name) if name.isdigit() else None
            if number is None or number >= len(positional):
                return None
            value = positional[number]
        items.append(Slot(item.leaf, value))
    escapes = (Escapes.FORMAT,) * len(leaves)
    return Template(expr, receiver, tuple(leaves), escapes, tuple(items))  # type: ignore[arg-type]

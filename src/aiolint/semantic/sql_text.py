"""SQL text built from strings: its constant text and the values interpolated into it.

`build_of(ctx, expr)` describes a string-building expression (an f-string, `%`
formatting, `.format()`, `+` concatenation, `sep.join(...)`) as a `SqlBuild`:
the node that builds the text, its template node, the constant text (each
unknown part replaced by `HOLE`) and the interpolated expressions that are not
constant (`holes`). The later fix rewrites exactly those holes into bound
parameters.

`variable_builds(ctx, name)` does the same for a local variable that reaches a
sink: every building site among its assignments in the same function (`q =
f"..."`, `q += f" AND x = {y}"`, `q = q + ...`), judged SQL-like on the
variable's whole text.

What is constant (never a hole): literals; UPPER_CASE names imported or bound
at module level to constants only (`TABLE = "users"`, not `SCHEMA =
os.environ["SCHEMA"]`); `__tablename__`; UPPER_CASE attributes of `self`/`cls`,
of a class of the module or of an imported module or class, but never of a
settings object (`settings.DATABASE_SCHEMA`, `config.X`, `self.settings.X`:
environment, whatever the case); names whose every binding is constant (`table = "users"`,
`for col in ALLOWED_COLUMNS`, `for i in range(n)`); placeholder lists built from
constants (`", ".join("?" * len(ids))`, `",".join(f":p{i}" for i in range(n))`,
a local list only ever appended constant strings); `len(...)`.

SQL-like (`is_sql`): the constant text, after leading whitespace and SQL
comments, begins with SELECT/INSERT/UPDATE/DELETE/WITH/REPLACE/MERGE and holds
FROM/INTO/SET/WHERE/VALUES as a word, or begins with a statement that is SQL
by its first words: `CREATE`/`ALTER`/`DROP` of a table, index, schema, role...,
`TRUNCATE`, `GRANT`, `REVOKE`, `SET x = / TO`, `COPY`, `VACUUM`, `ANALYZE`,
`EXPLAIN`, `CALL`, `COMMENT ON`, `SELECT f(...)` (`known_names.SQL_STATEMENT`).
Interpolated values never count: only the text the program itself wrote decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import Assignment, GlobalScope

from aiolint.engine import known_names
from aiolint.semantic.bindings import assignments_of, binding_value
from aiolint.semantic.context import FileContext
from aiolint.semantic.functions import enclosing_scope
from aiolint.semantic.names import qualified_name
from aiolint.semantic.reaching import reaching_bindings

#: Stands for an unknown part in `SqlBuild.text`.
HOLE = "\x00"
_MAX_DEPTH = 10

_LEADING = re.compile(r"\A" + known_names.SQL_LEADING, re.DOTALL)
_VERB = re.compile(known_names.SQL_VERB, re.IGNORECASE)
_CLAUSE = re.compile(known_names.SQL_CLAUSE, re.IGNORECASE)
_STATEMENT = re.compile(known_names.SQL_STATEMENT, re.IGNORECASE)
_UPPER = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_SANITIZER = re.compile(r"(?:^|_)(?:quote|escape)", re.IGNORECASE)
_IDENTIFIER_ATTRS = frozenset({"__tablename__"})
#: A part of a dotted name that names a settings object or module (its values come
#: from the environment): `settings`, `app_settings`, `config`, `django.conf`.
_SETTINGS = re.compile(
    r"(?:^|[._])(?:settings|config|conf|cfg|env|environ)(?:$|[._])", re.IGNORECASE
)
_LIST_READS = frozenset({"copy", "count", "index", "pop", "remove", "clear", "sort", "reverse"})
_PASSIVE_CALLS = frozenset(
    {"builtins.len", "builtins.bool", "builtins.list", "builtins.tuple", "builtins.sorted"}
)


def _unescape(text: str) -> str:
    """The value of a non-raw f-string's literal text: escapes and doubled braces."""
    text = text.replace("{{", "{").replace("}}", "}")
    if "\\" not in text:
        return text
    try:
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return text


class BuildKind(Enum):
    """How a string is built."""

    FSTRING = "an f-string"
    PERCENT = "`%` formatting"
    FORMAT = "`.format()`"
    CONCAT = "`+` concatenation"
    JOIN = "`str.join()`"


@dataclass(frozen=True, slots=True)
class SqlBuild:
    """One string-building expression and what it interpolates."""

    node: cst.BaseExpression
    """The building expression (what a diagnostic spans)."""
    kind: BuildKind
    template: cst.BaseExpression | None
    """The string holding the template: the f-string itself, the left side of
    `%`, the receiver of `.format()`, the separator of `.join()`; None for `+`."""
    holes: tuple[cst.BaseExpression, ...]
    """The non-constant interpolated expressions, in source order (for an
    f-string, each `FormattedStringExpression.expression`)."""
    text: str
    """The constant text, unknown parts as `HOLE`."""


def is_sql(text: str) -> bool:
    """Whether constant text reads as a SQL statement (see the module doc)."""
    body = text[_LEADING.match(text).end() :]  # type: ignore[union-attr]
    if _STATEMENT.match(body) is not None:
        return True
    return _VERB.match(body) is not None and _CLAUSE.search(body) is not None


def starts_like_sql(text: str) -> bool:
    body = text[_LEADING.match(text).end() :]  # type: ignore[union-attr]
    return _VERB.match(body) is not None


def is_sql_statement(text: str) -> bool:
    """Whether the text begins with a statement that is SQL by its first words
    (`CREATE TABLE`, `SET search_path TO`, `SELECT setval(`)."""
    body = text[_LEADING.match(text).end() :]  # type: ignore[union-attr]
    return _STATEMENT.match(body) is not None


def has_sql_clause(text: str) -> bool:
    return _CLAUSE.search(text) is not None


@dataclass(frozen=True, slots=True)
class _Pieces:
    text: str
    holes: tuple[cst.BaseExpression, ...] = ()

    def __add__(self, other: _Pieces) -> _Pieces:
        return _Pieces(self.text + other.text, self.holes + other.holes)


_EMPTY = _Pieces("")


class _Analyzer:
    """Per-call analysis state: the file and the variable whose own earlier
    value (`q = q + ...`) counts as constant text."""

    def __init__(self, ctx: FileContext, self_name: str | None = None) -> None:
        self.ctx = ctx
        self.self_name = self_name
        self._visiting: set[frozenset[object]] = set()

    # -- string-ish expressions -------------------------------------------------

    def pieces(self, expr: cst.BaseExpression, depth: int = 0) -> _Pieces | None:
        """Text and holes of a string-valued expression; None when `expr` is not
        known to be a string (a parameter, a call, a number)."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            return _Pieces(value if isinstance(value, str) else value.decode("latin-1"))
        if isinstance(expr, cst.ConcatenatedString):
            result = _EMPTY
            for operand in _flatten(expr):
                found = self.pieces(operand, depth + 1)
                if found is None:
                    return None
                result += found
            return result
        if isinstance(expr, cst.FormattedString):
            return self._fstring(expr, depth)
        if isinstance(expr, cst.BinaryOperation):
            return self._binary(expr, depth)
        if isinstance(expr, cst.Call):
            return self._method(expr, depth)
        if isinstance(expr, cst.Name):
            return self._name(expr, depth)
        return None

    def part(self, expr: cst.BaseExpression, depth: int) -> _Pieces:
        """An interpolated part: its text when known, else HOLE; a hole unless constant."""
        found = self.pieces(expr, depth + 1)
        if found is not None:
            return found
        if self.is_constant(expr, depth + 1):
            return _Pieces(HOLE)
        return _Pieces(HOLE, (expr,))

    def _fstring(self, expr: cst.FormattedString, depth: int) -> _Pieces:
        result = _EMPTY
        raw = "r" in expr.prefix.lower()
        for piece in expr.parts:
            if isinstance(piece, cst.FormattedStringText):
                result += _Pieces(piece.value if raw else _unescape(piece.value))
            elif isinstance(piece, cst.FormattedStringExpression):
                result += self.part(piece.expression, depth)
        return result

    def _binary(self, expr: cst.BinaryOperation, depth: int) -> _Pieces | None:
        op = expr.operator
        if isinstance(op, cst.Add):
            operands = _flatten(expr)
            found = [self.pieces(operand, depth + 1) for operand in operands]
            if all(f is None for f in found):
                return None
            result = _EMPTY
            for operand, piece in zip(operands, found, strict=True):
                result += piece if piece is not None else self.part(operand, depth)
            return result
        if isinstance(op, cst.Modulo):
            template = self.pieces(expr.left, depth + 1)
            if template is None:
                return None
            return template + self._values(_percent_values(expr.right), depth)
        if isinstance(op, cst.Multiply):
            # "?" * n: a repeated constant (a count adds no text of its own).
            for text in (expr.left, expr.right):
                found = self.pieces(text, depth + 1)
                if found is not None and not found.holes:
                    return found
        return None

    def _values(self, values: list[cst.BaseExpression], depth: int) -> _Pieces:
        holes: tuple[cst.BaseExpression, ...] = ()
        for value in values:
            holes += self.part(value, depth).holes
        return _Pieces("", holes)

    def _method(self, call: cst.Call, depth: int) -> _Pieces | None:
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        receiver = self.pieces(func.value, depth + 1)
        if receiver is None:
            return None
        if func.attr.value == "format":
            values = [a.value for a in call.args]
            return receiver + self._values(values, depth)
        if func.attr.value == "join" and len(call.args) == 1 and not call.args[0].star:
            if receiver.holes:
                return None
            return self._join(receiver.text, call.args[0].value, depth)
        return None

    def _join(self, sep: str, iterable: cst.BaseExpression, depth: int) -> _Pieces:
        elements = self.elements(iterable, depth + 1)
        if elements is None:
            return _Pieces(HOLE, (iterable,))
        texts: list[str] = []
        holes: tuple[cst.BaseExpression, ...] = ()
        for element in elements:
            found = self.part(element, depth)
            texts.append(found.text)
            holes += found.holes
        return _Pieces(sep.join(texts), holes)

    def _name(self, name: cst.Name, depth: int) -> _Pieces | None:
        if self.self_name is not None and name.value == self.self_name:
            return _EMPTY  # the variable's own earlier value: judged at variable level
        assignments = reaching_bindings(self.ctx, name)
        if len(assignments) != 1:
            return None
        value = binding_value(self.ctx, assignments[0])
        if not isinstance(value, cst.BaseExpression):
            return None
        found = self.pieces(value, depth + 1)
        if found is None or not found.holes:
            return found
        return _Pieces(found.text, (name,))

    # -- constants --------------------------------------------------------------

    def is_constant(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """Whether `expr` holds no outside value (see the module doc)."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, cst.Integer | cst.Float | cst.Imaginary):
            return True
        if isinstance(expr, cst.Name):
            return self._constant_name(expr, depth)
        if isinstance(expr, cst.Attribute):
            return self._constant_attribute(expr)
        if isinstance(expr, cst.UnaryOperation):
            return self.is_constant(expr.expression, depth + 1)
        if isinstance(expr, cst.List | cst.Tuple | cst.Set):
            return all(
                not isinstance(e, cst.StarredElement) and self.is_constant(e.value, depth + 1)
                for e in expr.elements
            )
        if isinstance(expr, cst.Call) and (
            qualified_name(self.ctx, expr.func) == "builtins.len" or _is_sanitizer(expr)
        ):
            return True
        if isinstance(expr, cst.BinaryOperation) and (
            self.is_constant(expr.left, depth + 1) and self.is_constant(expr.right, depth + 1)
        ):
            return True
        if isinstance(expr, cst.IfExp):
            return self.is_constant(expr.body, depth + 1) and self.is_constant(
                expr.orelse, depth + 1
            )
        found = self.pieces(expr, depth + 1)
        return found is not None and not found.holes

    def _constant_name(self, name: cst.Name, depth: int) -> bool:
        if name.value in ("True", "False", "None"):
            return True
        if self.self_name is not None and name.value == self.self_name:
            return True
        everywhere = assignments_of(self.ctx, name)
        if _UPPER.match(name.value) and all(
            isinstance(a.scope, GlobalScope) for a in everywhere or ()
        ):
            # A module-level constant (an identifier): imported, or bound to literals.
            return all(self._module_constant(a, depth) for a in everywhere or ())
        assignments = reaching_bindings(self.ctx, name)
        if not assignments:
            return False
        key = frozenset(assignments)
        if key in self._visiting:
            return True  # `x = x + "..."`: constant if every other part is
        self._visiting.add(key)
        try:
            return all(self._constant_binding(a, depth) for a in assignments)
        finally:
            self._visiting.discard(key)

    def _module_constant(self, assignment: object, depth: int) -> bool:
        """A module-level binding of an UPPER_CASE name: an import (another module's
        constant, taken on trust) or a constant value (not `os.environ[...]`)."""
        if isinstance(assignment, Assignment) and isinstance(
            assignment.node, cst.Import | cst.ImportFrom
        ):
            return True
        return self._constant_binding(assignment, depth)

    def _constant_attribute(self, expr: cst.Attribute) -> bool:
        """`Model.__tablename__`; an UPPER_CASE attribute of `self`/`cls` (a class
        constant), of a class of this module or of an imported module or class.
        Never one of a settings object (`settings.DATABASE_SCHEMA`,
        `config.X`, `self.settings.X`, `get_settings().X`): it comes from the
        environment, whatever its case."""
        attr = expr.attr.value
        if attr in _IDENTIFIER_ATTRS:
            return True
        if _UPPER.match(attr) is None:
            return False
        receiver = get_full_name_for_node(expr.value)
        head = expr.value
        while isinstance(head, cst.Attribute):
            head = head.value
        if receiver is None or not isinstance(head, cst.Name):
            return False  # a call's result, a subscript
        resolved = qualified_name(self.ctx, head) or ""
        if _SETTINGS.search(receiver) or _SETTINGS.search(resolved):
            return False
        if receiver in ("self", "cls"):
            return True
        bindings = assignments_of(self.ctx, head)
        return bool(bindings) and all(
            isinstance(binding_value(self.ctx, b), cst.Import | cst.ImportFrom | cst.ClassDef)
            for b in bindings or ()
        )

    def _constant_binding(self, assignment: object, depth: int) -> bool:
        if not isinstance(assignment, Assignment):
            return False
        node = assignment.node
        if isinstance(node, cst.Name):
            loop = self._loop_iter(node)
            if loop is not None:
                return self._constant_iteration(loop, depth)
            parent = self.ctx.parent(node)
            if isinstance(parent, cst.AugAssign):
                return self.is_constant(parent.value, depth + 1)
        value = binding_value(self.ctx, assignment)
        return isinstance(value, cst.BaseExpression) and self.is_constant(value, depth + 1)

    def _loop_iter(self, target: cst.Name) -> tuple[cst.BaseExpression, bool] | None:
        """For a `for` / comprehension target: (the iterable, whether `target` is the
        index of an `enumerate` tuple target)."""
        parent = self.ctx.parent(target)
        index = False
        if isinstance(parent, cst.Element):
            tuple_node = self.ctx.parent(parent)
            if not isinstance(tuple_node, cst.Tuple) or tuple_node.elements[0] is not parent:
                return None
            parent, index = self.ctx.parent(tuple_node), True
            target_node: cst.CSTNode = tuple_node
        else:
            target_node = target
        if isinstance(parent, cst.For | cst.CompFor) and parent.target is target_node:
            return parent.iter, index
        return None

    def _constant_iteration(self, loop: tuple[cst.BaseExpression, bool], depth: int) -> bool:
        iterable, index = loop
        callee = qualified_name(self.ctx, iterable.func) if isinstance(iterable, cst.Call) else None
        if index:
            return callee == "builtins.enumerate"
        if callee == "builtins.range":
            return True
        return self.is_constant(iterable, depth + 1)

    # -- lists joined into SQL --------------------------------------------------

    def elements(self, iterable: cst.BaseExpression, depth: int) -> list[cst.BaseExpression] | None:
        """The items a `.join()` argument yields, when they can be listed."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(iterable, cst.List | cst.Tuple | cst.Set):
            if any(isinstance(e, cst.StarredElement) for e in iterable.elements):
                return None
            return [e.value for e in iterable.elements]
        if isinstance(iterable, cst.GeneratorExp | cst.ListComp | cst.SetComp):
            return [iterable.elt]
        if isinstance(iterable, cst.BinaryOperation):
            if isinstance(iterable.operator, cst.Multiply):
                for seq in (iterable.left, iterable.right):
                    found = self.elements(seq, depth + 1)
                    if found is not None:
                        return found
                return None
            if isinstance(iterable.operator, cst.Add):
                left = self.elements(iterable.left, depth + 1)
                right = self.elements(iterable.right, depth + 1)
                return left + right if left is not None and right is not None else None
            return None
        if isinstance(iterable, cst.Name):
            return self._list_variable(iterable, depth)
        if self.is_constant(iterable, depth + 1):
            return [iterable]
        return None

    def _list_variable(self, name: cst.Name, depth: int) -> list[cst.BaseExpression] | None:
        """Items of a local list built by literals, `+=`, `.append/.extend/.insert`;
        None when it escapes (passed to a call) or is changed another way."""
        assignments = assignments_of(self.ctx, name)
        if not assignments:
            return None
        items: list[cst.BaseExpression] = []
        uses: dict[cst.CSTNode, None] = {}
        for assignment in assignments:
            if not isinstance(assignment, Assignment) or not isinstance(assignment.node, cst.Name):
                return None
            parent = self.ctx.parent(assignment.node)
            if isinstance(parent, cst.AugAssign) and isinstance(parent.operator, cst.AddAssign):
                value: cst.BaseExpression | None = parent.value
            else:
                found = binding_value(self.ctx, assignment)
                value = found if isinstance(found, cst.BaseExpression) else None
            if value is None:
                if self._constant_binding(assignment, depth):
                    continue  # a constant loop target (`for parts in OPTIONS`)
                return None
            listed = self.elements(value, depth + 1)
            if listed is None:
                return None
            items.extend(listed)
            uses.update((access.node, None) for access in assignment.references)
        for use in uses:
            added = self._list_use(use, depth)
            if added is None:
                return None
            items.extend(added)
        return items

    def _list_use(self, node: cst.CSTNode, depth: int) -> list[cst.BaseExpression] | None:
        """What one use of a list name adds to it ([] for a read); None if unknown."""
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            call = self.ctx.parent(parent)
            method = parent.attr.value
            if method in _LIST_READS:
                return []
            if not isinstance(call, cst.Call) or call.func is not parent:
                return None
            args = [a.value for a in call.args if not a.star]
            if len(args) != len(call.args):
                return None
            if method == "append" and len(args) == 1:
                return args
            if method == "insert" and len(args) == 2:
                return args[1:]
            if method == "extend" and len(args) == 1:
                return self.elements(args[0], depth + 1)
            return None
        if isinstance(parent, cst.Arg):
            call = self.ctx.parent(parent)
            if not isinstance(call, cst.Call):
                return None
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "join":
                return []
            return [] if qualified_name(self.ctx, func) in _PASSIVE_CALLS else None
        if isinstance(parent, cst.Subscript):
            grand = self.ctx.parent(parent)
            if isinstance(grand, cst.AssignTarget | cst.AugAssign | cst.Del):
                return None
            return []
        return []


def _flatten(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """Operands of an implicit concatenation or a `+` chain, in order (iteratively:
    a 40-line SQL literal must not run into the depth limit)."""
    operands: list[cst.BaseExpression] = []
    pending: list[cst.BaseExpression] = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.ConcatenatedString) or (
            isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)
        ):
            pending += [node.right, node.left]
        else:
            operands.append(node)
    return operands


def _is_sanitizer(call: cst.Call) -> bool:
    """`quote_identifier(x)`, `preparer.quote(x)`, `conn.escape_string(x)` ..."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else None
    if isinstance(func, cst.Name):
        name = func.value
    return name is not None and _SANITIZER.search(name) is not None


def _percent_values(right: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(right, cst.Tuple):
        return [e.value for e in right.elements]
    if isinstance(right, cst.Dict):
        return [e.value for e in right.elements]
    return [right]


def _kind(expr: cst.BaseExpression) -> tuple[BuildKind, cst.BaseExpression | None] | None:
    """Whether `expr` is a building expression, and its template node."""
    if isinstance(expr, cst.FormattedString):
        return BuildKind.FSTRING, expr
    if isinstance(expr, cst.ConcatenatedString):
        return BuildKind.FSTRING, expr
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Add):
            return BuildKind.CONCAT, None
        if isinstance(expr.operator, cst.Modulo):
            return BuildKind.PERCENT, expr.left
        return None
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        if expr.func.attr.value == "format":
            return BuildKind.FORMAT, expr.func.value
        if expr.func.attr.value == "join":
            return BuildKind.JOIN, expr.func.value
    return None


def _build(
    ctx: FileContext, expr: cst.BaseExpression, self_name: str | None = None
) -> tuple[SqlBuild | None, str | None]:
    """(the build with its holes, or None when nothing is interpolated; the text)."""
    kind = _kind(expr)
    if kind is None:
        return None, None
    found = _Analyzer(ctx, self_name).pieces(expr)
    if found is None:
        return None, None
    if not found.holes:
        return None, found.text
    return SqlBuild(expr, kind[0], kind[1], found.holes, found.text), found.text


def build_of(ctx: FileContext, expr: cst.BaseExpression) -> SqlBuild | None:
    """`expr` as a SQL-building expression with non-constant parts, else None."""
    build, _ = _build(ctx, expr)
    return build if build is not None and is_sql(build.text) else None


class Interpolation(Enum):
    """What an interpolated expression is, for the fix."""

    CONSTANT = "constant"
    """No outside value (an identifier constant, a literal): stays interpolated."""
    VALUE = "value"
    """An outside value that is not known to be SQL text: can become a parameter."""
    FRAGMENT = "fragment"
    """Text known to be built from outside values (a SQL fragment): no parameter."""


def interpolation(ctx: FileContext, expr: cst.BaseExpression) -> Interpolation:
    """How the fix must treat `expr` interpolated into SQL text."""
    analyzer = _Analyzer(ctx)
    found = analyzer.pieces(expr)
    if found is not None:
        return Interpolation.FRAGMENT if found.holes else Interpolation.CONSTANT
    return Interpolation.CONSTANT if analyzer.is_constant(expr) else Interpolation.VALUE


def fstring_text_value(text: str, raw: bool) -> str:
    """The value of an f-string's literal text part (escapes, doubled braces)."""
    return text.replace("{{", "{").replace("}}", "}") if raw else _unescape(text)


def alternatives(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """`a if c else b` -> [a, b] (recursively); anything else -> [expr]."""
    if isinstance(expr, cst.IfExp):
        return alternatives(expr.body) + alternatives(expr.orelse)
    return [expr]


@dataclass(frozen=True, slots=True)
class _Binding:
    """One assignment of a variable: where, how, and the value it binds."""

    position: tuple[int, int]
    block: cst.CSTNode | None
    augmented: bool
    value: cst.BaseExpression


def variable_builds(ctx: FileContext, name: cst.Name) -> list[SqlBuild]:
    """The SQL-building assignments of a local variable read at `name`, in the
    same function (or module-level code) as the read.

    A plain assignment followed, in the same block, by another plain assignment
    of the variable does not reach the read (unless the read lies between them).
    """
    assignments = reaching_bindings(ctx, name)
    if not assignments:
        return []
    scope = enclosing_scope(ctx, name)
    read = _position(ctx, name)
    bindings = [b for a in assignments for b in _bindings(ctx, a, scope)]
    live = sorted(
        (b for b in bindings if not _overwritten(b, bindings, read)), key=lambda b: b.position
    )
    builds: list[SqlBuild] = []
    starts = statement = False
    combined = ""
    for binding in live:
        build, text = _build(ctx, binding.value, name.value)
        if text is None:
            text = _Analyzer(ctx, name.value).part(binding.value, 0).text
        if not binding.augmented and starts_like_sql(text):
            starts = True
        if not binding.augmented and is_sql_statement(text):
            statement = True
        combined += text
        if build is not None:
            builds.append(build)
    if not statement and (not starts or not has_sql_clause(combined)):
        return []
    return builds


def _bindings(ctx: FileContext, assignment: object, scope: cst.CSTNode) -> list[_Binding]:
    """`x = v`, `x: T = v`, `x += v` in `scope` (each branch of `a if c else b`)."""
    if not isinstance(assignment, Assignment) or not isinstance(assignment.node, cst.Name):
        return []
    target = assignment.node
    if enclosing_scope(ctx, target) is not scope:
        return []
    parent = ctx.parent(target)
    if isinstance(parent, cst.AugAssign):
        if not isinstance(parent.operator, cst.AddAssign):
            return []
        augmented, value = True, parent.value
    else:
        found = binding_value(ctx, assignment)
        if not isinstance(found, cst.BaseExpression):
            return []
        augmented, value = False, found
    position = _position(ctx, target)
    block = _block(ctx, target)
    return [_Binding(position, block, augmented, v) for v in alternatives(value)]


def _overwritten(binding: _Binding, bindings: list[_Binding], read: tuple[int, int]) -> bool:
    if binding.augmented:
        return False
    return any(
        not later.augmented
        and later.block is binding.block
        and later.position > binding.position
        and not binding.position < read < later.position
        for later in bindings
    )


def _position(ctx: FileContext, node: cst.CSTNode) -> tuple[int, int]:
    start = ctx.positions[node].start
    return start.line, start.column


def _block(ctx: FileContext, node: cst.CSTNode) -> cst.CSTNode | None:
    """The statement list (indented block or module) that holds `node`'s statement."""
    current: cst.CSTNode | None = node
    while current is not None:
        parent = ctx.parent(current)
        if isinstance(parent, cst.IndentedBlock | cst.Module) and isinstance(
            current, cst.BaseStatement
        ):
            return parent
        current = parent
    return None

"""How control can leave a block of statements.

`exits(block)` is the set of ways control may leave `block`: falling off its
end, `return`, `break`, `continue` or `raise`. It is a syntactic,
over-approximating analysis: every way that *may* be taken is in the set, so
"no exit other than `RAISE`" (`always_raises`) is a safe answer to "does every
path through this block end in `raise`?". Statements after one that never
falls through are dead and ignored.

What it knows:
- `if`/`elif`/`else`, `match` (falls through unless a case is irrefutable);
- `try`/`except`/`except*`/`else`/`finally`: every handler is assumed
  reachable; a `finally` that cannot fall through replaces the exits of the
  whole statement;
- `for`/`while` loops own their `break`/`continue`; a `while` whose test is
  known true (`while True:`, `while 1:`) ends only by `break`, `return` or
  `raise`; with no `break` it never falls through;
- `with`/`async with` bodies are transparent (a context manager is assumed not
  to swallow exceptions);
- nested `def`/`class` statements just fall through.

It does not know that a call never returns (`sys.exit()`) nor that a `raise`
inside a `try` is caught by one of its handlers (the `raise` is then counted as
an exit *and* the handler's exits are counted too).

`truth`, when given, is asked about every `if`/`elif`/`while` test (and each
operand of `not`, `and`, `or`) and may say it is known true (`True`), known
false (`False`) or unknown (`None`); constants (`True`, `False`, `None`,
numbers) are evaluated without it, and `not`/`and`/`or` combine known parts
(`unknown and False` is false, `unknown or True` is true).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

import libcst as cst

__all__ = ["Exit", "Truth", "always_raises", "exits"]


class Exit(enum.Enum):
    """One way control can leave a block."""

    FALLTHROUGH = "fallthrough"
    RETURN = "return"
    BREAK = "break"
    CONTINUE = "continue"
    RAISE = "raise"


#: Tells whether a test expression is known true, known false, or unknown (None).
Truth = Callable[[cst.BaseExpression], "bool | None"]

_FALL = frozenset({Exit.FALLTHROUGH})
_LOOP_OWNED = frozenset({Exit.BREAK, Exit.CONTINUE, Exit.FALLTHROUGH})

Block = cst.BaseSuite | Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]


def always_raises(block: Block, truth: Truth | None = None) -> bool:
    """Whether every path through `block` ends in `raise` (an infinite loop
    without `break` counts: it never leaves the block otherwise)."""
    return exits(block, truth) <= {Exit.RAISE}


def exits(block: Block, truth: Truth | None = None) -> frozenset[Exit]:
    """The ways control may leave `block` (see the module doc)."""
    return _Analysis(truth)._block(block)


class _Analysis:
    def __init__(self, truth: Truth | None) -> None:
        self._truth = truth

    def _block(self, block: Block) -> frozenset[Exit]:
        statements: Sequence[cst.CSTNode]
        statements = block.body if isinstance(block, cst.BaseSuite) else block
        found: set[Exit] = set()
        for statement in statements:
            leaves = self._statement(statement)
            found |= leaves - _FALL
            if Exit.FALLTHROUGH not in leaves:
                return frozenset(found)
        return frozenset(found | _FALL)

    def _statement(self, node: cst.CSTNode) -> frozenset[Exit]:
        if isinstance(node, cst.SimpleStatementLine):
            return self._block(node.body)
        if isinstance(node, cst.Raise):
            return frozenset({Exit.RAISE})
        if isinstance(node, cst.Return):
            return frozenset({Exit.RETURN})
        if isinstance(node, cst.Break):
            return frozenset({Exit.BREAK})
        if isinstance(node, cst.Continue):
            return frozenset({Exit.CONTINUE})
        if isinstance(node, cst.If):
            return self._if(node)
        if isinstance(node, cst.Try | cst.TryStar):
            return self._try(node)
        if isinstance(node, cst.For):
            return self._loop(node.body, node.orelse, None)
        if isinstance(node, cst.While):
            return self._loop(node.body, node.orelse, self._test(node.test))
        if isinstance(node, cst.With):
            return self._block(node.body)
        if isinstance(node, cst.Match):
            return self._match(node)
        return _FALL  # expressions, assignments, pass, def, class, import, ...

    def _if(self, node: cst.If) -> frozenset[Exit]:
        known = self._test(node.test)
        body = self._block(node.body) if known is not False else frozenset()
        if known is True:
            return body
        orelse = node.orelse
        if orelse is None:
            other = _FALL
        elif isinstance(orelse, cst.If):
            other = self._if(orelse)
        else:
            other = self._block(orelse.body)
        return body | other

    def _try(self, node: cst.Try | cst.TryStar) -> frozenset[Exit]:
        body = self._block(node.body)
        if node.orelse is not None and Exit.FALLTHROUGH in body:
            body = (body - _FALL) | self._block(node.orelse.body)
        found = set(body)
        for handler in node.handlers:
            found |= self._block(handler.body)
        if node.finalbody is None:
            return frozenset(found)
        final = self._block(node.finalbody.body)
        if Exit.FALLTHROUGH not in final:
            return final
        return frozenset(found | (final - _FALL))

    def _loop(
        self, body: cst.BaseSuite, orelse: cst.Else | None, known: bool | None
    ) -> frozenset[Exit]:
        else_exits = self._block(orelse.body) if orelse is not None else _FALL
        if known is False:
            return else_exits
        inner = self._block(body)
        found = set(inner - _LOOP_OWNED)
        if Exit.BREAK in inner:
            found.add(Exit.FALLTHROUGH)
        if known is not True:
            found |= else_exits
        return frozenset(found)

    def _match(self, node: cst.Match) -> frozenset[Exit]:
        found: set[Exit] = set()
        exhaustive = False
        for case in node.cases:
            found |= self._block(case.body)
            if case.guard is None and _irrefutable(case.pattern):
                exhaustive = True
                break
        if not exhaustive:
            found.add(Exit.FALLTHROUGH)
        return frozenset(found)

    def _test(self, test: cst.BaseExpression) -> bool | None:
        constant = _constant_truth(test)
        if constant is not None:
            return constant
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._test(test.expression)
            return None if inner is None else not inner
        if isinstance(test, cst.BooleanOperation):
            return self._boolean(test)
        return self._truth(test) if self._truth is not None else None

    def _boolean(self, test: cst.BooleanOperation) -> bool | None:
        left, right = self._test(test.left), self._test(test.right)
        decisive = isinstance(test.operator, cst.Or)  # `or` is decided by one true side
        if left is decisive or right is decisive:
            return decisive
        if left is None or right is None:
            return None
        return not decisive


def _constant_truth(test: cst.BaseExpression) -> bool | None:
    if isinstance(test, cst.Name) and test.value in ("True", "False", "None"):
        return test.value == "True"
    if isinstance(test, cst.Integer | cst.Float):
        return test.evaluated_value != 0
    return None


def _irrefutable(pattern: cst.MatchPattern) -> bool:
    """`case _:` and `case name:` (also inside `|`) match anything."""
    if isinstance(pattern, cst.MatchAs):
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if isinstance(pattern, cst.MatchOr):
        return any(_irrefutable(element.pattern) for element in pattern.patterns)
    return False

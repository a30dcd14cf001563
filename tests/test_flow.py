"""Unit tests of `aiolint.semantic.flow`: how control can leave a block."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from aiolint.semantic.flow import Exit, always_raises, exits

F, RET, BRK, CONT, RAISE = (
    Exit.FALLTHROUGH,
    Exit.RETURN,
    Exit.BREAK,
    Exit.CONTINUE,
    Exit.RAISE,
)


def block(source: str) -> cst.Module:
    return cst.parse_module(textwrap.dedent(source))


def exits_of(source: str) -> set[Exit]:
    return set(exits(block(source).body))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("pass\n", {F}),
        ("x = 1\nlog(x)\n", {F}),
        ("raise\n", {RAISE}),
        ("raise ValueError('x') from exc\n", {RAISE}),
        ("return\n", {RET}),
        ("return 1\n", {RET}),
        ("break\n", {BRK}),
        ("continue\n", {CONT}),
        ("log(); raise\n", {RAISE}),
        ("raise\nlog()\n", {RAISE}),  # dead code after raise is ignored
        ("return\nraise\n", {RET}),
        ("def f():\n    return 1\n", {F}),  # a nested def only binds a name
        ("class C:\n    pass\n", {F}),
    ],
)
def test_simple_statements(source: str, expected: set[Exit]) -> None:
    assert exits_of(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("if x:\n    raise\n", {RAISE, F}),
        ("if x:\n    raise\nelse:\n    raise\n", {RAISE}),
        ("if x:\n    raise\nelif y:\n    raise\n", {RAISE, F}),
        ("if x:\n    raise\nelif y:\n    raise\nelse:\n    raise\n", {RAISE}),
        ("if x:\n    return\nelif y:\n    raise\nelse:\n    raise\n", {RET, RAISE}),
        ("if x:\n    log()\nraise\n", {RAISE}),
        ("if x:\n    return\nraise\n", {RET, RAISE}),
        ("if True:\n    raise\n", {RAISE}),
        ("if False:\n    return\nraise\n", {RAISE}),
        ("if not True:\n    return\nraise\n", {RAISE}),
        ("if 0:\n    return\nelse:\n    raise\n", {RAISE}),
    ],
)
def test_if(source: str, expected: set[Exit]) -> None:
    assert exits_of(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Every handler is assumed reachable; a raise in the body may also escape.
        ("try:\n    raise\nexcept E:\n    pass\n", {RAISE, F}),
        ("try:\n    cleanup()\nexcept Exception:\n    log()\nraise\n", {RAISE}),
        ("try:\n    cleanup()\nexcept Exception:\n    return\nraise\n", {RET, RAISE}),
        ("try:\n    x()\nexcept E:\n    raise\nelse:\n    raise\n", {RAISE}),
        ("try:\n    x()\nexcept E:\n    raise\nelse:\n    return\n", {RAISE, RET}),
        ("try:\n    return\nexcept E:\n    raise\nelse:\n    log()\n", {RET, RAISE}),
        # finally that cannot fall through replaces every other exit
        ("try:\n    raise\nfinally:\n    return\n", {RET}),
        ("try:\n    return\nfinally:\n    raise\n", {RAISE}),
        ("try:\n    raise\nfinally:\n    log()\n", {RAISE}),
        ("try:\n    raise\nfinally:\n    if x:\n        return\n", {RAISE, RET}),
        ("try:\n    pass\nfinally:\n    pass\nraise\n", {RAISE}),
        ("try:\n    x()\nexcept* E:\n    pass\n", {F}),
        ("try:\n    x()\nexcept* E:\n    raise\nraise\n", {RAISE}),
        (
            "try:\n    try:\n        x()\n    except E:\n        return\n"
            "finally:\n    log()\nraise\n",
            {RET, RAISE},
        ),
    ],
)
def test_try(source: str, expected: set[Exit]) -> None:
    assert exits_of(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # break/continue belong to the loop
        ("for x in xs:\n    break\nraise\n", {RAISE}),
        ("for x in xs:\n    continue\n", {F}),
        ("for x in xs:\n    raise\n", {RAISE, F}),  # xs may be empty
        ("for x in xs:\n    return\n", {RET, F}),
        ("for x in xs:\n    pass\nelse:\n    raise\n", {RAISE}),
        ("for x in xs:\n    break\nelse:\n    raise\n", {F, RAISE}),
        ("async for x in xs:\n    log(x)\n", {F}),
        ("while cond():\n    raise\n", {RAISE, F}),
        ("while cond():\n    pass\nelse:\n    return\n", {RET}),
        # `while True:` ends only by break, return or raise
        ("while True:\n    await tick()\n", set()),
        ("while True:\n    if done():\n        break\n", {F}),
        ("while True:\n    if done():\n        return\n", {RET}),
        ("while True:\n    if done():\n        raise\n", {RAISE}),
        ("while 1:\n    raise\n", {RAISE}),
        ("while True:\n    for x in xs:\n        break\n    raise\n", {RAISE}),
        ("while True:\n    break\nelse:\n    return\n", {F}),
        ("while False:\n    return\nelse:\n    raise\n", {RAISE}),
        ("while True:\n    continue\n", set()),
    ],
)
def test_loops(source: str, expected: set[Exit]) -> None:
    assert exits_of(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("with lock:\n    raise\n", {RAISE}),
        ("async with session.begin():\n    return\n", {RET}),
        ("with a, b:\n    log()\n", {F}),
        ("match x:\n    case 1:\n        raise\n", {RAISE, F}),
        ("match x:\n    case 1:\n        raise\n    case _:\n        raise\n", {RAISE}),
        ("match x:\n    case 1:\n        raise\n    case other:\n        return\n", {RAISE, RET}),
        ("match x:\n    case 1:\n        raise\n    case _ if y:\n        raise\n", {RAISE, F}),
        ("match x:\n    case 1 | _:\n        raise\n", {RAISE}),
        ("match x:\n    case [a, b]:\n        raise\n", {RAISE, F}),
    ],
)
def test_with_and_match(source: str, expected: set[Exit]) -> None:
    assert exits_of(source) == expected


def test_simple_statement_suite() -> None:
    module = block("try:\n    x()\nexcept E: log(); raise\n")
    handler = module.body[0].handlers[0]  # type: ignore[attr-defined]
    assert exits(handler.body) == {RAISE}
    assert always_raises(handler.body)


def test_always_raises() -> None:
    assert always_raises(block("log()\nraise\n").body)
    assert not always_raises(block("if x:\n    raise\n").body)
    assert not always_raises(block("return\n").body)
    assert always_raises(block("while True:\n    await tick()\n").body)  # never leaves


def test_truth_callback_decides_tests() -> None:
    def truth(test: cst.BaseExpression) -> bool | None:
        if isinstance(test, cst.Name) and test.value == "cancelling":
            return True
        if isinstance(test, cst.Name) and test.value == "idle":
            return False
        return None

    guard = block("if cancelling:\n    raise\nlog()\n").body
    assert exits(guard) == {RAISE, F}
    assert exits(guard, truth) == {RAISE}
    negated = block("if not cancelling:\n    return\nraise\n").body
    assert exits(negated, truth) == {RAISE}
    elif_chain = block("if other:\n    log()\nelif cancelling:\n    raise\n").body
    assert exits(elif_chain, truth) == {F, RAISE}
    loop = block("while idle:\n    return\nraise\n").body
    assert exits(loop, truth) == {RAISE}
    unknown = block("if maybe:\n    raise\n").body
    assert exits(unknown, truth) == {RAISE, F}


def test_truth_combines_boolean_operations() -> None:
    def truth(test: cst.BaseExpression) -> bool | None:
        if isinstance(test, cst.Name) and test.value in ("yes", "no"):
            return test.value == "yes"
        return None

    def known(test: str) -> bool | None:
        source = f"if {test}:\n    raise\nelse:\n    return\n"
        found = exits(block(source).body, truth)
        if found == {RAISE}:
            return True
        if found == {RET}:
            return False
        assert found == {RAISE, RET}
        return None

    assert known("yes and yes") is True
    assert known("yes and maybe") is None
    assert known("maybe and no") is False
    assert known("yes and yes and yes") is True
    assert known("maybe or yes") is True
    assert known("no or maybe") is None
    assert known("no or no") is False
    assert known("not (maybe and no)") is True
    assert known("True and yes") is True
    assert known("(yes or maybe) and not no") is True

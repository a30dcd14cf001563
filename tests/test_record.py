"""`aiolint.engine.record`: the value classes behave as the dataclasses they replace."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from aiolint.engine.model import Applicability, Diagnostic, FileResult, Location, TextEdit, TextFix


def diagnostic(fix: TextFix | None = None, line: int = 3) -> Diagnostic:
    return Diagnostic("a.py", "AIO201", "m", Location(line, 5), Location(line, 9), fix, "x")


FIX = TextFix("t", Applicability.SAFE, (TextEdit(0, 1, "a", Location(1, 1), Location(1, 2)),))


def test_equality_hash_and_order_follow_the_fields() -> None:
    assert Location(1, 2) == Location(1, 2) and hash(Location(1, 2)) == hash(Location(1, 2))
    assert Location(1, 2) != Location(2, 1)
    assert sorted([Location(2, 1), Location(1, 9), Location(1, 2)]) == [
        Location(1, 2),
        Location(1, 9),
        Location(2, 1),
    ]
    assert Location(1, 2) != (1, 2)
    with pytest.raises(TypeError):
        assert Location(1, 2) < (1, 3)  # type: ignore[operator]
    # a diagnostic's fix is not part of its identity
    assert diagnostic(FIX) == diagnostic() and hash(diagnostic(FIX)) == hash(diagnostic())
    assert diagnostic(line=4) != diagnostic()


def test_repr_names_the_fields() -> None:
    assert repr(Location(1, 2)) == "Location(line=1, column=2)"
    assert repr(FileResult("a.py")) == (
        "FileResult(path='a.py', diagnostics=[], errors=[], parsed=False)"
    )


def test_records_are_frozen_and_mutable_records_unhashable() -> None:
    location = Location(1, 2)
    with pytest.raises(AttributeError):
        location.line = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del location.line  # type: ignore[misc]
    result = FileResult("a.py")
    result.parsed = True
    assert result == FileResult("a.py", parsed=True)
    with pytest.raises(TypeError):
        hash(result)


def test_pickle_and_copy_keep_every_field() -> None:
    original = diagnostic(FIX)
    for clone in (pickle.loads(pickle.dumps(original)), copy.deepcopy(original)):
        assert clone == original and clone.fix == FIX and clone.rule_name == "x"
    result = FileResult("a.py", [original], parsed=True)
    assert pickle.loads(pickle.dumps(result)) == result


def test_replace() -> None:
    assert diagnostic().replace(fix=FIX).fix is FIX
    with pytest.raises(TypeError):
        diagnostic().replace(colour="red")


def test_dataclasses_functions_accept_records() -> None:
    assert dataclasses.is_dataclass(diagnostic())
    assert [f.name for f in dataclasses.fields(Location)] == ["line", "column"]
    replaced = dataclasses.replace(diagnostic(), fix=FIX)
    assert isinstance(replaced, Diagnostic) and replaced.fix is FIX
    assert dataclasses.asdict(Location(1, 2)) == {"line": 1, "column": 2}

"""`Record` and `MutableRecord`: the base of aiolint's small value classes
(diagnostics, fixes, settings, jobs), in place of `dataclasses`.

Every run builds these classes, and a run served from the cache costs less than
`dataclasses` would: importing it loads `inspect` (about 13 ms of CPU on a
slow machine) and each dataclass takes about 0.5 ms to create, where a plain
class takes 0.01 ms. A subclass names its fields in `_fields`, in the order
of its `__init__` parameters, and makes them its slots
(`__slots__ = _fields = ("line", "column")`); `__init__` sets them with
`_set()`. instances
compare (`__eq__`, by `_key()`: every field unless a class leaves one out),
print and pickle by their fields, as a dataclass's do. A `Record` is frozen
and hashable, a `MutableRecord` is neither (as `@dataclass(frozen=True)` and
`@dataclass`). `replace()` copies with changes (`dataclasses.replace`), and
`dataclasses.fields()`, `replace()` and `asdict()` accept records too
(`dataclasses` is imported only when one of them asks).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import Field
    from typing import Any, ClassVar, TypeVar

    _R = TypeVar("_R", bound="_Fields")


class _DataclassFields:
    """`__dataclass_fields__` of a record class, made on first use from a
    dataclass with the same field names (so `dataclasses` treats the record as
    one of its own: `is_dataclass`, `fields`, `replace`, `asdict`)."""

    def __init__(self) -> None:
        self._made: dict[type, dict[str, Field[Any]]] = {}

    def __get__(self, instance: object, owner: type) -> dict[str, Field[Any]]:
        made = self._made.get(owner)
        if made is None:
            import dataclasses

            shadow = dataclasses.make_dataclass(owner.__name__, list(getattr(owner, "_fields", ())))
            made = self._made[owner] = dict(shadow.__dataclass_fields__)
        return made


class _Fields:
    __slots__ = ()
    #: The field names, in `__init__`'s order.
    _fields: ClassVar[tuple[str, ...]] = ()

    __dataclass_fields__ = _DataclassFields()

    def _set(self, **values: object) -> None:
        """Set fields (in `__init__`; a `Record` refuses plain assignment)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def _key(self) -> tuple[object, ...]:
        """What equality (and a `Record`'s hash and order) compares: every field."""
        return self._values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Fields) and other.__class__ is self.__class__:
            return self._key() == other._key()
        return NotImplemented

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__}({fields})"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (self.__class__, self._values())

    def replace(self: _R, **changes: object) -> _R:
        """A copy with `changes` (field name -> value), as `dataclasses.replace`."""
        values = dict(zip(self._fields, self._values(), strict=True))
        unknown = changes.keys() - values.keys()
        if unknown:
            raise TypeError(f"{self.__class__.__name__} has no field {min(unknown)!r}")
        values.update(changes)
        return self.__class__(**values)


class Record(_Fields):
    """An immutable record: hashable, and assigning a field raises AttributeError."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")


class OrderedRecord(Record):
    """A `Record` ordered by `_key()`, as a dataclass with `order=True`."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        if isinstance(other, OrderedRecord) and other.__class__ is self.__class__:
            return self._key() < other._key()
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, OrderedRecord) and other.__class__ is self.__class__:
            return self._key() <= other._key()
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, OrderedRecord) and other.__class__ is self.__class__:
            return self._key() > other._key()
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, OrderedRecord) and other.__class__ is self.__class__:
            return self._key() >= other._key()
        return NotImplemented


class MutableRecord(_Fields):
    """A mutable record: fields may be assigned; unhashable."""

    __slots__ = ()

    __hash__ = None  # type: ignore[assignment]

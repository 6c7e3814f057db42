"""A base for the deck's plain data types: slotted, compared and shown by their fields.

The deck types are what ``quizzer check`` builds, and ``dataclasses`` imports ``inspect``
and ``copy``: a tenth of that command's time (see docs/performance.md). Each type writes
its own ``__init__`` and names its fields in ``_fields``, which are also its
``__slots__``; this base gives it a dataclass's ``==`` and ``repr``, and ``hash`` where
the type is a :class:`FrozenRecord`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar

__all__ = ["FrozenRecord", "Record"]


class Record:
    """Plain data: equal when of the same type with equal compared fields."""

    __slots__ = ()
    #: The fields, in the order ``__init__`` takes them.
    _fields: ClassVar[tuple[str, ...]] = ()
    #: Fields left out of ``==`` (and of ``hash``), like ``field(compare=False)``.
    _not_compared: ClassVar[tuple[str, ...]] = ()

    def _compared(self) -> tuple[Any, ...]:
        skip = self._not_compared
        return tuple(getattr(self, name) for name in self._fields if name not in skip)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        # Defining __eq__ leaves __hash__ None: a mutable record is unhashable, as a
        # dataclass is without frozen=True.
        return self._compared() == other._compared()

    def __reduce__(self) -> tuple[Any, ...]:
        # Every __init__ takes its fields positionally, in _fields order.
        return (self.__class__, tuple(getattr(self, name) for name in self._fields))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"


class FrozenRecord(Record):
    """Plain data that is never changed once made: hashable, and assignment fails."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of {type(self).__name__}")

    def _set(self, **values: object) -> None:
        """Fill the fields from ``__init__`` (plain assignment is refused)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

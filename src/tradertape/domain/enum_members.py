"""An enum's member for a stored value, as ``Kind(value)`` finds it, in one dict read.

On Python 3.11 ``Kind(value)`` runs two Python frames (`EnumType.__call__`, then
`Enum.__new__`) before it reads the value's member from the enum's own map; a paper order
turns stored text into members about fifteen times (its side, status, event kind, owner
kind, rule terms), which made those calls a visible part of its cost. `members_of` reads
the same map directly and, for anything the map does not hold, asks ``Kind(value)``
itself: the answer, and the error (``ValueError``), are the enum's own.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Generic, TypeVar

E = TypeVar("E", bound=Enum)


class Members(Generic[E]):
    """``kind(value)`` for `kind`'s values and members (see the module)."""

    __slots__ = ("_by_value", "_kind")

    def __init__(self, kind: type[E]) -> None:
        self._kind = kind
        self._by_value: dict[Any, E] = dict(kind._value2member_map_)

    def __call__(self, value: Any) -> E:
        try:
            return self._by_value[value]
        except (KeyError, TypeError):  # not a value (or unhashable): the enum answers
            return self._kind(value)


def members_of(kind: type[E]) -> Members[E]:
    """A function giving ``kind(value)``, faster for the values of its members."""
    return Members(kind)

"""`value_class`: a frozen dataclass for the type checker, made at a plain slotted class's cost.

A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (its own
``__setattr__`` refuses), about five times a plain slot store's cost: ~1,250 instructions a
field more (callgrind, Python 3.11). A paper order made ~300 such fields (its two events, the
margins, charges, order states and risk values it computes): ~7 % of its instructions.

A class under `value_class` is frozen where frozenness is checked, by mypy
(`typing.dataclass_transform`'s ``frozen_default``: assigning a field is a type error), and
at run time a slotted dataclass that compares and hashes by its fields as a frozen one
does (``unsafe_hash``: the same ``__hash__`` frozen would make), whose fields are stored by
plain slot stores. Nothing assigns to a value after it is made: mypy says so, not
``__setattr__``. Keep ``dataclass(frozen=True)`` where code outside the checked sources
takes the value (the SDK's, a user's strategy) or a test asserts the refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, dataclass, field
from typing import TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def value_class(cls: type[_T], /) -> type[_T]: ...


@overload
def value_class(*, kw_only: bool = False) -> Callable[[type[_T]], type[_T]]: ...


def value_class(
    cls: type[_T] | None = None, /, *, kw_only: bool = False
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """The class as a slotted dataclass hashed by its fields, frozen to mypy (see the
    module): ``@value_class`` or ``@value_class(kw_only=True)``."""

    def make(c: type[_T]) -> type[_T]:
        return dataclass(slots=True, unsafe_hash=True, kw_only=kw_only)(c)

    return make if cls is None else make(cls)

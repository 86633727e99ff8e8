"""`value_class`: made as a plain slotted class is, compared and hashed as a frozen dataclass."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from tradertape.domain.values import value_class


@value_class
class Pair:
    left: int
    right: Decimal = Decimal(0)


@dataclasses.dataclass(frozen=True, slots=True)
class FrozenPair:
    left: int
    right: Decimal = Decimal(0)


@value_class(kw_only=True)
class Named:
    name: str


@value_class(kw_only=True)
class NamedAt(Named):
    at: int


def test_a_value_compares_and_hashes_by_its_fields_as_a_frozen_dataclass_does():
    a, b = Pair(1, Decimal("2.5")), Pair(1, Decimal("2.50"))
    assert a == b
    assert hash(a) == hash(b)
    assert hash(a) == hash(FrozenPair(1, Decimal("2.5")))  # the hash frozen would make
    assert {a, b, Pair(2)} == {Pair(1, Decimal("2.5")), Pair(2)}
    assert a != Pair(2)
    assert a != FrozenPair(1, Decimal("2.5"))  # type: ignore[comparison-overlap]
    assert repr(a) == "Pair(left=1, right=Decimal('2.5'))"


def test_a_value_is_slotted_and_a_dataclass():
    pair = Pair(3)
    assert not hasattr(pair, "__dict__")
    assert [f.name for f in dataclasses.fields(Pair)] == ["left", "right"]
    assert dataclasses.replace(pair, right=Decimal(1)) == Pair(3, Decimal(1))
    assert pair == Pair(3)  # `replace` made a new one


def test_keyword_only_values_and_their_subclasses():
    at = NamedAt(name="x", at=4)
    assert at == NamedAt(name="x", at=4)
    assert isinstance(at, Named)
    assert hash(at) == hash(NamedAt(name="x", at=4))
    with pytest.raises(TypeError):
        Named("x")  # type: ignore[call-arg]

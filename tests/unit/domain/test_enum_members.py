"""`members_of` answers as the enum's own call does."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.enum_members import members_of
from tradertape.domain.order_state import OrderStatus
from tradertape.domain.orders import TransactionType


class _Odd(Enum):
    ONE = 1
    ALSO_ONE = 1  # an alias: the first member answers
    TEXT = "text"


_STATUS = members_of(OrderStatus)
_SIDE = members_of(TransactionType)
_ODD = members_of(_Odd)


def _same(kind: Any, members: Any, value: Any) -> None:
    try:
        expected = kind(value)
    except ValueError:
        with pytest.raises(ValueError, match="is not a valid"):
            members(value)
        return
    assert members(value) is expected


@given(st.sampled_from([*OrderStatus, *(s.value for s in OrderStatus)]) | st.text(max_size=12))
def test_order_status(value: str) -> None:
    _same(OrderStatus, _STATUS, value)


@given(st.sampled_from([*TransactionType, "BUY", "SELL", "buy", ""]))
def test_side(value: str) -> None:
    _same(TransactionType, _SIDE, value)


@given(st.sampled_from([1, 1.0, True, "text", 2, None, _Odd.ONE, _Odd.TEXT, [1]]))
def test_values_of_any_type(value: Any) -> None:
    _same(_Odd, _ODD, value)

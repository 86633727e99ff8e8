"""The basket as an order owner (`oms.owners`).

A basket placed from the option chain: its legs are the desk's orders (the manual book, the
account's rules), unwound by the loop when it halts (`unwind`).
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.oms import DeskPolicy


class BasketPolicy(DeskPolicy):
    """The desk's answers, under a kind of its own."""

    kind: ClassVar[OwnerKind] = OwnerKind.BASKET


POLICY = BasketPolicy()

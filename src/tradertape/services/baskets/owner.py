"""The basket as an order owner (`services.owner_packages`).

A basket placed from the option chain: its legs are the desk's orders (the manual book,
the account's rules, the desk's notices). Its placing commands: `chain` (the structure
from the chain, its preview and margin) over the package's leg-by-leg sender, and
`unwind` (the loop's unwind of a halted basket, from its `marks`). No follower: a late
refusal is heard by `unwind.LateRefusals`, wired with the trading loop. Its reads for
routes: `chain` (a basket's answer).
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import DeskPolicy
from tradertape.services.owner_packages import OwnerPackage, OwnerSample


class BasketPolicy(DeskPolicy):
    """The desk's answers, under a kind of its own."""

    kind: ClassVar[OwnerKind] = OwnerKind.BASKET


POLICY = BasketPolicy()
SAMPLE = OwnerSample(
    source="api",
    attribution={"chain_basket": "chain:abc", "basket_leg": 0},
    owner=Owner(OwnerKind.BASKET),
    book=books.MANUAL,
)
"""An order as its placer tags it, and its owner, paper book and risk scope (the
conformance test's)."""
PACKAGE = OwnerPackage(POLICY, sample=SAMPLE)

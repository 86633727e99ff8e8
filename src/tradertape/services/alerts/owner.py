"""An alert as an order owner (`services.owner_packages`).

Its policy: the desk's book, rules and no lock; its ``alert`` notice tells the outcome, so
the bell tells none of its orders' events. Its placing commands: `placing` (its attached
order or basket, at once or once confirmed), reached from `firing`. No follower: the
outcome is told in the placing transaction. Its reads for routes: `alerts`, `panel`,
`preview`.
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import CallerTells
from tradertape.services.owner_packages import OwnerPackage, OwnerSample


class AlertPolicy(CallerTells):
    """The desk's book, rules and no lock; the bell tells none of its events."""

    kind: ClassVar[OwnerKind] = OwnerKind.ALERT


POLICY = AlertPolicy()
SAMPLE = OwnerSample(
    source="alert",
    attribution={"alert_id": 5, "alert_fire_id": 9},
    owner=Owner(OwnerKind.ALERT, 5),
    book=books.MANUAL,
)
"""An order as its placer tags it, and its owner, paper book and risk scope (the
conformance test's)."""
PACKAGE = OwnerPackage(POLICY, sample=SAMPLE)

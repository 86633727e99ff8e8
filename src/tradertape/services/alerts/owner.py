"""An alert as an order owner (`oms.owners`).

An alert's order or basket: its ``alert`` notice tells the outcome (`firing`).
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.oms import CallerTells


class AlertPolicy(CallerTells):
    """The desk's book, rules and no lock; the bell tells none of its events."""

    kind: ClassVar[OwnerKind] = OwnerKind.ALERT


POLICY = AlertPolicy()

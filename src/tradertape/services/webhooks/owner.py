"""A webhook as an order owner (`oms.owners`).

A webhook delivery's orders: its ``webhook`` notice tells the outcome (`receive`).
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.oms import CallerTells


class WebhookPolicy(CallerTells):
    """The desk's book, rules and no lock; the bell tells none of its events."""

    kind: ClassVar[OwnerKind] = OwnerKind.WEBHOOK


POLICY = WebhookPolicy()

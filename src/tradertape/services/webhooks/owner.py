"""A webhook as an order owner (`services.owner_packages`).

Its policy: the desk's book, rules and no lock; its ``webhook`` notice tells a delivery's
outcome, so the bell tells none of its orders' events. Its placing commands: `receive` (a
delivery's orders, once per delivery id). No follower. Its reads for routes: `hooks`,
`templates`.
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import CallerTells
from tradertape.services.owner_packages import OwnerPackage, OwnerSample


class WebhookPolicy(CallerTells):
    """The desk's book, rules and no lock; the bell tells none of its events."""

    kind: ClassVar[OwnerKind] = OwnerKind.WEBHOOK


POLICY = WebhookPolicy()
SAMPLE = OwnerSample(
    source="webhook",
    attribution={"webhook_id": 5, "delivery_id": 9},
    owner=Owner(OwnerKind.WEBHOOK, 5),
    book=books.MANUAL,
)
"""An order as its placer tags it, and its owner, paper book and risk scope (the
conformance test's)."""
PACKAGE = OwnerPackage(POLICY, sample=SAMPLE)

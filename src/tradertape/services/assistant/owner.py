"""The assistant as an order owner (`services.owner_packages`).

An assistant key's order, confirmed by the user: the desk's book, rules and notices. Its
placing commands: `confirmations` (a confirmed order, through the door as the desk's
are), named by its source (`calls.source_of`). No follower. Its reads for routes:
`confirmations` (what waits for the user).
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import DeskPolicy
from tradertape.services.owner_packages import OwnerPackage, OwnerSample


class AssistantPolicy(DeskPolicy):
    """The desk's answers, under a kind of its own."""

    kind: ClassVar[OwnerKind] = OwnerKind.ASSISTANT


POLICY = AssistantPolicy()
SAMPLE = OwnerSample(
    source="assistant:5",
    attribution={},
    owner=Owner(OwnerKind.ASSISTANT, 5),
    book=books.MANUAL,
)
"""An order as its placer tags it, and its owner, paper book and risk scope (the
conformance test's)."""
PACKAGE = OwnerPackage(POLICY, sample=SAMPLE)

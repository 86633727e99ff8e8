"""The assistant as an order owner (`services.owner_packages`).

An assistant key's order, confirmed by the user: the desk's book, rules and notices. Its
placing commands: `confirmations` (a confirmed order, through the door as the desk's
are), named by its source (`calls.source_of`). No follower. Its reads for routes:
`confirmations` (what waits for the user).
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.oms import DeskPolicy
from tradertape.services.owner_packages import OwnerPackage


class AssistantPolicy(DeskPolicy):
    """The desk's answers, under a kind of its own."""

    kind: ClassVar[OwnerKind] = OwnerKind.ASSISTANT


POLICY = AssistantPolicy()
PACKAGE = OwnerPackage(POLICY)

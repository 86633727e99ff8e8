"""The assistant as an order owner (`oms.owners`).

An assistant key's order, confirmed by the user: the desk's book, rules and notices
(`confirmations`).
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.oms import DeskPolicy


class AssistantPolicy(DeskPolicy):
    """The desk's answers, under a kind of its own."""

    kind: ClassVar[OwnerKind] = OwnerKind.ASSISTANT


POLICY = AssistantPolicy()

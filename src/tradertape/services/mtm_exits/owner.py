"""An MTM rule's exit as an order owner (`services.owner_packages`).

An MTM rule's exit of the account's positions: its ``risk_breach`` notice tells it. An
exit of a portfolio's or run's position is theirs, placed by the rule
(`domain.owners.placer_of`, its tags from `domain.owners.tags_of`): the bell leaves it to
this notice too. Its placing commands: `exits` (a tripped rule's exits). No follower: the
exits' outcome is read back by the rule's next pass. Its reads for routes: `exits` (the
rules' state and arming).
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import CallerTells
from tradertape.services.owner_packages import OwnerPackage, OwnerSample


class MtmExitPolicy(CallerTells):
    """The desk's book, rules and no lock; the bell tells none of its events."""

    kind: ClassVar[OwnerKind] = OwnerKind.MTM_EXIT


POLICY = MtmExitPolicy()
SAMPLE = OwnerSample(
    source="mtm_exit",
    attribution={"mtm_rule_id": 5},
    owner=Owner(OwnerKind.MTM_EXIT, 5),
    book=books.MANUAL,
)
"""An order as its placer tags it, and its owner, paper book and risk scope (the
conformance test's)."""
PACKAGE = OwnerPackage(POLICY, sample=SAMPLE)

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

from tradertape.domain.owners import OwnerKind
from tradertape.oms import CallerTells
from tradertape.services.owner_packages import OwnerPackage


class MtmExitPolicy(CallerTells):
    """The desk's book, rules and no lock; the bell tells none of its events."""

    kind: ClassVar[OwnerKind] = OwnerKind.MTM_EXIT


POLICY = MtmExitPolicy()
PACKAGE = OwnerPackage(POLICY)

"""An MTM rule's exit as an order owner (`oms.owners`).

An MTM rule's exit of the account's positions: its ``risk_breach`` notice tells it
(`mtm_exits`). An exit of a portfolio's or run's position is theirs, placed by the rule
(`domain.owners.placer_of`): the bell leaves it to this notice too.
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.oms import CallerTells


class MtmExitPolicy(CallerTells):
    """The desk's book, rules and no lock; the bell tells none of its events."""

    kind: ClassVar[OwnerKind] = OwnerKind.MTM_EXIT


POLICY = MtmExitPolicy()

"""An alert as an order owner (`services.owner_packages`).

Its policy: the desk's book, rules and no lock; its ``alert`` notice tells the outcome, so
the bell tells none of its orders' events. Its placing commands: `placing` (its attached
order or basket, at once or once confirmed), reached from `firing`. No follower: the
outcome is told in the placing transaction. Its reads for routes: `alerts`, `panel`,
`preview`.
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.oms import CallerTells
from tradertape.services.owner_packages import OwnerPackage


class AlertPolicy(CallerTells):
    """The desk's book, rules and no lock; the bell tells none of its events."""

    kind: ClassVar[OwnerKind] = OwnerKind.ALERT


POLICY = AlertPolicy()
PACKAGE = OwnerPackage(POLICY)

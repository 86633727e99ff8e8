"""An option run as an order owner (`oms.owners`): a worker run with an option plan, whose
legs' orders (attribution ``option_leg``) its follower reads (`follow.OptionRunFollower`).
Its book, rules, lock and notices are its run's (`workers.owner`)."""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.services.workers.owner import WorkerRunPolicy


class OptionRunPolicy(WorkerRunPolicy):
    """An option run's legs."""

    kind: ClassVar[OwnerKind] = OwnerKind.OPTION_RUN


POLICY = OptionRunPolicy()

"""An option run as an order owner (`services.owner_packages`): a worker run with an option
plan, whose legs' orders carry ``option_leg``.

Its policy is its run's (`workers.owner`: book, rules, lock, notices). Its placing
commands: `execution` (a plan's legs, its unwind). Its followers (`follow`): the run's
status following its legs' fills and each leg's timeline entry. Its reads for routes:
`runs`, `metrics`.
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.services.options.follow import OptionLegJournal, OptionRunFollower
from tradertape.services.owner_packages import FollowerKit, Following, OwnerPackage, OwnerSample
from tradertape.services.risk.exposure import RiskScope
from tradertape.services.workers.owner import WorkerRunPolicy


class OptionRunPolicy(WorkerRunPolicy):
    """An option run's legs."""

    kind: ClassVar[OwnerKind] = OwnerKind.OPTION_RUN


POLICY = OptionRunPolicy()
_MINE = (OwnerKind.OPTION_RUN,)


def followers(kit: FollowerKit) -> list[Following]:
    """A live run's status following its legs' booked fills (under the run's lock, which
    the OMS takes before the ledger's), and a leg's outcome on its timeline."""
    return [
        Following(_MINE, OptionRunFollower(kit.options)),
        Following(_MINE, OptionLegJournal(clock=kit.clock)),
    ]


SAMPLE = OwnerSample(
    source="options_runtime",
    attribution={"run_pk": 41, "option_leg": 0, "option_role": "entry"},
    owner=Owner(OwnerKind.OPTION_RUN, 41),
    book=books.run_book(41),
    scope=RiskScope(worker_run_id=41),
)
"""An order as its placer tags it, and its owner, paper book and risk scope (the
conformance test's)."""
PACKAGE = OwnerPackage(POLICY, followers, sample=SAMPLE)

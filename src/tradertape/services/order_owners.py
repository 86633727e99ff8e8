"""Every order owner's package (`services.owner_packages`), its policy registered with the
OMS (`oms.owners`): one line a kind.

A new order-owning subsystem adds its package (copied from ``services/_owner_template``)
and a line here; the conformance test (``tests/integration/test_owner_conformance.py``)
then runs it with the others, and the composition root follows its orders' events with
its followers (``wiring/venues.py``). Importing this module registers the policies (the
composition root, and what reads a policy: the notices, the risk monitor).
"""

from __future__ import annotations

from tradertape.oms import OwnerPolicy, register
from tradertape.services.alerts import owner as alerts
from tradertape.services.assistant import owner as assistant
from tradertape.services.baskets import owner as baskets
from tradertape.services.mtm_exits import owner as mtm_exits
from tradertape.services.options import owner as options
from tradertape.services.owner_packages import FollowerKit, Following, OwnerPackage
from tradertape.services.portfolios import owner as portfolios
from tradertape.services.webhooks import owner as webhooks
from tradertape.services.workers import owner as workers

PACKAGES: tuple[OwnerPackage, ...] = (
    workers.PACKAGE,
    options.PACKAGE,
    portfolios.PACKAGE,
    alerts.PACKAGE,
    webhooks.PACKAGE,
    baskets.PACKAGE,
    mtm_exits.PACKAGE,
    assistant.PACKAGE,
)
POLICIES: tuple[OwnerPolicy, ...] = tuple(package.policy for package in PACKAGES)

for _policy in POLICIES:
    register(_policy)


def followers(kit: FollowerKit) -> list[Following]:
    """Every package's followers, in the packages' order."""
    return [following for package in PACKAGES for following in package.followers(kit)]

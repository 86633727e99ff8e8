"""Every order owner's policy, registered with the OMS (`oms.owners`): one line a kind.

A new order-owning subsystem adds its ``owner.py`` (a policy) and a line here; the
conformance test (`tests/unit/test_owner_conformance.py`) then runs it with the others.
Importing this module registers them (the composition root, and what reads a policy: the
notices, the risk monitor).
"""

from __future__ import annotations

from tradertape.oms import OwnerPolicy, register
from tradertape.services.alerts import owner as alerts
from tradertape.services.assistant import owner as assistant
from tradertape.services.baskets import owner as baskets
from tradertape.services.options import owner as options
from tradertape.services.portfolios import owner as portfolios
from tradertape.services.protection import owner as protection
from tradertape.services.webhooks import owner as webhooks
from tradertape.services.workers import owner as workers

POLICIES: tuple[OwnerPolicy, ...] = (
    workers.POLICY,
    options.POLICY,
    portfolios.POLICY,
    alerts.POLICY,
    webhooks.POLICY,
    baskets.POLICY,
    protection.POLICY,
    assistant.POLICY,
)

for _policy in POLICIES:
    register(_policy)

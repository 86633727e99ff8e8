"""The shape every order-owning subsystem has: one package, one `OwnerPackage`.

Nine subsystems place and follow orders (the desk's manual orders are the OMS's own). Each
is a package under ``services/`` holding four things, named the same way in each:

- its policy (``owner.py``: `oms.OwnerPolicy`, its book, risk scope, lock and what the bell
  tells), and its `OwnerPackage` (``PACKAGE``), listed once in `services.order_owners`;
- its placing commands: the functions that place, modify and cancel its orders through the
  OMS's door (`OrderPipeline`), writing its owner with `domain.owners.tags_of` (a run's
  `workers.placement`, a portfolio's `portfolios.trading`, an alert's `alerts.firing`);
- its followers: the watchers of its own orders' events (`Following`), built here from
  what the house gives them (`FollowerKit`) and wired by the composition root for their
  kinds only (``wiring/venues.py``), so no follower filters every order's events;
- its reads for routes: what its routes show of its orders, read by owner (`Order.owned_by`)
  rather than from the orders' tags;
- its sample (`OwnerSample`): how its placer tags an order and what the house must make of
  it (the owner, the paper book, the risk scope), which the conformance test runs.

``services/_owner_template/`` is the skeleton a tenth owner copies; the conformance test
(``tests/integration/test_owner_conformance.py``) runs every registered package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import OwnerPolicy, Watcher
from tradertape.ports.clock import Clock
from tradertape.services.options.market import OptionMarket
from tradertape.services.risk.exposure import ALL, RiskScope


@dataclass(frozen=True, slots=True)
class FollowerKit:
    """What the house builds owners' followers with."""

    clock: Clock  # the wall clock: a timeline's entries, a notice's stamp
    market_clock: Clock  # market time: when a fill changed a position
    options: OptionMarket  # listed index options and their model prices


@dataclass(frozen=True, slots=True)
class Following:
    """One follower of the events of these kinds' orders (`OrderEvents.follow`)."""

    kinds: tuple[OwnerKind, ...]
    follower: Watcher
    # Called before the house's own watchers of every order (the audit trail, the bell), as
    # a run's timeline entry of its placement is; else after them.
    first: bool = False


@dataclass(frozen=True, slots=True)
class OwnerSample:
    """An order as the package's placing command places it (its source and attribution),
    and what the house must store and judge it by: the owner, its paper book and the risk
    scope beside the account's (`ALL`: the account's rules only). The conformance test
    places it and checks each, so a new package is covered by its own sample."""

    source: str
    attribution: Mapping[str, Any]
    owner: Owner
    book: str
    scope: RiskScope = ALL


def _follows_nothing(kit: FollowerKit) -> Sequence[Following]:
    return ()


@dataclass(frozen=True, slots=True)
class OwnerPackage:
    """An order-owning subsystem as the house plugs it in (see the module)."""

    policy: OwnerPolicy
    followers: Callable[[FollowerKit], Sequence[Following]] = _follows_nothing
    sample: OwnerSample | None = None  # None: none yet (the conformance test fails)

    @property
    def kind(self) -> OwnerKind:
        """The kind of owner it is."""
        return self.policy.kind

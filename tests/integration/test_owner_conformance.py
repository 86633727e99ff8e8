"""Every registered order owner (`oms.owners`, each a package listed by
`services.order_owners`) keeps the same contract: its package is its policy's and follows
its own kind's orders, wired as it builds them; its orders are stored with it
(`owner_kind`, `owner_id`), its policy names their book and risk scope, the locks its
followers write under are asked for before its events are followed, a replayed command
places nothing twice, and each event of its order reaches its followers once (and no
other kind's).

A new kind of owner runs here with the rest by its package's sample (`OwnerPackage.sample`:
how its subsystem places an order); `test_every_kind_has_a_sample_and_a_policy` fails until
it has one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import PaperDesk
from tradertape.db import locks
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order
from tradertape.domain import books
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.domain.owners import Owner, OwnerKind, owner_from
from tradertape.errors import TraderTapeError
from tradertape.oms import (
    OmsEvent,
    OrderEvents,
    Watcher,
    own_book,
    owner_book,
    policy_of,
    portfolio_lock,
    registered,
    risk_scope,
)
from tradertape.oms import emitter as oms_emitter
from tradertape.runtime import Runtime
from tradertape.services import order_owners
from tradertape.services.owner_packages import FollowerKit, OwnerSample
from tradertape.services.risk.exposure import ALL
from tradertape.services.risk.monitor import scope_of_owner
from tradertape.testkit import make_tick

#: The OMS's own kinds (the desk's order, an adopted one): no subsystem's package.
OMS_SAMPLES = (
    OwnerSample("api", {}, Owner(OwnerKind.MANUAL), books.MANUAL, ALL),
    OwnerSample(
        "external", {"mode": "live", "adopted": True}, Owner(OwnerKind.EXTERNAL), books.MANUAL
    ),
)
#: How each kind's subsystem places an order (its source and attribution), and the owner
#: stored for it, its paper book and its risk scope: each package's own sample.
SAMPLES: dict[OwnerKind, OwnerSample] = {
    sample.owner.kind: sample
    for sample in (*OMS_SAMPLES, *(p.sample for p in order_owners.PACKAGES if p.sample))
}
KINDS = sorted(registered(), key=str)
assert order_owners.POLICIES  # imported: every kind's policy is registered


def test_every_kind_has_a_sample_and_a_policy():
    assert set(KINDS) == set(OwnerKind) == set(SAMPLES)
    for kind in KINDS:
        assert policy_of(kind).kind is kind


def test_each_kind_is_one_package_and_its_policy_the_registered_one():
    by_kind = {package.kind: package for package in order_owners.PACKAGES}
    assert len(by_kind) == len(order_owners.PACKAGES)  # one package a kind
    # the OMS's own kinds (the desk's, an adopted order's) are not a subsystem's package
    assert set(by_kind) == set(KINDS) - {OwnerKind.MANUAL, OwnerKind.EXTERNAL}
    for kind, package in by_kind.items():
        assert registered()[kind] is package.policy
        assert package.sample is not None, f"{kind}: its package offers no sample order"
        assert package.sample.owner.kind is kind


def test_each_package_follows_its_own_kind_and_is_wired_as_it_builds_them(runtime: Runtime):
    kit = FollowerKit(
        clock=runtime.clock, market_clock=runtime.market_clock, options=runtime.options
    )
    built = []
    for package in order_owners.PACKAGES:
        for following in package.followers(kit):
            assert package.kind in following.kinds  # its own orders (a run's: an option run's)
            built.append((type(following.follower), frozenset(following.kinds)))
    wired = [
        (type(watcher), kinds)
        for watcher, kinds in runtime.events._watchers  # what `OrderEvents.follow` holds
        if kinds is not None
    ]
    assert sorted(wired, key=str) == sorted(built, key=str)


@pytest.fixture
def followed(database: Database) -> Iterator[dict[OwnerKind, list[OmsEvent]]]:
    """A follower of each kind, recording what it was handed."""
    events = OrderEvents()
    heard: dict[OwnerKind, list[OmsEvent]] = {kind: [] for kind in OwnerKind}

    def follower(kind: OwnerKind) -> Watcher:
        def follow(_db: Session, batch: Sequence[OmsEvent]) -> None:
            heard[kind].extend(batch)

        return follow

    for kind in OwnerKind:
        events.follow([kind], follower(kind))
    events.attach(database)
    yield heard
    events.detach(database)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_its_owner_book_and_scope(kind: OwnerKind):
    sample = SAMPLES[kind]
    source, tags, owner, book, scope = (
        sample.source,
        sample.attribution,
        sample.owner,
        sample.book,
        sample.scope,
    )
    assert owner_from(source, dict(tags)) == owner
    assert owner_book("paper", owner) == book
    assert owner_book("kite", owner) == "live:kite"
    assert own_book("kite", owner) == (
        "live:kite" if book == books.MANUAL else books.part_book("live:kite", book)
    )
    assert scope_of_owner(owner) == scope
    assert (risk_scope(owner) is None) == (scope == ALL)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_replayed_command_places_once_and_each_event_is_followed_once(
    kind: OwnerKind,
    paper: PaperDesk,
    database: Database,
    followed: dict[OwnerKind, list[OmsEvent]],
    monkeypatch: pytest.MonkeyPatch,
):
    sample = SAMPLES[kind]
    source, tags, owner, book = sample.source, sample.attribution, sample.owner, sample.book
    asked: list[tuple[str, ...]] = []
    take = locks.lock_names
    before = [0]  # what had been followed when the command being placed began

    def lock_names(db: Session, names: Sequence[str], **kw: Any) -> None:
        asked.append(tuple(sorted(names)))
        heard = sum(len(h) for h in followed.values())
        assert heard == before[0], "an owner lock was asked after its command's events"
        take(db, names, **kw)

    monkeypatch.setattr(oms_emitter, "lock_names", lock_names)  # what `hold_owners` calls
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=1,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=Decimal(1400),
    )
    tick = make_tick("NSE:INFY", "1500", ts=paper.clock.now())
    placed = []
    for _ in range(2):  # the command, and its replay (a retried request, a restarted job)
        before[0] = sum(len(h) for h in followed.values())
        with database.session() as db:
            try:
                order = paper.exchange.place(
                    db,
                    user_id=paper.user_id,
                    spec=spec,
                    client_key=f"conformance-{kind}",
                    source=source,
                    attribution=dict(tags),
                    last=tick,
                )
            except TraderTapeError:  # refused before it was stored (no money in its book)
                continue
            placed.append(order.order_id)
    with database.session() as db:
        rows = db.scalars(select(Order).where(Order.user_id == paper.user_id)).all()
    assert len(rows) == 1  # placed (or refused and recorded) once: nothing placed twice
    assert len(set(placed)) == len(rows)
    for row in rows:
        assert (row.owner_kind, row.owner_id) == (kind.value, owner.id)
        assert row.owner == owner
        assert row.book == book
    # each event reached the followers of its owner's kind, once, and no other kind's
    for other, heard in followed.items():
        if other is not kind:
            assert heard == []
    mine = followed[kind]
    assert len({(type(e), e.ts_init) for e in mine}) == len(mine)
    assert all(e.owner == owner for e in mine)
    assert bool(mine) == bool(rows)
    # the locks its policy names were asked for before any of its events was followed
    with database.session() as db:
        wanted = tuple(sorted(policy_of(kind).locks(db, [owner])))
    if wanted:
        assert wanted in asked
    if kind is OwnerKind.PORTFOLIO:
        assert owner.id is not None
        assert wanted == (portfolio_lock(owner.id),)

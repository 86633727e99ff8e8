"""A live basket the gate halts at once while its partner's cancel fails (issue 55): the
basket's durable mark brings it back to the trading loop, which cancels the partner or
exits what it filled, once, in this process and after a restart; a cancel Kite keeps
refusing backs off (3 s doubling) and its owner is told once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_chain_basket_live import CALL, FAR_CALL, NIFTY, _listed, _ticked
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import ours
from tests.workers_kit import set_price
from tradertape.db.models import BasketUnwind, Notification
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.jobs.loop import TradingLoop
from tradertape.jobs.trading import trading_loop
from tradertape.oms import Account
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.baskets import BasketLeg, place_basket
from tradertape.settings import Settings

pytestmark = pytest.mark.db


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _refused_short(client: TestClient, runtime: Runtime, fake: Fake, key: str, lots: int) -> str:
    """A spread whose hedge (`lots` lots, a LIMIT under the market) rests at Kite, so its
    short is not sent (the gate would refuse it too: its value above the account's
    order-value ceiling), while Kite answers no cancel: the hedge is left working. Its
    order id at Kite."""
    connect(client, runtime, fake)
    set_prices(runtime, fake)
    near = runtime.options.last_tick(f"NFO:{CALL}")
    far = runtime.options.last_tick(f"NFO:{FAR_CALL}")
    assert near is not None
    assert far is not None
    hedge_price = Decimal(_ticked(near.last_price / 2))
    hedge_value = hedge_price * 65 * lots
    short_lots = int(hedge_value * 2 / (far.last_price * 65)) + 1  # twice the hedge's value
    ceiling = hedge_value * Decimal("1.5")
    rule = client.post(
        "/api/risk/rules", json={"type": "max_order_value", "threshold_amount": str(ceiling)}
    )
    assert rule.status_code == 201, rule.text
    body: dict[str, Any] = {
        "legs": [
            {"tradingsymbol": FAR_CALL, "transaction_type": "SELL", "lots": short_lots},
            {
                "tradingsymbol": CALL,
                "transaction_type": "BUY",
                "lots": lots,
                "order_type": "LIMIT",
                "price": str(hedge_price),
            },
        ],
        "mode": "live",
        "broker": "kite",
        "idempotency_key": key,
    }
    fake.fault("503", count=1000, method="DELETE", path_prefix="/orders")
    placed = client.post("/api/options/basket", json=body)
    assert placed.status_code == 200, placed.text
    answer = placed.json()
    assert [(leg["tradingsymbol"], leg["state"]) for leg in answer["legs"]] == [
        (CALL, "open"),  # its cancel was not answered
        (FAR_CALL, "skipped"),  # the hedge rests: the short is not sent (issue 66)
    ], answer
    assert "hedge leg 2 had not filled (open) within 5 s" in answer["legs"][1]["reason"]
    (hedge,) = fake.state()["orders"]  # the short never reached Kite
    assert hedge["status"] == "OPEN"
    assert _marks(runtime) == [(f"chain:{key}", False)]  # owed: open
    return str(hedge["order_id"])


def set_prices(runtime: Runtime, fake: Fake) -> None:
    """NIFTY at 25,000 here and at Kite, the two contracts listed at Kite."""
    set_price(runtime, NIFTY, "25000")
    fake.price(NIFTY, 25000)
    _listed(runtime, fake)


def _marks(runtime: Runtime) -> list[tuple[str, bool]]:
    """Each basket mark and whether it is settled."""
    with runtime.db.session() as db:
        rows = db.scalars(select(BasketUnwind).order_by(BasketUnwind.id)).all()
        return [(row.basket, row.done_at is not None) for row in rows]


def _restart(runtime: Runtime, fake: Fake) -> TradingLoop:
    """A new process on the same database: its trading loop."""
    restarted = Runtime.build(runtime.settings, clock=runtime.clock, db=runtime.db)
    set_prices(restarted, fake)
    return trading_loop(restarted)


def _sent(fake: Fake) -> list[tuple[str, str, int, str]]:
    return [
        (o["tradingsymbol"], o["transaction_type"], o["quantity"], o["status"])
        for o in fake.state()["orders"]
    ]


def _fill(fake: Fake, runtime: Runtime, order_id: str, quantity: int) -> None:
    near = runtime.options.last_tick(f"NFO:{CALL}")
    assert near is not None
    price = float(_ticked(near.last_price / 2))
    fake.control("fill", {"order_id": order_id, "quantity": quantity, "price": price})


def _clear_faults(fake: Fake) -> None:
    assert fake.http.delete(f"{fake.url}/_fake/faults").status_code == 200


def test_a_later_pass_cancels_the_partner_and_exits_its_fill_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """The hedge fills one lot of two after its cancel failed; Kite answers again: the
    loop's next pass cancels the rest and sells the lot back, once across passes and a
    restart, and the mark is settled."""
    hedge = _refused_short(client, runtime, fake, "gate-1", lots=2)
    _fill(fake, runtime, hedge, 65)
    _clear_faults(fake)

    loop = trading_loop(runtime)
    loop.run_jobs(force=True)
    assert _sent(fake) == [(CALL, "BUY", 130, "CANCELLED"), (CALL, "SELL", 65, "COMPLETE")]
    keys = [o.client_key for o in ours(runtime)]
    assert keys == ["chain:gate-1:1", "chain:gate-1:unwind:1"]  # the short: never sent
    assert _marks(runtime) == [("chain:gate-1", True)]

    loop.run_jobs(force=True)
    _restart(runtime, fake).run_jobs(force=True)
    assert len(fake.state()["orders"]) == 2  # sent once


def test_a_partner_that_fills_before_a_restart_is_exited_after_it_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """The hedge fills whole and this process books the fill (its poll), then stops before
    any loop pass. The next process hears no fill: its first pass, told by the mark
    alone, sells the hedge back once; a second restart sends nothing."""
    hedge = _refused_short(client, runtime, fake, "gate-2", lots=1)
    _fill(fake, runtime, hedge, 65)
    _clear_faults(fake)
    with runtime.db.session() as db:
        assert runtime.live.poll(db) >= 1  # booked here; the process stops before its loop
    assert [o.status for o in ours(runtime)] == ["COMPLETE"]  # the short: never sent

    again = _restart(runtime, fake)
    again.run_jobs(force=True)
    again.run_jobs(force=True)
    assert _sent(fake) == [(CALL, "BUY", 65, "COMPLETE"), (CALL, "SELL", 65, "COMPLETE")]
    assert _marks(runtime) == [("chain:gate-2", True)]
    _restart(runtime, fake).run_jobs(force=True)
    assert len(fake.state()["orders"]) == 2


def test_a_partner_still_working_at_a_restart_is_cancelled_after_it(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """Nothing filled and the process stops before a pass: the next one cancels the hedge
    (its first cancel asked at once) and settles the mark; nothing is sold."""
    _refused_short(client, runtime, fake, "gate-3", lots=1)
    _clear_faults(fake)
    again = _restart(runtime, fake)
    again.run_jobs(force=True)
    again.run_jobs(force=True)
    assert _sent(fake) == [(CALL, "BUY", 65, "CANCELLED")]
    assert _marks(runtime) == [("chain:gate-3", True)]


def test_a_cancel_kite_keeps_refusing_backs_off_and_tells_its_owner_once(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    """Each failed cancel waits 3 s, then 6, then 12 before it is asked again: passes
    within the wait send nothing, the first after it one cancel. The third failure tells
    the owner, once; when Kite answers again the next due pass cancels the hedge."""
    _refused_short(client, runtime, fake, "gate-4", lots=1)
    asked = 1000 - fake.kite.faults.left()  # one cancel: the adapter's own tries
    assert asked >= 1
    loop = trading_loop(runtime)

    def cancels_in(secs: float) -> int:
        """Move the clock on by `secs`, run a pass: the cancels it asked for."""
        before = fake.kite.faults.left()
        clock.advance(timedelta(seconds=secs))
        loop.run_jobs(force=True)
        spent = before - fake.kite.faults.left()
        assert spent % asked == 0
        return spent // asked

    # the placement's failure is not the loop's: its first pass asks at once (1st failure)
    assert cancels_in(0) == 1
    assert [cancels_in(s) for s in (0, 1, 1.5)] == [0, 0, 0]  # within 3 s: nothing
    assert cancels_in(0.5) == 1  # 3 s after: one retry (2nd failure), then 6 s
    assert [cancels_in(s) for s in (2, 3.5)] == [0, 0]
    assert cancels_in(0.5) == 1  # 3rd failure: the owner is told
    assert cancels_in(11.5) == 0
    assert cancels_in(0.5) == 1  # 12 s after: 4th failure, told no more
    with runtime.db.session() as db:
        told = db.scalars(select(Notification).where(Notification.kind == "unwind_stuck")).all()
        assert len(told) == 1
        assert "has not cancelled your buy of" in told[0].text
    assert _sent(fake) == [(CALL, "BUY", 65, "OPEN")]
    assert _marks(runtime) == [("chain:gate-4", False)]

    _clear_faults(fake)
    clock.advance(timedelta(seconds=23))
    loop.run_jobs(force=True)
    assert _sent(fake) == [(CALL, "BUY", 65, "OPEN")]  # 24 s after the 4th: not yet
    clock.advance(timedelta(seconds=1))
    loop.run_jobs(force=True)
    assert _sent(fake) == [(CALL, "BUY", 65, "CANCELLED")]
    assert _marks(runtime) == [("chain:gate-4", True)]


def test_a_leg_refused_before_it_is_stored_still_unwinds_its_partner(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """A leg never stored leaves no row a later pass could tell the basket by: only the
    mark does. The hedge rests, so the short (its price off the tick besides) is skipped,
    not sent (issue 66); the hedge's cancel fails, it fills, its fill is heard: the pass
    sells it back, once."""
    user_id = connect(client, runtime, fake)
    set_prices(runtime, fake)
    near = runtime.options.last_tick(f"NFO:{CALL}")
    assert near is not None

    def leg(symbol: str, side: TransactionType, price: str) -> BasketLeg[None]:
        spec = OrderSpec(
            exchange=Exchange.NFO,
            tradingsymbol=symbol,
            transaction_type=side,
            quantity=65,
            product=Product.NRML,
            order_type=OrderType.LIMIT,
            price=Decimal(price),
        )
        return BasketLeg(spec, None)

    legs = [
        leg(FAR_CALL, TransactionType.SELL, "100.03"),  # off the ₹0.05 tick: a 422, unstored
        leg(CALL, TransactionType.BUY, _ticked(near.last_price / 2)),
    ]
    fake.fault("503", count=1000, method="DELETE", path_prefix="/orders")
    with runtime.db.session() as db:
        result = place_basket(
            runtime.orders,
            db,
            user_id=user_id,
            account=Account(live=True, broker="kite"),
            legs=legs,
            key="chain:unstored",
            source="api",
            attribution={},
            last_tick=runtime.options.last_tick,
        )
    assert [(r.index, r.state) for r in result.legs] == [(1, "open"), (0, "skipped")]
    assert "had not filled" in (result.legs[1].reason or ""), result.legs[1].reason
    assert [o.client_key for o in ours(runtime)] == ["chain:unstored:1"]
    (hedge,) = fake.state()["orders"]
    _fill(fake, runtime, hedge["order_id"], 65)
    _clear_faults(fake)

    loop = trading_loop(runtime)
    loop.run_jobs(force=True)
    loop.run_jobs(force=True)
    assert _sent(fake) == [(CALL, "BUY", 65, "COMPLETE"), (CALL, "SELL", 65, "COMPLETE")]
    assert [o.client_key for o in ours(runtime)] == [
        "chain:unstored:1",
        "chain:unstored:unwind:1",
    ]
    assert _marks(runtime) == [("chain:unstored", True)]

"""The chain's basket placed live at the fake Kite (issue 55): the margin before sending is
Kite's own ``/margins/basket`` answer; the legs go hedge-first through the pipeline with the
user's Kite account, each once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.workers_kit import set_price
from tradertape.db.models.trading import Order
from tradertape.jobs.trading import trading_loop
from tradertape.runtime import Runtime
from tradertape.services import baskets
from tradertape.settings import Settings

pytestmark = pytest.mark.db
NIFTY = "NSE:NIFTY 50"
CALL, FAR_CALL = "NIFTY26DEC25000CE", "NIFTY26DEC25500CE"


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _listed(runtime: Runtime, fake: Fake) -> None:
    """The two contracts at the fake, at the prices the server models."""
    rows = []
    for symbol in (CALL, FAR_CALL):
        tick = runtime.options.last_tick(f"NFO:{symbol}")
        assert tick is not None
        rows.append(
            {
                "exchange": "NFO",
                "tradingsymbol": symbol,
                "price": float(tick.last_price),
                "lot_size": 65,
                "instrument_type": "CE",
                "name": "NIFTY",
            }
        )
    fake.control("instruments", {"instruments": rows})


def _spread(**extra: Any) -> dict[str, Any]:
    return {
        "legs": [
            {"tradingsymbol": FAR_CALL, "transaction_type": "SELL", "lots": 1},
            {"tradingsymbol": CALL, "transaction_type": "BUY", "lots": 1},
        ],
        "mode": "live",
        "broker": "kite",
        **extra,
    }


def test_a_live_basket_shows_kites_margin_then_goes_hedge_first(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25000")
    fake.price(NIFTY, 25000)
    _listed(runtime, fake)

    margin = client.post("/api/options/basket/preview", json=_spread())
    assert margin.status_code == 200, margin.text
    assert margin.json()["source"] == "broker"
    assert float(margin.json()["margin_required"]) > 0
    # Kite's `initial` is the orders' sum before netting, `final` after (the fake nets
    # nothing, so the benefit it reports is none)
    assert margin.json()["margin_without_hedge"] == margin.json()["margin_required"]
    assert float(margin.json()["hedge_benefit"]) == 0

    placed = client.post("/api/options/basket", json=_spread(idempotency_key="live-1"))
    assert placed.status_code == 200, placed.text
    body = placed.json()
    assert body["status"] == "success", body
    assert [leg["tradingsymbol"] for leg in body["legs"]] == [CALL, FAR_CALL]
    sent = [(o["tradingsymbol"], o["transaction_type"]) for o in fake.state()["orders"]]
    assert sent == [(CALL, "BUY"), (FAR_CALL, "SELL")]
    client.post("/api/options/basket", json=_spread(idempotency_key="live-1"))
    assert len(fake.state()["orders"]) == 2  # sent once


def test_an_alerts_live_basket_is_priced_by_kite_as_the_chains_is(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """The alert form's preview of a live basket asks Kite's ``/margins/basket`` through the
    same mechanism as the chain's (`services.baskets.margin`): one figure for one basket."""
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25000")
    fake.price(NIFTY, 25000)
    _listed(runtime, fake)
    legs = [
        {
            "symbol": f"NFO:{FAR_CALL}",
            "transaction_type": "SELL",
            "quantity": 65,
            "product": "NRML",
        },
        {"symbol": f"NFO:{CALL}", "transaction_type": "BUY", "quantity": 65, "product": "NRML"},
    ]
    chain = client.post("/api/options/basket/preview", json=_spread()).json()
    alert = client.post(
        "/api/alerts/basket/preview", json={"legs": legs, "mode": "live", "broker": "kite"}
    )
    assert alert.status_code == 200, alert.text
    assert alert.json()["source"] == "broker"
    assert alert.json()["margin_required"] == chain["margin_required"]
    assert alert.json()["order"] == [1, 0]  # the bought leg first
    paper = client.post("/api/alerts/basket/preview", json={"legs": legs}).json()
    assert paper["source"] == "estimate"


def _ticked(price: Decimal) -> str:
    """`price` on the contracts' 5-paise tick."""
    tick = Decimal("0.05")
    return str((price / tick).quantize(Decimal(1)) * tick)


def test_a_leg_kite_rejects_after_taking_it_unwinds_its_filled_partner_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25000")
    fake.price(NIFTY, 25000)
    _listed(runtime, fake)
    far = runtime.options.last_tick(f"NFO:{FAR_CALL}")
    assert far is not None
    resting = _ticked(far.last_price * 2)  # a sell that rests, OPEN
    legs = _spread(idempotency_key="late-1")
    legs["legs"][0] |= {"order_type": "LIMIT", "price": resting}

    placed = client.post("/api/options/basket", json=legs)
    assert placed.status_code == 200, placed.text
    assert placed.json()["status"] == "success", placed.text  # both taken by Kite
    bought, sold = fake.state()["orders"]
    assert (bought["status"], sold["status"]) == ("COMPLETE", "OPEN")

    # Kite's RMS rejects the resting short later: the poll books it, the loop unwinds.
    fake.control("reject", {"order_id": sold["order_id"]})
    loop = trading_loop(runtime)
    loop.run_jobs(force=True)
    orders = fake.state()["orders"]
    assert len(orders) == 3
    unwind = orders[2]
    assert (unwind["tradingsymbol"], unwind["transaction_type"], unwind["order_type"]) == (
        CALL,
        "SELL",
        "MARKET",
    )
    assert unwind["quantity"] == bought["filled_quantity"] == 65
    with runtime.db.session() as db:
        mine = db.scalars(select(Order).order_by(Order.id)).all()
        keys = [(o.client_key, o.status) for o in mine]
    assert keys[1] == ("chain:late-1:0", "REJECTED")
    assert keys[2][0] == "chain:late-1:unwind:1"
    assert mine[2].attribution["unwind"] is True

    loop.run_jobs(force=True)  # another pass, a repeated report: nothing more is sent
    runtime.late_refusals.unwind(mine[1].user_id, mine[1].order_id)
    assert len(fake.state()["orders"]) == 3


def test_a_live_hedge_left_resting_halts_the_basket_before_its_short(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """Issue 66: a hedge resting at Kite (a limit far under the market) still let the short
    go, reported as success: a naked short. The basket now asks Kite for the hedge's state
    until it has filled or `HedgeWait` (5 s) has passed; it has not, so the hedge is
    cancelled, the short never reaches Kite, and the answer says why."""
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25000")
    fake.price(NIFTY, 25000)
    _listed(runtime, fake)
    near = runtime.options.last_tick(f"NFO:{CALL}")
    assert near is not None
    legs = _spread(idempotency_key="late-2")
    legs["legs"][1] |= {"order_type": "LIMIT", "price": _ticked(near.last_price / 2)}

    answer = client.post("/api/options/basket", json=legs).json()
    assert answer["status"] == "failed", answer
    assert [(leg["tradingsymbol"], leg["state"]) for leg in answer["legs"]] == [
        (CALL, "cancelled"),
        (FAR_CALL, "skipped"),
    ]
    reason = answer["legs"][1]["reason"]
    assert "hedge leg 2 had not filled (open) within 5 s: the short legs were not sent" in reason
    (hedge,) = fake.state()["orders"]  # no short at Kite
    assert hedge["status"] == "CANCELLED"


def test_a_live_hedge_that_fills_while_waited_for_lets_its_short_go(
    client: TestClient, runtime: Runtime, fake: Fake, monkeypatch: pytest.MonkeyPatch
):
    """The hedge rests when sent and fills at Kite a moment later (here on the wait's second
    look): the basket asks Kite again, sees the fill, and sends the short."""
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25000")
    fake.price(NIFTY, 25000)
    _listed(runtime, fake)
    near = runtime.options.last_tick(f"NFO:{CALL}")
    assert near is not None
    price = _ticked(near.last_price / 2)
    looks = []

    def sleep(seconds: float) -> None:  # the broker fills the hedge while the basket waits
        looks.append(seconds)
        (hedge,) = fake.state()["orders"]
        fake.control("fill", {"order_id": hedge["order_id"], "quantity": 65, "price": float(price)})

    monkeypatch.setattr(
        baskets, "HEDGE_WAIT", baskets.HedgeWait(sleep=sleep, monotonic=lambda: 0.0)
    )
    legs = _spread(idempotency_key="waited")
    legs["legs"][1] |= {"order_type": "LIMIT", "price": price}
    answer = client.post("/api/options/basket", json=legs).json()
    assert answer["status"] == "success", answer
    assert [leg["state"] for leg in answer["legs"]][0] == "filled"
    assert len(looks) == 1
    assert [o["transaction_type"] for o in fake.state()["orders"]] == ["BUY", "SELL"]


def test_a_late_rejection_booked_before_a_restart_is_unwound_after_it_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25000")
    fake.price(NIFTY, 25000)
    _listed(runtime, fake)
    far = runtime.options.last_tick(f"NFO:{FAR_CALL}")
    assert far is not None
    legs = _spread(idempotency_key="late-3")
    legs["legs"][0] |= {"order_type": "LIMIT", "price": _ticked(far.last_price * 2)}
    assert client.post("/api/options/basket", json=legs).json()["status"] == "success"
    _, sold = fake.state()["orders"]
    fake.control("reject", {"order_id": sold["order_id"]})
    with runtime.db.session() as db:
        assert runtime.live.poll(db) >= 1  # booked here; the process stops before its loop

    restarted = Runtime.build(runtime.settings, clock=runtime.clock, db=runtime.db)
    set_price(restarted, NIFTY, "25000")  # its option chain: the contracts listed again
    _listed(restarted, fake)
    loop = trading_loop(restarted)
    loop.run_jobs(force=True)
    loop.run_jobs(force=True)
    orders = fake.state()["orders"]
    assert [(o["tradingsymbol"], o["transaction_type"]) for o in orders[2:]] == [(CALL, "SELL")]


def test_a_partner_that_fills_after_its_unwind_is_exited_for_the_rest_once(
    client: TestClient, runtime: Runtime, fake: Fake
):
    """Two bought legs, both resting (no short waits on them); the second is rejected late.
    The first's cancel misses (Kite does not answer it) while it is one lot of two filled:
    the unwind exits that lot; it fills the other before any cancel lands, and the next
    pass exits it under the key of the 130 it has filled, once across passes and a
    restart. Kite's book ends flat. (A sold leg no longer goes while a hedge rests.)"""
    connect(client, runtime, fake)
    set_price(runtime, NIFTY, "25000")
    fake.price(NIFTY, 25000)
    _listed(runtime, fake)
    near = runtime.options.last_tick(f"NFO:{CALL}")
    far = runtime.options.last_tick(f"NFO:{FAR_CALL}")
    assert near is not None
    assert far is not None
    legs = _spread(idempotency_key="late-4")
    legs["legs"] = [
        {"tradingsymbol": CALL, "transaction_type": "BUY", "lots": 2},
        {"tradingsymbol": FAR_CALL, "transaction_type": "BUY", "lots": 2},
    ]
    legs["legs"][0] |= {"order_type": "LIMIT", "price": _ticked(near.last_price / 2)}
    legs["legs"][1] |= {"order_type": "LIMIT", "price": _ticked(far.last_price / 2)}
    assert client.post("/api/options/basket", json=legs).json()["status"] == "success"
    hedge, short = fake.state()["orders"]
    assert (hedge["status"], short["status"]) == ("OPEN", "OPEN")
    fill = float(_ticked(near.last_price / 2))
    fake.control("fill", {"order_id": hedge["order_id"], "quantity": 65, "price": fill})

    fake.fault("503", count=20, method="DELETE", path_prefix="/orders")  # cancels unanswered
    fake.control("reject", {"order_id": short["order_id"]})
    loop = trading_loop(runtime)
    loop.run_jobs(force=True)
    exits = fake.state()["orders"][2:]
    assert [(o["tradingsymbol"], o["transaction_type"], o["quantity"]) for o in exits] == [
        (CALL, "SELL", 65)
    ]
    assert fake.state()["orders"][0]["status"] == "OPEN"  # the cancel missed

    fake.control("fill", {"order_id": hedge["order_id"], "quantity": 65, "price": fill})
    assert fake.http.delete(f"{fake.url}/_fake/faults").status_code == 200
    loop.run_jobs(force=True)
    loop.run_jobs(force=True)
    exits = fake.state()["orders"][2:]
    assert [(o["tradingsymbol"], o["transaction_type"], o["quantity"]) for o in exits] == [
        (CALL, "SELL", 65),
        (CALL, "SELL", 65),
    ]
    with runtime.db.session() as db:
        keys = db.scalars(
            select(Order.client_key).where(Order.client_key.like("chain:late-4:unwind:%"))
        ).all()
    assert sorted(str(key) for key in keys) == [
        "chain:late-4:unwind:0",
        "chain:late-4:unwind:0:130",
    ]

    restarted = Runtime.build(runtime.settings, clock=runtime.clock, db=runtime.db)
    set_price(restarted, NIFTY, "25000")
    _listed(restarted, fake)
    again = trading_loop(restarted)
    again.run_jobs(force=True)
    again.run_jobs(force=True)
    orders = fake.state()["orders"]
    assert len(orders) == 4  # each exit sent once
    net: dict[str, int] = {}
    for order in orders:
        sign = 1 if order["transaction_type"] == "BUY" else -1
        net[order["tradingsymbol"]] = (
            net.get(order["tradingsymbol"], 0) + sign * order["filled_quantity"]
        )
    assert net == {CALL: 0, FAR_CALL: 0}  # flat at Kite

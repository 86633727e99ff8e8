"""A live order above the freeze quantity at the fake Upstox, through the server (issue
54): one request with Upstox's v3 ``slice``, every child's id in ``order_ids`` recorded on
our children (one ``slice_parent``), each filled and booked on its own; a retry of the key
sends nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.live.conftest import upstox_venue
from tests.integration.live.test_live_orders_upstox_groww import connect
from tests.live_kit import ours
from tests.upstox_kit import FakeUpstox, running_fake
from tradertape.domain.instruments import Exchange, Instrument, InstrumentCatalog, InstrumentType
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.symbols import broker_symbols
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.market.instruments import import_kite_csv
from tradertape.testkit import make_tick
from tradertape_brokers.upstox.adapter import order_tag

pytestmark = pytest.mark.db
LOT, FREEZE = 65, 1800  # NIFTY's lot and its shipped freeze quantity
PER = (FREEZE // LOT) * LOT  # a slice: 27 lots, 1,755
# December's NIFTY future as Kite's instruments dump lists it: the server learns it from
# the dump, the fake Upstox knows it by its exchange token (``NSE_FO|52168``).
DUMP = (
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,"
    "lot_size,instrument_type,segment,exchange\n"
    "13351172,52168,NIFTY26DECFUT,NIFTY,0.0,2026-12-29,0.0,0.1,65,FUT,NFO-FUT,NFO\n"
)
FUT = Instrument(
    exchange=Exchange.NFO,
    tradingsymbol="NIFTY26DECFUT",
    instrument_type=InstrumentType.FUT,
    name="NIFTY",
    instrument_token=13351172,
    exchange_token=52168,
    lot_size=LOT,
    tick_size=Decimal("0.1"),
    expiry=date(2026, 12, 29),
    underlying="NIFTY",
)
KEY = "NSE_FO|52168"


@pytest.fixture
def upstox(clock: ManualClock) -> Iterator[FakeUpstox]:
    with running_fake(clock.now, InstrumentCatalog([*reference_catalog(), FUT], {})) as running:
        running.control("prices", {KEY: 25100})
        running.control("funds", {"cash": "100000000000"})
        yield running


def _listed(runtime: Runtime) -> None:
    """The future imported from the dump and priced here: the server names it at Upstox
    by the dump's exchange token, no one teaching its adapter the key."""
    with runtime.db.session() as db:
        import_kite_csv(db, DUMP, clock=runtime.clock)
        future = runtime.exchange.catalog(db).get(f"NFO:{FUT.tradingsymbol}")
        assert broker_symbols(future).upstox == KEY
    runtime.quotes.update(make_tick(future.key, "25100", ts=runtime.clock.now()))


def _buy(quantity: int, **extra: Any) -> dict[str, Any]:
    return {
        "exchange": "NFO",
        "tradingsymbol": FUT.tradingsymbol,
        "transaction_type": "BUY",
        "quantity": quantity,
        "product": "NRML",
        "order_type": "LIMIT",
        "price": "25000",
        "mode": "live",
        **extra,
    }


def test_upstox_slices_a_live_order_and_its_children_are_ours(
    client: TestClient, runtime: Runtime, upstox: FakeUpstox
):
    connect(client, runtime, upstox_venue(upstox))
    _listed(runtime)
    per, lot = PER, LOT
    order = _buy(2 * per + 3 * lot, autoslice=True) | {"idempotency_key": "up-big-1"}

    placed = client.post("/api/orders", json=order)

    assert placed.status_code == 201, placed.text
    rows = ours(runtime)
    children = placed.json()["children"]
    assert [r.order_id for r in rows] == children
    assert [r.quantity for r in rows] == [per, per, 3 * lot]
    assert [r.broker for r in rows] == ["upstox"] * 3
    assert len({r.slice_parent for r in rows}) == 1
    assert rows[0].slice_parent is not None
    at_upstox: list[dict[str, Any]] = upstox.state()["orders"]  # type: ignore[assignment]
    assert [r.broker_order_id for r in rows] == [o["order_id"] for o in at_upstox]
    assert [o["quantity"] for o in at_upstox] == [per, per, 3 * lot]
    # One request, sliced by Upstox: every child carries the first child's tag.
    assert {o["tag"] for o in at_upstox} == {order_tag(rows[0].order_id)}
    assert all(r.status == "OPEN" for r in rows)

    replay = client.post("/api/orders", json=order)
    assert (replay.status_code, replay.json()["children"]) == (200, children)
    assert len(upstox.state()["orders"]) == 3  # type: ignore[arg-type]

    upstox.control("prices", {KEY: 24990})  # every child's limit is crossed
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 3
    rows = ours(runtime)
    assert [(r.status, r.filled_quantity) for r in rows] == [
        ("COMPLETE", per),
        ("COMPLETE", per),
        ("COMPLETE", 3 * lot),
    ]

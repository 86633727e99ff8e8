"""One margin for one order (issue 63, item 4): the ticket's preview, the basket's preview
and the funds check read one computation (`domain.margins.MarginTable`), with the same
catalog (risk classes) and the same quote of the underlying.

The funds check's block is read where a user sees it: an account with no money refuses the
order with Kite's wording, "Required margin is …".
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import sign_in
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.market.instruments import import_kite_csv
from tradertape.testkit import make_tick

# November 2026 contracts (the clock stands at Friday 20 November 2026, 10:00 IST), with
# the lot sizes of fno_underlyings.csv: an index (NIFTY), a NIFTY 50 stock (RELIANCE),
# a stock outside the NIFTY 200 (AMBER).
DUMP = """\
instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,\
lot_size,instrument_type,segment,exchange
13238001,51001,NIFTY26NOVFUT,NIFTY,0.0,2026-11-24,0.0,0.1,65,FUT,NFO-FUT,NFO
13238002,51002,NIFTY26NOV26000CE,NIFTY,0.0,2026-11-24,26000.0,0.05,65,CE,NFO-OPT,NFO
13238003,51003,NIFTY26NOV25000PE,NIFTY,0.0,2026-11-24,25000.0,0.05,65,PE,NFO-OPT,NFO
13238004,51004,RELIANCE26NOVFUT,RELIANCE,0.0,2026-11-24,0.0,0.1,500,FUT,NFO-FUT,NFO
13238005,51005,RELIANCE26NOV1400CE,RELIANCE,0.0,2026-11-24,1400.0,0.05,500,CE,NFO-OPT,NFO
13238006,51006,AMBER26NOVFUT,AMBER,0.0,2026-11-24,0.0,0.1,100,FUT,NFO-FUT,NFO
"""
# Each order's instrument, its products, its price (premium for an option) and its quote.
INSTRUMENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "NSE:INFY": (("CNC", "MIS"), "1400"),
    "NFO:NIFTY26NOVFUT": (("NRML", "MIS"), "26050"),
    "NFO:NIFTY26NOV26000CE": (("NRML", "MIS"), "180"),
    "NFO:NIFTY26NOV25000PE": (("NRML", "MIS"), "95"),
    "NFO:RELIANCE26NOVFUT": (("NRML",), "1410"),
    "NFO:RELIANCE26NOV1400CE": (("NRML",), "32"),
    "NFO:AMBER26NOVFUT": (("NRML",), "7010"),
}
UNDERLYINGS = {"NSE:NIFTY 50": "25900", "NSE:RELIANCE": "1405", "NSE:AMBER": "7000"}
_REQUIRED = re.compile(r"Required margin is ([\d,]+\.\d\d)")


def _set(runtime: Runtime, key: str, price: str) -> None:
    runtime.quotes.update(make_tick(key, price, ts=runtime.clock.now(), last_quantity=10**6))


@pytest.fixture
def market(client: TestClient, runtime: Runtime) -> None:
    """A signed-in user with no money, the contracts listed and every price quoted."""
    sign_in(client, runtime, "margin@x.in")
    with runtime.db.session() as db:
        import_kite_csv(db, DUMP, clock=runtime.clock)
    for key, price in UNDERLYINGS.items():
        _set(runtime, key, price)
    for key, (_, price) in INSTRUMENTS.items():
        _set(runtime, key, price)


def _order(key: str, side: str, quantity: int, product: str, limit: str | None) -> dict[str, Any]:
    exchange, symbol = key.split(":")
    return {
        "exchange": exchange,
        "tradingsymbol": symbol,
        "transaction_type": side,
        "quantity": quantity,
        "product": product,
        "order_type": "LIMIT" if limit else "MARKET",
        "price": limit,
    }


def _ticket(client: TestClient, body: dict[str, Any]) -> Decimal:
    answer = client.post("/api/orders/preview", json=body)
    assert answer.status_code == 200, answer.text
    return Decimal(str(answer.json()["margin_required"])).quantize(Decimal("0.01"))


def _blocked(client: TestClient, runtime: Runtime, body: dict[str, Any]) -> Decimal:
    """The funds check's block: an account with nothing free is told what it needs."""
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=1))  # within SEBI's order-rate ceiling
    placed = client.post("/api/orders", json=body).json()
    assert placed["status"] == "REJECTED", placed
    found = _REQUIRED.search(placed["status_message"])
    assert found is not None, placed["status_message"]
    return Decimal(found.group(1).replace(",", ""))


@pytest.mark.usefixtures("market")
@pytest.mark.parametrize(
    ("key", "side", "lots", "margin"),
    [
        # A sold NIFTY call at 180, on the index's 25,900, 4 days to expiry: SPAN's worst
        # scenario loses 2,828.00 a unit (test_span_scenarios.py), 65 × 2,828 = 1,83,820,
        # + exposure 2 % of 16,83,500 (33,670) = 2,17,490; not the riskiest class on the
        # strike (65 × 26,000 × 28.5 % = 4,81,650) the ticket used to show.
        pytest.param("NFO:NIFTY26NOV26000CE", "SELL", 1, "217490.00", id="short-index-call"),
        # A NIFTY future at 26,050: 65 × 26,050 = 16,93,250 × 14 % = 2,37,055.
        pytest.param("NFO:NIFTY26NOVFUT", "BUY", 1, "237055.00", id="index-future"),
        # A RELIANCE future (NIFTY 50: SPAN 15 % + exposure 3.5 %): 500 × 1,410 = 7,05,000
        # × 18.5 % = 1,30,425.
        pytest.param("NFO:RELIANCE26NOVFUT", "SELL", 1, "130425.00", id="stock-future"),
    ],
)
def test_the_ticket_shows_the_margin_the_funds_check_blocks(
    client: TestClient, runtime: Runtime, key: str, side: str, lots: int, margin: str
):
    products, price = INSTRUMENTS[key]
    body = _order(key, side, lots * (65 if "NIFTY" in key else 500), products[0], price)
    assert _ticket(client, body) == Decimal(margin)
    assert _blocked(client, runtime, body) == Decimal(margin)


ORDERS = st.sampled_from(sorted(INSTRUMENTS)).flatmap(
    lambda key: st.tuples(
        st.just(key),
        st.sampled_from(("BUY", "SELL")),
        st.integers(1, 3),
        st.sampled_from(INSTRUMENTS[key][0]),
        st.sampled_from((None, "0.95", "1", "1.05")),  # MARKET, or a limit near the quote
    )
)


@pytest.mark.usefixtures("market")
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(order=ORDERS)
@example(order=("NFO:NIFTY26NOV26000CE", "SELL", 1, "NRML", None))
@example(order=("NFO:NIFTY26NOVFUT", "SELL", 2, "MIS", "1"))
def test_for_any_order_the_ticket_equals_the_funds_checks_block(
    client: TestClient, runtime: Runtime, order: tuple[str, str, int, str, str | None]
):
    key, side, lots, product, at = order
    if key.startswith("NSE:") and product == "CNC" and side == "SELL":
        side = "BUY"  # a delivery sell needs the shares, not margin
    instrument_price = Decimal(INSTRUMENTS[key][1])
    limit = None if at is None else str((instrument_price * Decimal(at)).quantize(Decimal(1)))
    lot = {"NIFTY": 65, "RELIA": 500, "AMBER": 100}.get(key[4:9], 1)
    body = _order(key, side, lots * lot, product, limit)
    assert _ticket(client, body) == _blocked(client, runtime, body)

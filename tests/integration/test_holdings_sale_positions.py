"""Positions read as Kite's and add up with the header (issue 64): delivery shares sold out
of the holdings are a sale of held shares, not an open short. Their row on Positions has
quantity 0 and its P&L realised against the previous close (as the day's P&L counts held
shares), it does not move with the price, and it offers no Exit (the page shows Exit only
for a quantity); the positions' P&L and the holdings' day P&L add up to the header's.

The worked example: 35 INFY bought yesterday at ₹1,500.00 for delivery, closed yesterday at
₹1,520.00. Today 20 are sold at ₹1,530.00 and INFY moves on to ₹1,545.00:
- Positions: INFY CNC, quantity 0, P&L 20 × (1,530 − 1,520) = ₹200.00, realised;
- Holdings: 15 INFY, the day's change 15 × (1,545 − 1,520) = ₹375.00;
- the header (today's P&L): 20 × 1,530 + 15 × 1,545 − 35 × 1,520 = ₹575.00 = 200 + 375.
Then the other 15 sell at ₹1,545.00: the row is 35 sold, P&L 200 + 15 × 25 = ₹575.00, and
the header still ₹575.00 when INFY falls to ₹1,500.00.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.workers_kit import order
from tradertape.domain.market import Tick
from tradertape.jobs.loop import TradingLoop
from tradertape.jobs.trading import trading_loop
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime

_volume = iter(range(1, 10**9))


def _tick(loop: TradingLoop, clock: ManualClock, price: str, close: str) -> None:
    last = Decimal(price)
    loop.on_ticks(
        [
            Tick(
                key="NSE:INFY",
                instrument_token=1,
                ts=clock.now(),
                last_price=last,
                last_quantity=1_000,
                volume=next(_volume) * 1_000_000,
                open=Decimal(close),
                high=last,
                low=last,
                prev_close=Decimal(close),
                bid=last,
                ask=last,
            )
        ]
    )
    loop.run_jobs(force=True)


def _place(client: TestClient, side: str, quantity: int) -> None:
    body = {**order("INFY", side, quantity, product="CNC"), "variety": "regular"}
    placed = client.post("/api/orders", json=body)
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "COMPLETE", placed.text


def _desk(client: TestClient) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Decimal]:
    """Positions' net rows, the holdings and the header's P&L, read at one mark."""
    net = client.get("/api/portfolio/positions").json()["net"]
    holdings = client.get("/api/portfolio/holdings").json()
    header = Decimal(str(client.get("/api/risk/state").json()["pnl_today"]["total"]))
    return net, holdings, header


def test_a_sale_from_holdings_is_realised_at_quantity_zero_and_adds_up_with_the_header(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "holdings-sale@x.in")
    loop = trading_loop(runtime)
    _tick(loop, clock, "1500", "1500")
    assert client.post("/api/portfolio/funds", json={"amount": "100000"}).status_code == 201
    _place(client, "BUY", 35)
    today = clock.now().astimezone(IST).date()
    clock.set(datetime.combine(runtime.exchange.calendar.next_trading_day(today), time(10), IST))
    _tick(loop, clock, "1530", "1520")  # yesterday closed at ₹1,520
    _place(client, "SELL", 20)
    _tick(loop, clock, "1545", "1520")

    net, holdings, header = _desk(client)
    (row,) = net
    assert (row["product"], row["quantity"], row["sell_quantity"]) == ("CNC", 0, 20)
    assert Decimal(str(row["pnl"])) == Decimal("200.00")  # 20 × (1,530 − 1,520)
    assert Decimal(str(row["realised"])) == Decimal("200.00")
    assert Decimal(str(row["unrealised"])) == 0
    (held,) = holdings
    assert held["quantity"] + held["t1_quantity"] == 15
    day = Decimal(str(held["day_change"])) * 15  # 15 × (1,545 − 1,520)
    assert day == Decimal("375.00")
    assert header == Decimal("575.00")
    assert sum(Decimal(str(r["pnl"])) for r in net) + day == header

    _place(client, "SELL", 15)  # the rest, at ₹1,545
    _tick(loop, clock, "1500", "1520")  # the price moves on: nothing of it is held
    net, holdings, header = _desk(client)
    (row,) = net
    assert (row["quantity"], row["sell_quantity"], holdings) == (0, 35, [])
    assert Decimal(str(row["pnl"])) == Decimal("575.00")  # 200 + 15 × (1,545 − 1,520)
    assert sum(Decimal(str(r["pnl"])) for r in net) == header == Decimal("575.00")

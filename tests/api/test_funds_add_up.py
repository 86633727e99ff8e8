"""Funds add up as Kite's page does (issue 63, item 5): the opening balance, what was paid
in, less the debits listed, plus what came back today, is the available margin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import sign_in
from tradertape.db.models.trading import Trade
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


def _set(runtime: Runtime, key: str, price: str) -> None:
    runtime.quotes.update(make_tick(key, price, ts=runtime.clock.now(), last_quantity=10**6))


def _buy(client: TestClient, symbol: str, quantity: int, price: str, **more: str) -> None:
    body: dict[str, Any] = {
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "transaction_type": "BUY",
        "quantity": quantity,
        "product": "CNC",
        "order_type": "LIMIT",
        "price": price,
    } | more
    placed = client.post("/api/orders", json=body).json()
    assert placed["status"] == "COMPLETE", placed


def _d(value: object) -> Decimal:
    return Decimal(str(value))


def test_funds_add_up_opening_payin_debits_and_credits(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "sum@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": "1000000"}).status_code == 201
    _set(runtime, "NSE:NIFTY 50", "25010")
    with runtime.db.session() as db:
        call = next(
            i
            for i in runtime.exchange.catalog(db)
            if i.name == "NIFTY" and i.option_type is not None and i.strike == 25000
        )
    for key, price in ((call.key, "163.20"), ("NSE:INFY", "1400.10"), ("NSE:RELIANCE", "1280")):
        _set(runtime, key, price)
    _buy(client, "INFY", 41, "1400.10")  # delivery: 41 × 1,400.10 = 57,404.10
    _buy(client, call.tradingsymbol, 65, "163.20", exchange="NFO", product="NRML")  # 10,608
    _buy(client, "RELIANCE", 100, "1280", product="MIS")  # intraday: 1,28,000 paid
    _set(runtime, "NSE:RELIANCE", "1290")  # +1,000 on the intraday position
    with runtime.db.session() as db:
        charges = sum(db.scalars(select(Trade.charges)), Decimal(0))

    equity = client.get("/api/portfolio/margins").json()["equity"]
    available, used = equity["available"], equity["utilised"]
    # Paid in today (no opening balance yet): 10,00,000.
    opening, payin = _d(available["opening_balance"]), _d(available["intraday_payin"])
    assert (opening, payin) == (Decimal(0), Decimal(1_000_000))
    # Debits, listed: the intraday position's 20 % of 1,29,000 at its mark (25,800), the
    # option's premium and the delivery bought: 25,800 + 10,608 + 57,404.10 = 93,812.10.
    parts = {k: _d(used[k]) for k in ("var", "span", "exposure", "option_premium", "delivery")}
    assert parts == {
        "var": Decimal("25800"),
        "span": 0,
        "exposure": 0,
        "option_premium": Decimal("10608"),
        "delivery": Decimal("57404.10"),
    }
    assert _d(used["debits"]) == sum(parts.values()) == Decimal("93812.10")
    # Credits: the intraday position's +1,000 less the day's charges (the buys paid for in
    # full are the debits above, not a second time).
    assert _d(available["credits"]) == Decimal(1000) - charges.quantize(Decimal("0.01"))
    # 10,00,000 − 93,812.10 + 1,000 − charges = 9,07,187.90 − charges
    assert _d(equity["net"]) == Decimal("907187.90") - charges.quantize(Decimal("0.01"))
    assert _d(equity["net"]) == (
        _d(available["opening_balance"])
        + _d(available["intraday_payin"])
        - _d(used["debits"])
        + _d(available["credits"])
    )

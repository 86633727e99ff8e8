"""The journal marks an open future or option where Positions marks it (issue 52, item 3):
the same price source, so the journal's mark and unrealised P&L are the Positions page's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_book_funds import set_price
from tests.helpers import sign_in
from tradertape.domain.instruments import Exchange, Instrument
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.runtime import Runtime


def _nifty(runtime: Runtime, *, option_type: str | None, strike: int | None) -> Instrument:
    with runtime.db.session() as db:
        return next(
            i
            for i in runtime.exchange.catalog(db)
            if i.name == "NIFTY"
            and i.exchange.value == "NFO"
            and i.option_type == option_type
            and (strike is None or i.strike == strike)
        )


def _place(client: TestClient, instrument: Instrument, side: str) -> None:
    body = {
        "exchange": "NFO",
        "tradingsymbol": instrument.tradingsymbol,
        "transaction_type": side,
        "quantity": instrument.lot_size,
        "product": "NRML",
        "order_type": "MARKET",
    }
    placed = client.post("/api/orders", json=body).json()
    assert placed["status"] == "COMPLETE", placed


def _buy_at_the_model(runtime: Runtime, user_id: int, instrument: Instrument) -> None:
    """A buy filled at the option model's price (no tick of the option came): the order
    placed as a portfolio's entry is, with the paper account's price source."""
    spec = OrderSpec(
        exchange=Exchange.NFO,
        tradingsymbol=instrument.tradingsymbol,
        transaction_type=TransactionType.BUY,
        quantity=instrument.lot_size,
        product=Product.NRML,
        order_type=OrderType.MARKET,
    )
    assert runtime.quotes(instrument.key) is None
    with runtime.db.session() as db:
        order = runtime.exchange.place(
            db,
            user_id=user_id,
            spec=spec,
            source="manual",
            last=runtime.portfolio.last_tick(instrument.key),
        )
        assert order.status == "COMPLETE", order.status_message


def _positions(client: TestClient) -> dict[str, dict[str, Any]]:
    net = client.get("/api/portfolio/positions").json()["net"]
    return {p["tradingsymbol"]: p for p in net}


def _journal(client: TestClient) -> dict[str, dict[str, Any]]:
    answer = client.get("/api/journal/pnl", params={"include_paper": "true"})  # paper positions
    assert answer.status_code == 200, answer.text
    return {p["symbol"]: p for p in answer.json()["open"]}


def test_open_nifty_options_are_marked_as_positions_marks_them(
    client: TestClient, runtime: Runtime
):
    user_id = sign_in(client, runtime, "fo@x.in")
    client.post("/api/portfolio/funds", json={"amount": "2500000"})
    set_price(runtime, "NSE:NIFTY 50", "25010")
    call = _nifty(runtime, option_type="CE", strike=25000)
    put = _nifty(runtime, option_type="PE", strike=24900)
    set_price(runtime, put.key, "80.05")
    _buy_at_the_model(runtime, user_id, call)
    _place(client, put, "SELL")  # written at its tick
    # the market moves: the index (the call's model price follows it) and the put's tick
    set_price(runtime, "NSE:NIFTY 50", "25140")
    set_price(runtime, put.key, "61.40")

    positions, journal = _positions(client), _journal(client)
    for instrument in (call, put):
        shown, kept = positions[instrument.tradingsymbol], journal[instrument.tradingsymbol]
        assert kept["segment"] == "FO"
        assert kept["mark"] is not None, instrument.tradingsymbol
        assert Decimal(kept["mark"]) == Decimal(str(shown["last_price"]))
        assert Decimal(kept["unrealised"]) == Decimal(str(shown["unrealised"])).quantize(
            Decimal("0.01")
        )
    # the call's mark is the model's from the index now, above its fill
    assert Decimal(journal[call.tradingsymbol]["unrealised"]) > 0
    # the put was written at 80.05 and is 61.40 now: 18.65 a unit gained
    assert journal[put.tradingsymbol]["direction"] == "short"
    assert Decimal(journal[put.tradingsymbol]["unrealised"]) == Decimal("18.65") * put.lot_size
    pnl = client.get("/api/journal/pnl", params={"include_paper": "true"}).json()
    assert Decimal(pnl["unrealised"]) == sum(
        (Decimal(p["unrealised"]) for p in journal.values()), Decimal(0)
    )

"""POST /api/orders above the freeze quantity (issue 54): 422 naming ``quantity`` without
``autoslice``; with it, placed as children answered like Kite's ``children``, and the
order book shows each child with its parent key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


def _nifty_call(runtime: Runtime) -> tuple[str, int]:
    runtime.quotes.update(make_tick("NSE:NIFTY 50", "25010", ts=runtime.clock.now()))
    with runtime.db.session() as db:
        call = next(
            i
            for i in runtime.exchange.catalog(db)
            if i.name == "NIFTY" and i.option_type is not None and i.strike == 25000
        )
    runtime.quotes.update(make_tick(call.key, "163.20", ts=runtime.clock.now()))
    return call.tradingsymbol, call.lot_size


def test_autoslice_places_children_and_the_book_groups_them(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "slicer@x.in")
    client.post("/api/portfolio/funds", json={"amount": "10000000"})
    symbol, lot = _nifty_call(runtime)
    # The ticket reads the freeze quantity first, of an index option listed from its index too.
    detail = client.get(f"/api/instruments/NFO/{symbol}")
    assert detail.status_code == 200, detail.text
    assert detail.json()["freeze_quantity"] == 1800
    lots = 1800 // lot + 1  # one lot past NIFTY's freeze quantity
    body = {
        "exchange": "NFO",
        "tradingsymbol": symbol,
        "transaction_type": "BUY",
        "quantity": lots * lot,
        "product": "NRML",
        "order_type": "LIMIT",
        "price": "100",
    }
    refused = client.post("/api/orders", json=body)
    assert refused.status_code == 422, refused.text
    assert "quantity" in refused.text
    assert "autoslice" in refused.text

    placed = client.post("/api/orders", json=body | {"autoslice": True})
    assert placed.status_code == 201, placed.text
    children = placed.json()["children"]
    assert len(children) == 2
    assert placed.json()["order_id"] == children[0]
    book = {o["order_id"]: o for o in client.get("/api/portfolio/orders").json()}
    parents = {book[child]["meta"]["slice_parent"] for child in children}
    assert len(parents) == 1
    assert sum(book[child]["quantity"] for child in children) == lots * lot

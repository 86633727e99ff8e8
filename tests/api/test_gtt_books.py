"""The GTT list names each trigger's book: whose money its order spends, by name."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.oms import CreateGtt
from tradertape.ports.broker import GttSpec
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

GTT: dict[str, Any] = {
    "type": "single",
    "condition": {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "trigger_values": [1350],
        "last_price": 1400,
    },
    "orders": [
        {
            "transaction_type": "BUY",
            "quantity": 2,
            "order_type": "LIMIT",
            "product": "CNC",
            "price": 1355,
        }
    ],
}


def test_each_trigger_says_its_book_by_name(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "t@x.in")
    runtime.quotes.update(make_tick("NSE:INFY", "1400", ts=runtime.clock.now()))
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    template = client.get("/api/strategies", params={"is_template": True}).json()[0]["id"]
    deploy = {
        "strategy_id": template,
        "name": "Dip buyer",
        "universe": "nifty_50",
        "starting_capital": "200000",
        "paper_fill": "close",
    }
    deployed = client.post("/api/model/portfolios/deploy", json=deploy)
    assert deployed.status_code in (200, 201), deployed.text
    portfolio = deployed.json()["id"]
    manual = client.post("/api/gtt/triggers", json=GTT)
    assert manual.status_code == 201, manual.text
    spec = GttSpec("NSE", "INFY", ["1340"], "1400", [GTT["orders"][0] | {"price": "1345"}])
    with runtime.db.session() as db:
        command = CreateGtt(user_id, spec, attribution={"portfolio_id": portfolio})
        owned = runtime.orders.create_gtt(db, command)

    listed = {g["id"]: g for g in client.get("/api/gtt/triggers").json()}

    assert (
        listed[manual.json()["trigger_id"]]["book"],
        listed[manual.json()["trigger_id"]]["book_label"],
    ) == ("manual", "Manual")
    assert (listed[owned.id]["book"], listed[owned.id]["book_label"]) == (
        f"portfolio:{portfolio}",
        "Portfolio: Dip buyer",
    )
    one = client.get(f"/api/gtt/triggers/{owned.id}").json()
    assert one["book_label"] == "Portfolio: Dip buyer"
    books = {b["book"]: b["label"] for b in client.get("/api/portfolio/books").json()}
    assert books[f"portfolio:{portfolio}"] == one["book_label"]  # one name, one source


def test_a_gtt_leg_takes_only_the_products_the_contract_lists(client: TestClient, runtime: Runtime):
    """The form offers what this list says (CNC, NRML); MIS is refused naming the leg's
    product, and nothing is stored."""
    sign_in(client, runtime, "t@x.in")
    runtime.quotes.update(make_tick("NSE:INFY", "1400", ts=runtime.clock.now()))
    listed = client.app.openapi()["components"]["schemas"]["GttOrder"]  # type: ignore[attr-defined]
    assert listed["properties"]["product"]["enum"] == ["CNC", "NRML"]

    intraday = GTT | {"orders": [GTT["orders"][0] | {"product": "MIS"}]}
    refused = client.post("/api/gtt/triggers", json=intraday)

    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["detail"]] == ["orders[0].product"]
    assert client.get("/api/gtt/triggers").json() == []

"""An option held to expiry in an uploaded Console tradebook (no sale row): closed at its
settlement on the expiry day once its price is known (entered, or an imported index close),
its P&L and turnover in the expiry's financial year; until then "expired: settlement price
needed", never marked at a model price (issue 63)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_uploads import XLSX
from tests.helpers import sign_in
from tests.statement_files import Fill, zerodha_csv
from tests.workers_kit import set_price
from tradertape.runtime import Runtime

CALL = "NIFTY24DEC24000CE"
# NIFTY 24000 CE of 26-Dec-2024: 25 bought at ₹120 = ₹3,000 on 10-Dec-2024, never sold
ROWS = [
    Fill(
        CALL,
        "2024-12-10",
        "buy",
        25,
        "120",
        "F1",
        "1000000000000000001",
        segment="FO",
        exchange="NFO",
        expiry="2024-12-26",
    )
]


def _upload(client: TestClient) -> None:
    name = "tradebook-ZX1234-FO-2024-10-01-to-2024-12-31.csv"
    book = zerodha_csv(ROWS, fo=True)
    sent = client.post("/api/uploads/tradebook", files=[("files[]", (name, book, XLSX))])
    assert sent.status_code == 201, sent.text


def _fo_year(client: TestClient) -> dict[str, str]:
    tax = client.get("/api/journal/tax", params={"fy": "2024-25"}).json()
    business: dict[str, str] = tax["non_speculative"]
    return business


def test_an_expired_call_waits_for_its_price_then_settles_in_its_year(
    client: TestClient, runtime: Runtime
) -> None:
    sign_in(client, runtime, "fo@x.in")
    _upload(client)
    set_price(runtime, "NSE:NIFTY 50", "26000")  # today's index: the call would model ~₹2,000

    pnl = client.get("/api/journal/pnl").json()
    assert pnl["round_trips"] == []
    (held,) = pnl["open"]
    assert (held["symbol"], held["state"], held["expired_on"]) == (
        CALL,
        "expired: settlement price needed",
        "2024-12-26",
    )
    assert (held["mark"], held["unrealised"]) == (None, None)
    assert pnl["unrealised"] == "0.00"  # no phantom +₹1,69,327.50
    assert client.get("/api/journal/settlement-prices").json() == [
        {"underlying": "NIFTY", "expiry": "2024-12-26", "price": None, "symbols": [CALL]}
    ]

    entered = client.put(
        "/api/journal/settlement-prices",
        json={"underlying": "NIFTY", "expiry": "2024-12-26", "price": "23750.20"},
    )
    assert entered.status_code == 200, entered.text
    assert entered.json()["symbols"] == [CALL]

    pnl = client.get("/api/journal/pnl").json()
    assert pnl["open"] == []
    (trip,) = pnl["round_trips"]
    # out of the money at 23,750.20: settles at 0; -₹3,000 on 26-Dec-2024, no unrealised
    assert (trip["closed"], trip["close_source"], trip["sell_value"], trip["pnl"]) == (
        "2024-12-26",
        "expiry",
        "0.00",
        "-3000.00",
    )
    assert pnl["unrealised"] == "0.00"
    assert [y["fy"] for y in pnl["years"]] == ["2024-25"]
    year = _fo_year(client)
    assert (year["pnl"], year["turnover"]) == ("-3000.00", "3000.00")


def test_an_imported_index_close_settles_it_and_bad_input_is_refused(
    client: TestClient, runtime: Runtime
) -> None:
    sign_in(client, runtime, "fo2@x.in")
    _upload(client)
    history = "Date,Open,High,Low,Close\n26-Dec-2024,1,1,1,24100.50\n"
    sent = client.post(
        "/api/journal/benchmark/indices",
        files={"file": ("n50.csv", history.encode())},
        data={"name": "NIFTY 50"},
    )
    assert sent.status_code == 201, sent.text
    # in the money at 24,100.50: 25 × 100.50 = ₹2,512.50 received; P&L 2,512.50 - 3,000
    (trip,) = client.get("/api/journal/pnl").json()["round_trips"]
    assert (trip["sell_value"], trip["pnl"]) == ("2512.50", "-487.50")

    for body, field in (
        ({"underlying": "NIFTY", "expiry": "2024-12-26", "price": "0"}, "price"),
        ({"underlying": "nifty 50", "expiry": "2024-12-26", "price": "1"}, "underlying"),
        ({"underlying": "NIFTY", "expiry": "26-12-2024", "price": "1"}, "expiry"),
    ):
        refused = client.put("/api/journal/settlement-prices", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["field"] == field

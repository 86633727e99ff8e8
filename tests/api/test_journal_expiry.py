"""An option held to expiry in an uploaded Console tradebook (no sale row): closed at its
settlement on the expiry day once its price is known (entered, the imported F&O bhavcopy of
the expiry day, or an imported index close),
its P&L and turnover in the expiry's financial year; until then "expired: settlement price
needed", never marked at a model price (issue 63)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.test_uploads import XLSX
from tests.fo_bhavcopy_files import chain, write_legacy, write_udiff
from tests.helpers import sign_in
from tests.statement_files import Fill, zerodha_csv
from tests.workers_kit import set_price
from tradertape.candles.fo_bhavcopy import files_in
from tradertape.candles.fo_import import import_fo_bhavcopies
from tradertape.candles.fo_store import FoStore
from tradertape.domain.expiry import Contract
from tradertape.runtime import Runtime
from tradertape.services.journal import expiries

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


def test_the_imported_fo_bhavcopy_of_the_expiry_day_settles_it_unless_a_price_was_entered(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    """NSE's F&O bhavcopy of 26-Dec-2024 (generated in its UDiFF layout) gives NIFTY's close,
    24,100.50 (``UndrlygPric``): the 24000 CE settles at its intrinsic value, 100.50; a price
    the user enters still wins."""
    sign_in(client, runtime, "fo3@x.in")
    _upload(client)
    expiry = date(2024, 12, 26)
    rows = chain(expiry, "NIFTY", 24100.50, expiries=[expiry, date(2025, 1, 30)], lot_size=75)
    path = write_udiff(tmp_path, expiry, rows)
    store = FoStore.in_data_folder(runtime.settings.data_dir)
    import_fo_bhavcopies(store, files_in([path]))

    assert client.get("/api/journal/settlement-prices").json() == [
        {"underlying": "NIFTY", "expiry": "2024-12-26", "price": "24100.50", "symbols": [CALL]}
    ]
    (trip,) = client.get("/api/journal/pnl").json()["round_trips"]
    # 25 × 100.50 = ₹2,512.50 received against ₹3,000 paid
    assert (trip["closed"], trip["close_source"]) == ("2024-12-26", "expiry")
    assert (trip["sell_value"], trip["pnl"]) == ("2512.50", "-487.50")

    entered = client.put(
        "/api/journal/settlement-prices",
        json={"underlying": "NIFTY", "expiry": "2024-12-26", "price": "24050.00"},
    )
    assert entered.status_code == 200, entered.text
    (trip,) = client.get("/api/journal/pnl").json()["round_trips"]
    assert (trip["sell_value"], trip["pnl"]) == ("1250.00", "-1750.00")  # 25 × 50.00


def test_a_future_settles_at_its_own_settlement_price_from_the_bhavcopy(
    runtime: Runtime, tmp_path: Path
) -> None:
    """A future held to expiry closes at its ``SttlmPric`` of the expiry day; an option of the
    legacy layout (no underlying price) at the expiring future's settlement, the index's
    close."""
    expiry = date(2024, 12, 26)
    rows = chain(expiry, "NIFTY", 23951.70, expiries=[expiry], lot_size=75)
    store = FoStore(tmp_path / "fo")
    import_fo_bhavcopies(store, files_in([write_legacy(tmp_path, expiry, rows)]))
    future = Contract("NIFTY", expiry, "FUT", None, physical=False)
    call = Contract("NIFTY", expiry, "CE", Decimal(24000), physical=False)
    found = expiries.from_bhavcopy(store, {"F": future, "C": call})
    assert found == {"F": Decimal("23951.70"), "C": Decimal("23951.70")}
    assert expiries.from_bhavcopy(store, {"X": replace(call, expiry=date(2025, 1, 2))}) == {}

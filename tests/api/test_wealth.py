"""Wealth over HTTP: uploads, the agent and CAS funds in one net worth; AMFI NAVs; XIRR;
the journal's benchmark against an imported index; the 31-Jan-2018 FMV import."""

from __future__ import annotations

import copy
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from casparser.types import CASData
from fastapi.testclient import TestClient

from tests.api.test_uploads import CAS_MODEL, XLSX
from tests.helpers import sign_in
from tests.statement_files import (
    CAS_PASSWORD,
    Fill,
    cams_summary_pdf,
    zerodha_csv,
    zerodha_ledger_csv,
)
from tests.workers_kit import set_price
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.journal import uploads


def _cas(runtime: Runtime, user_id: int, statement: dict[str, Any] = CAS_MODEL) -> None:
    model = CASData.model_validate(statement)

    def reader(content: io.BytesIO, password: str) -> CASData:
        return model

    with runtime.db.session() as db:
        uploads.import_cas(
            db,
            uploads.UploadedFile("cas.pdf", b"%PDF-1.7 a statement"),
            password="ABCDE1234F",
            user_id=user_id,
            obfuscated=False,
            clock=runtime.clock,
            reader=reader,
        )


def _navall(*rows: tuple[str, str, str]) -> bytes:
    lines = [
        "Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;"
        "Net Asset Value;Date",
        "",
        "Open Ended Schemes(Equity Scheme - Flexi Cap Fund)",
        "",
        "Example Mutual Fund",
        "",
    ]
    lines += [
        f"{code};INF000X01010;-;Example Flexi Cap Fund;{nav};{day}" for code, nav, day in rows
    ]
    return "\n".join(lines).encode()


def _npv(rate: Decimal, flows: list[tuple[date, Decimal]]) -> float:
    first = flows[0][0]
    return float(sum(float(a) / (1 + float(rate)) ** ((d - first).days / 365) for d, a in flows))


def test_net_worth_from_uploads_funds_and_ledger_cash(client: TestClient, runtime: Runtime):
    user = sign_in(client, runtime, "alice@x.in")
    name = "tradebook-ZX1234-EQ-2025-04-01-to-2025-06-30.csv"
    book = zerodha_csv(
        [
            Fill("INFY", "2025-06-02", "buy", 10, "1400", "T1", "1", isin="INE009A01021"),
            Fill("INFY", "2025-06-03", "buy", 5, "1450", "T2", "2", isin="INE009A01021"),
            Fill("INFY", "2025-06-04", "sell", 5, "1500", "T3", "3", isin="INE009A01021"),
        ]
    )
    sent = client.post("/api/uploads/tradebook", files=[("files[]", (name, book, XLSX))])
    assert sent.status_code == 201, sent.text
    ledger = zerodha_ledger_csv(
        [["Funds added", "2025-06-01", "", "Bank Receipts", "0", "30000", "30000"]]
    )
    client.post("/api/uploads/ledger", files={"file": ("ledger-ZX1234.csv", ledger, XLSX)})
    set_price(runtime, "NSE:INFY", "1500")
    _cas(runtime, user)

    found = client.get("/api/wealth").json()
    (infy,) = found["holdings"]
    # FIFO: the sale closed 5 of the 10 bought at 1400; 5 @ 1400 and 5 @ 1450 are held
    assert (infy["source"], infy["account"], infy["quantity"], infy["value"]) == (
        "upload",
        "ZX1234",
        "10",
        "15000.00",
    )
    assert infy["pnl"] == "750.00"  # 15000 − (5 × 1400 + 5 × 1450)
    assert infy["as_of"] == "2026-11-20"  # today's tick
    (fund,) = found["funds"]
    assert (fund["nav_source"], fund["value"], fund["invested"]) == ("cas", "16588.59", "15000.00")
    rate = Decimal(fund["xirr"])
    flows = [
        (date(2023, 5, 10), Decimal(-10000)),
        (date(2023, 6, 10), Decimal(-5000)),
        (date(2024, 3, 31), Decimal("16588.59")),  # the value on the statement's NAV day
    ]
    assert abs(_npv(rate, flows)) < 0.05
    assert (fund["as_of"], fund["nav_date"], fund["nav_stale"]) == (
        "2024-03-31",
        "2024-03-31",
        True,  # a NAV of March 2024, read in November 2026
    )
    assert found["funds_xirr"] == fund["xirr"]  # one fund: the total is its own
    assert [(c["source"], c["amount"], c["as_of"]) for c in found["cash_lines"]] == [
        ("ledger", "30000.00", "2025-06-01")  # the balance of its posting day
    ]
    assert (found["as_of"], found["oldest_as_of"]) == ("2026-11-20", "2024-03-31")
    assert found["merged"][0]["as_of"] == "2026-11-20"
    assert (found["equity"], found["mutual_funds"], found["cash"], found["net_worth"]) == (
        "15000.00",
        "16588.59",
        "30000.00",
        "61588.59",
    )
    assert [a["asset"] for a in found["allocation"]] == ["equity", "mutual_funds", "cash"]
    assert sum(Decimal(a["value"]) for a in found["allocation"]) == Decimal("61588.59")

    # AMFI's NAVs, two days: the fund is valued at the newest, and its day P&L shows
    for day, nav in (("19-Nov-2026", "120.0000"), ("20-Nov-2026", "121.0000")):
        imported = client.post(
            "/api/wealth/navs",
            files={"file": ("NAVAll.txt", _navall(("100001", nav, day), ("100009", "N.A.", day)))},
        )
        assert imported.status_code == 201, imported.text
        assert (imported.json()["matched_funds"], imported.json()["skipped"]) == (1, 1)
    (fund,) = client.get("/api/wealth").json()["funds"]
    assert (fund["nav_source"], fund["nav"], fund["nav_date"]) == ("amfi", "121", "2026-11-20")
    assert (fund["as_of"], fund["nav_stale"]) == ("2026-11-20", False)
    assert fund["value"] == "18164.88"  # 150.123 × 121
    assert fund["day_pnl"] == "150.12"  # 150.123 × (121 − 120)

    bad = client.post("/api/wealth/navs", files={"file": ("NAVAll.txt", b"isin,nav\nX,1\n")})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "file"


def _lump_sum_cas() -> dict[str, Any]:
    """One purchase of ₹1,00,000 on 10-Jul-2022, worth ₹1,28,880 at the 31-Mar-2024 NAV."""
    statement = copy.deepcopy(CAS_MODEL)
    scheme = statement["folios"][0]["schemes"][0]
    scheme.update(
        close="1000",
        close_calculated="1000",
        valuation={"date": "2024-03-31", "nav": "128.88", "value": "128880"},
        transactions=[
            {
                "date": "2022-07-10",
                "description": "Purchase",
                "amount": "100000",
                "units": "1000",
                "nav": "100",
                "balance": "1000",
                "type": "PURCHASE",
            }
        ],
    )
    return statement


def test_xirr_values_a_fund_on_its_navs_day_and_asks_for_a_newer_nav(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=IST))
    user = sign_in(client, runtime, "alice@x.in")
    _cas(runtime, user, _lump_sum_cas())
    found = client.get("/api/wealth").json()
    (fund,) = found["funds"]
    # dated 31-Mar-2024 the value is 15.83 % a year; dated today it would be 5.95 %
    assert Decimal(fund["xirr"]).quantize(Decimal("0.0001")) == Decimal("0.1583")
    assert (fund["value"], fund["nav_date"], fund["as_of"]) == (
        "128880.00",
        "2024-03-31",
        "2024-03-31",
    )
    assert found["funds_xirr"] == fund["xirr"]
    assert fund["nav_stale"] is True
    assert found["oldest_as_of"] == "2024-03-31"

    # a NAV of last Friday is within the week; its value is dated on its own day
    imported = client.post(
        "/api/wealth/navs",
        files={"file": ("NAVAll.txt", _navall(("100001", "140", "21-Nov-2026")))},
    )
    assert imported.status_code == 201, imported.text
    (fund,) = client.get("/api/wealth").json()["funds"]
    assert (fund["nav_date"], fund["nav_stale"], fund["value"]) == (
        "2026-11-21",
        False,
        "140000.00",
    )
    flows = [(date(2022, 7, 10), Decimal(-100000)), (date(2026, 11, 21), Decimal(140000))]
    assert abs(_npv(Decimal(fund["xirr"]), flows)) < 1  # the rate is to 1e-6
    # eight days on, the same NAV is more than a week old
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=IST))
    assert client.get("/api/wealth").json()["funds"][0]["nav_stale"] is True


def test_benchmark_says_what_to_import_then_compares(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    name = "tradebook-ZX1234-EQ-2024-01-01-to-2024-03-31.csv"
    book = zerodha_csv(
        [
            Fill("INFY", "2024-01-02", "buy", 10, "1000", "B1", "11"),
            Fill("INFY", "2024-01-04", "sell", 10, "1100", "B2", "12"),
        ]
    )
    client.post("/api/uploads/tradebook", files=[("files[]", (name, book, XLSX))])
    empty = client.get("/api/journal/benchmark").json()
    assert empty["points"] == []
    assert "import NIFTY 50" in empty["missing"]
    assert empty["choices"][:4] == ["NIFTY 50", "NIFTY 100", "NIFTY NEXT 50", "NIFTY MIDCAP 50"]

    history = (
        "Date,Open,High,Low,Close\n"
        "01-Jan-2024,1,1,1,100\n02-Jan-2024,1,1,1,100\n03-Jan-2024,1,1,1,102\n"
        "04-Jan-2024,1,1,1,104\n05-Jan-2024,1,1,1,103\n"
    )
    unnamed = client.post(
        "/api/journal/benchmark/indices", files={"file": ("n50.csv", history.encode())}
    )
    assert unnamed.status_code == 422
    assert unnamed.json()["detail"][0]["field"] == "name"
    for junk in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b'a\rb,"c\n\x1a'):
        refused = client.post(
            "/api/journal/benchmark/indices",
            files={"file": ("file.png", junk)},
            data={"name": "X"},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["field"] == "file"
    sent = client.post(
        "/api/journal/benchmark/indices",
        files={"file": ("n50.csv", history.encode())},
        data={"name": "Nifty 50"},
    )
    assert sent.status_code == 201, sent.text
    assert (sent.json()["names"], sent.json()["rows_added"]) == (["NIFTY 50"], 5)
    found = client.get("/api/journal/benchmark", params={"index": "NIFTY 50"}).json()
    assert found["missing"] is None
    assert found["start"] == "2024-01-02"  # the first day with money in
    # no ledger: the capital is what the position cost (₹10,000); the sale made ₹1,000
    # less charges
    last = found["points"][-1]
    assert Decimal("1.09") < Decimal(last["you"]) < Decimal("1.10")
    assert last["benchmark"] == "1.0300"  # 103 / 100
    assert any("no ledger" in a for a in found["assumptions"])
    assert found["benchmark"]["total_return"] == "0.0300"
    assert [s["name"] for s in client.get("/api/journal/benchmark/indices").json()] == ["NIFTY 50"]
    bad = client.get("/api/journal/benchmark", params={"period": "2y"})
    assert bad.status_code == 422


def test_fmv_file_import_reports_unmatched_isins(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    name = "tradebook-ZX1234-EQ-2017-04-01-to-2019-03-31.csv"
    book = zerodha_csv(
        [
            Fill("INFY", "2017-06-02", "buy", 10, "500", "F1", "21", isin="INE009A01021"),
            Fill("TCS", "2017-06-02", "buy", 2, "1200", "F2", "22", isin="INE467B01029"),
            Fill("INFY", "2019-06-03", "sell", 10, "700", "F3", "23", isin="INE009A01021"),
        ]
    )
    client.post("/api/uploads/tradebook", files=[("files[]", (name, book, XLSX))])
    before = client.get("/api/journal/fmv").json()
    assert (before["isins_needed"], before["unmatched_isins"]) == (
        2,
        ["INE009A01021", "INE467B01029"],
    )
    sent = client.post(
        "/api/journal/fmv",
        files={"file": ("fmv.csv", b"isin,symbol,fmv\nINE009A01021,INFY,600\n")},
    )
    assert sent.status_code == 201, sent.text
    assert (sent.json()["rows_added"], sent.json()["unmatched_isins"]) == (1, ["INE467B01029"])
    tax = client.get("/api/journal/tax", params={"fy": "2019-20"}).json()
    (row,) = tax["schedule_112a"]
    assert (row["isin"], row["fmv_per_unit"], row["cost"]) == ("INE009A01021", "600.00", "6000.00")
    bad = client.post("/api/journal/fmv", files={"file": ("fmv.csv", b"isin,fmv\nINE1,x\n")})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "file"


class _LiveKite:
    """A Kite adapter's holdings and margins (the parts a wealth read asks for)."""

    def __init__(self, *, api_key: str, access_token: str) -> None:
        self.api_key = api_key

    def holdings(self) -> list[dict[str, object]]:
        return [
            {
                "tradingsymbol": "INFY",
                "exchange": "NSE",
                "isin": "INE009A01021",
                "quantity": 8,
                "t1_quantity": 2,
                "average_price": 1400,
                "last_price": 1500,
                "close_price": 1480,
            }
        ]

    def margins(self) -> dict[str, object]:
        return {"equity": {"net": 9000, "available": {"live_balance": 7500.5, "cash": 8000}}}


def test_each_broker_counts_once_the_most_direct_source_first(client: TestClient, runtime: Runtime):
    from tests.api.test_account_views import TOKEN
    from tradertape.domain.brokers import BrokerName

    sign_in(client, runtime, "alice@x.in")
    runtime.account_views.register(BrokerName.KITE, _LiveKite)  # type: ignore[arg-type]
    saved = client.post(
        "/api/brokers/kite/credentials", json={"api_key": "kitekey1", "access_token": TOKEN}
    )
    assert saved.json()["status"] == "connected", saved.text
    # the same Zerodha account uploaded, and the agent's snapshots of Kite and Upstox
    name = "tradebook-ZX1234-EQ-2025-04-01-to-2025-06-30.csv"
    book = zerodha_csv([Fill("INFY", "2025-06-02", "buy", 10, "1400", "L1", "31")])
    client.post("/api/uploads/tradebook", files=[("files[]", (name, book, XLSX))])
    key = client.post("/api/agent/keys", json={"name": "laptop"}).json()["api_key"]
    agent = TestClient(client.app)
    for broker, symbol in (("kite", "INFY"), ("upstox", "TCS")):
        row = {
            "exchange": "NSE",
            "tradingsymbol": symbol,
            "quantity": 3,
            "average_price": "2900",
            "last_price": "3000",
        }
        sent = agent.post(
            "/api/agent/sync-holdings",
            headers={"Authorization": f"Bearer {key}"},
            json={"broker": broker, "as_of": "2026-11-20T04:00:00Z", "holdings": [row]},
        )
        assert sent.status_code == 200, sent.text

    found = client.get("/api/wealth").json()
    assert [(h["source"], h["broker"], h["symbol"], h["quantity"]) for h in found["holdings"]] == [
        ("broker", "kite", "INFY", "10"),  # 8 + 2 bought yesterday (T+1)
        ("agent", "upstox", "TCS", "3"),
    ]
    infy = found["holdings"][0]
    assert (infy["value"], infy["pnl"], infy["day_pnl"]) == ("15000.00", "1000.00", "200.00")
    assert found["cash_lines"] == [
        {"source": "broker", "broker": "kite", "amount": "7500.50", "as_of": "2026-11-20"}
    ]
    # the broker's read is today's; the agent's the day it read Upstox
    assert [h["as_of"] for h in found["holdings"]] == ["2026-11-20", "2026-11-20"]
    assert found["net_worth"] == "31500.50"  # 15000 + 3 × 3000 + 7500.50
    assert found["day_pnl"] == "200.00"  # the agent's TCS row has no previous close


def test_a_summary_cas_read_with_a_nil_nav_is_valued_at_its_statement_value(
    client: TestClient, runtime: Runtime
):
    # casparser reads this summary statement's NAV as 0: the value the statement gives stands
    sign_in(client, runtime, "alice@x.in")
    sent = client.post(
        "/api/uploads/cas",
        files={"file": ("cas.pdf", cams_summary_pdf(), "application/pdf")},
        data={"password": CAS_PASSWORD},
    )
    assert sent.status_code == 201, sent.text
    found = client.get("/api/wealth").json()
    (fund,) = found["funds"]
    assert (fund["nav_source"], fund["units"], fund["value"]) == ("cas", "150.123", "16588.59")
    assert Decimal(fund["nav"]) * Decimal("150.123") == pytest.approx(Decimal("16588.59"))
    assert found["mutual_funds"] == "16588.59"
    assert not any("no NAV known" in w for w in found["warnings"])

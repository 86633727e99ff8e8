"""The journal over HTTP: uploaded and paper trades in one ledger, FIFO P&L, tax P&L, exports."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.api.test_trading_api import ORDER, quote
from tests.api.test_uploads import XLSX
from tests.helpers import PASSWORD, make_user, sign_in
from tests.statement_files import Fill, zerodha_csv, zerodha_ledger_csv
from tradertape.runtime import Runtime

ROWS = [
    Fill(
        "INFY", "2024-04-02", "buy", 10, "1450.5", "T1", "1300000000000000001", isin="INE009A01021"
    ),
    Fill(
        "INFY", "2024-09-02", "sell", 10, "1500", "T2", "1300000000000000002", isin="INE009A01021"
    ),
]


def _upload(client: TestClient) -> None:
    name = "tradebook-ZX1234-EQ-2024-04-01-to-2025-03-31.csv"
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", (name, zerodha_csv(ROWS), XLSX))]
    )
    assert sent.status_code == 201, sent.text


def test_uploaded_and_paper_trades_are_one_ledger_with_fifo_pnl(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    _upload(client)
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "1399.90")
    placed = client.post("/api/orders", json={**ORDER, "idempotency_key": "journal-0001"})
    assert placed.json()["status"] == "COMPLETE"

    trades = client.get("/api/journal/trades").json()
    assert [(t["source"], t["account"], t["side"], t["quantity"]) for t in trades] == [
        ("upload", "ZX1234", "buy", "10"),
        ("upload", "ZX1234", "sell", "10"),
        ("paper", "paper", "buy", "10"),
    ]
    assert trades[2]["charges"] is not None  # a booked fill carries its own
    assert client.get("/api/journal/trades?symbol=TCS").json() == []

    quote(runtime, "1420")
    pnl = client.get("/api/journal/pnl").json()
    (trip,) = pnl["round_trips"]
    assert (trip["account"], trip["pnl"], trip["held_days"], trip["intraday"]) == (
        "ZX1234",
        "495.00",  # 10 × (1500 − 1450.5)
        153,
        False,
    )
    assert Decimal(trip["charges"]) > 0  # priced by the charges schedule of each day
    assert Decimal(trip["net"]) == Decimal(trip["pnl"]) - Decimal(trip["charges"])
    (held,) = pnl["open"]
    assert (held["account"], held["quantity"], held["cost"], held["mark"]) == (
        "paper",
        "10",
        "13999.00",
        "1420",
    )
    assert held["unrealised"] == "201.00"  # 10 × (1420 − 1399.90)
    assert pnl["unrealised"] == "201.00"
    assert pnl["years"] == [  # the open paper position has no close yet: no year of its own
        {
            "fy": "2024-25",
            "realised": "495.00",
            "charges": trip["charges"],
            "net": trip["net"],
            "trips": 1,
        }
    ]


def test_tax_pnl_and_its_exports(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    _upload(client)
    tax = client.get("/api/journal/tax", params={"fy": "2024-25"}).json()
    (bucket,) = tax["capital_gains"]
    # the charges schedule prices the buy (2 April 2024, ₹14,505) at ₹17.76: STT ₹15 (0.1 %,
    # to the rupee), NSE ₹0.467061, IPFT and SEBI ₹0.014505 each, stamp ₹2.17575, GST 18 %
    # on the fees ₹0.0892928; the sale (2 September, ₹15,000) at ₹30.95: STT ₹15, NSE ₹0.483,
    # IPFT and SEBI ₹0.015 each, GST ₹0.09234, DP ₹13 + GST = ₹15.34. Every charge but the
    # ₹30 of STT is expenditure on the transfer (s.48): ₹48.71 − ₹30 = ₹18.71.
    assert (bucket["kind"], bucket["rate"], bucket["gains"], bucket["expenses"]) == (
        "stcg",
        "0.20",  # sold 2 September 2024, after 23 July
        "476.29",  # ₹495.00 − ₹18.71
        "18.71",
    )
    assert (bucket["net"], bucket["set_off"], bucket["tax"]) == ("476.29", "0.00", "95.26")
    assert tax["special_rate_tax"] == "95.26"  # 476.29 × 20 %, nothing to set off
    assert tax["charges_not_deducted"] == "30.00"  # the STT
    assert "not tax advice" in tax["note"]
    assert client.get("/api/journal/tax", params={"fy": "2023-24"}).json()["capital_gains"] == []
    bad = client.get("/api/journal/tax", params={"fy": "2024-26"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "fy"

    csv_file = client.get("/api/journal/tax/export", params={"fy": "2024-25", "format": "csv"})
    body = csv_file.json()
    assert (body["filename"], body["media_type"]) == ("tax-pnl-2024-25.csv", "text/csv")
    text = base64.b64decode(body["content_base64"]).decode()
    assert "Schedule 112A" in text
    assert "INFY,INE009A01021,EQ,long,10,2024-04-02,2024-09-02,14505.00,15000.00,495.00" in text
    xlsx = client.get("/api/journal/tax/export", params={"fy": "2024-25"}).json()
    book = load_workbook(io.BytesIO(base64.b64decode(xlsx["content_base64"])))
    assert book.sheetnames == ["Summary", "Set-off", "Round trips", "Schedule 112A"]
    assert book["Schedule 112A"]["B1"].value == "Share/Unit Transferred(1b)"


def test_the_fo_loss_is_set_off_against_the_gains_and_both_pages_show_one_tax(
    client: TestClient, runtime: Runtime
):
    """s.71: the year's F&O loss meets the year's STCG before it is carried forward, and the
    tax P&L, its export and the return read the same computation."""
    sign_in(client, runtime, "alice@x.in")
    _upload(client)  # STCG ₹476.29 at 20 % (see the test above)
    future = [
        Fill(*row, segment="FO", exchange="NFO", expiry="2024-09-26")
        for row in (
            ("NIFTY24SEPFUT", "2024-09-04", "buy", 25, "25000", "F1", "1400000000000000001"),
            ("NIFTY24SEPFUT", "2024-09-05", "sell", 25, "24960", "F2", "1400000000000000002"),
        )
    ]
    name = "tradebook-ZX1234-FO-2024-09-01-to-2024-09-30.csv"
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", (name, zerodha_csv(future, fo=True), XLSX))]
    )
    assert sent.status_code == 201, sent.text
    tax = client.get("/api/journal/tax", params={"fy": "2024-25"}).json()
    answer = client.get("/api/journal/tax/return", params={"fy": "2024-25"}).json()
    loss = -Decimal(answer["business"]["business_income"])  # 25 × 40 = ₹1,000 and charges
    assert loss > 1000
    # the F&O loss takes all ₹476.29 of the gains; the rest is carried forward
    (bucket,) = tax["capital_gains"]
    assert (bucket["set_off"], bucket["left"], bucket["tax"]) == ("476.29", "0.00", "0.00")
    assert tax["special_rate_tax"] == answer["losses"]["special_rate_tax"] == "0.00"
    assert tax["income"] == answer["losses"]["income"]
    assert answer["losses"]["business_across_heads"] == "476.29"
    (carried,) = answer["losses"]["carried_forward"]
    assert (carried["kind"], Decimal(carried["left"])) == ("business", loss - Decimal("476.29"))
    figures = {(f["schedule"], f["field"]): f["amount"] for f in answer["losses"]["figures"]}
    assert (
        figures["Schedule CYLA", "Business loss of the year set off against STCG u/s 111A at 20 %"]
        == "476.29"
    )
    # Schedule CG A2: 15,000.00 − 14,505.00 − 18.71 = 476.29 (the test above)
    name = "STCG u/s 111A at 20 %, sold from 23 July 2024"
    assert [(f["field"], f["amount"]) for f in answer["capital_gains"]] == [
        (f"{name}: full value of consideration", "15000.00"),
        (f"{name}: cost of acquisition", "14505.00"),
        (f"{name}: expenditure on transfer", "18.71"),
        (f"{name}: short-term capital gain", "476.29"),
    ]
    csv_file = client.get("/api/journal/tax/export", params={"fy": "2024-25", "format": "csv"})
    text = base64.b64decode(csv_file.json()["content_base64"]).decode()
    assert "Tax at special rates after set-off (before surcharge and cess),0.00" in text
    assert "STCG u/s 111A at 20 %,476.29,0.00,476.29,0.00,0.00,0.00,0.00,0.00" in text


def test_a_tax_export_keeps_a_formula_looking_symbol_as_text(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    rows = []
    for n, symbol in enumerate(["=1+2", "@SUM(A1)", "-2+3"]):
        rows += [
            Fill(symbol, "2024-04-02", "buy", 1, "100", f"B{n}", f"10{n}"),
            Fill(symbol, "2024-04-03", "sell", 1, "90", f"S{n}", f"20{n}"),
        ]
    name = "tradebook-ZX1234-EQ-2024-04-01-to-2025-03-31.csv"
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", (name, zerodha_csv(rows), XLSX))]
    )
    assert sent.status_code == 201, sent.text

    csv_file = client.get("/api/journal/tax/export", params={"fy": "2024-25", "format": "csv"})
    text = base64.b64decode(csv_file.json()["content_base64"]).decode()
    assert "ZX1234,'=1+2,,EQ,long,1,2024-04-02,2024-04-03,100.00,90.00,-10.00" in text
    assert "ZX1234,'@SUM(A1)," in text
    assert "ZX1234,'-2+3," in text
    xlsx = client.get("/api/journal/tax/export", params={"fy": "2024-25"}).json()
    book = load_workbook(io.BytesIO(base64.b64decode(xlsx["content_base64"])))
    trips = book["Round trips"]
    symbols = {trips.cell(row=r, column=2).value for r in range(2, trips.max_row + 1)}
    assert symbols == {"'=1+2", "'@SUM(A1)", "'-2+3"}
    assert all(trips.cell(row=r, column=2).data_type == "s" for r in range(2, 5))
    assert {trips.cell(row=r, column=11).value for r in range(2, 5)} == {Decimal("-10")}
    assert trips.cell(row=2, column=11).data_type == "n"  # a loss is still a number


def test_another_users_journal_is_not_yours(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    _upload(client)
    make_user(runtime, "bob@x.in")
    bob = TestClient(client.app)
    bob.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    assert bob.get("/api/journal/trades").json() == []
    assert bob.get("/api/journal/pnl").json()["round_trips"] == []
    assert bob.get("/api/journal/tax", params={"fy": "2024-25"}).json()["capital_gains"] == []
    assert len(client.get("/api/journal/trades").json()) == 2


def short_swings(client: TestClient) -> None:
    """Three one-day SBIN round trips in June 2024: +300, -100, +200."""
    rows = []
    for week, result in enumerate([300, -100, 200]):
        day = f"2024-06-{3 + 7 * week:02d}"
        sell = f"2024-06-{4 + 7 * week:02d}"
        rows += [
            Fill("SBIN", day, "buy", 10, "800", f"B{week}", f"10{week}"),
            Fill("SBIN", sell, "sell", 10, str(800 + result // 10), f"S{week}", f"20{week}"),
        ]
    name = "tradebook-ZX1234-EQ-2024-04-01-to-2024-06-30.csv"
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", (name, zerodha_csv(rows), XLSX))]
    )
    assert sent.status_code == 201, sent.text


def test_edge_finder_and_patterns_over_http(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    short_swings(client)
    edge = client.get("/api/journal/edge").json()
    (sbin,) = edge["symbols"]
    assert (sbin["symbol"], sbin["count"], sbin["win_rate"]) == ("SBIN", 3, "0.6667")
    assert sbin["bucket"] == "moderate"  # 3 trades: a small sample
    assert edge["min_trades"] == 3
    found = client.get("/api/journal/patterns").json()
    names = {d["name"] for d in found["dimensions"]}
    assert {"holding_period", "day_of_week", "after_loss", "scale_in"} <= names
    assert "trend_alignment" in found["not_computed"]
    week = next(d for d in found["dimensions"] if d["name"] == "day_of_week")
    assert [(b["label"], b["count"]) for b in week["buckets"]] == [("Tue", 3)]


def test_a_broken_actions_file_of_the_operator_is_a_503_naming_it(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    folder = runtime.settings.data_dir / "journal"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corporate_actions.csv").write_text(
        "symbol,ex_date,kind,ratio\nINFY,2024-13-01,split,1:5\n"
    )
    answer = client.get("/api/journal/pnl")
    assert answer.status_code == 503
    assert "corporate_actions.csv line 2" in answer.json()["detail"]
    (folder / "corporate_actions.csv").write_text(
        "symbol,ex_date,kind,ratio\nSBIN,2024-06-01,split,1:10\n"
    )
    assert client.get("/api/journal/pnl").status_code == 200


def test_an_uploaded_ledger_gives_the_charges_of_the_days_it_settles(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    _upload(client)
    ledger = zerodha_ledger_csv(
        [
            # 14,505 of shares bought and 20 of charges
            [
                "Net settlement for Eq trade date 2024-04-02",
                "2024-04-03",
                "NSE-EQ - Z",
                "Book Voucher",
                "14525.000000",
                "0.000000",
                "-14525.000000",
            ],
            # 15,000 of shares sold, 30 of charges kept
            [
                "Net settlement for Eq trade date 2024-09-02",
                "2024-09-03",
                "NSE-EQ - Z",
                "Book Voucher",
                "0.000000",
                "14970.000000",
                "-14555.000000",
            ],
        ]
    )
    name = "ledger-ZX1234-2024-04-01-to-2025-03-31.csv"
    sent = client.post("/api/uploads/ledger", files={"file": (name, ledger, "text/csv")})
    assert sent.json()["rows_added"] == 2
    (trip,) = client.get("/api/journal/pnl").json()["round_trips"]
    assert (trip["pnl"], trip["charges"], trip["net"]) == ("495.00", "50.00", "445.00")


def test_the_book_follows_every_upload_and_delete(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    _upload(client)
    assert len(client.get("/api/journal/pnl").json()["round_trips"]) == 1
    more = [
        Fill("TCS", "2024-05-02", "buy", 1, "3900", "T7", "1300000000000000007"),
        Fill("TCS", "2024-05-03", "sell", 1, "3950", "T8", "1300000000000000008"),
    ]
    sent = client.post("/api/uploads/tradebook", files=[("files[]", ("m.csv", zerodha_csv(more)))])
    assert len(client.get("/api/journal/pnl").json()["round_trips"]) == 2  # not the kept book
    assert client.get("/api/journal/edge").json()["symbols"][0]["count"] == 1
    client.delete(f"/api/uploads/{sent.json()['files'][0]['upload']['id']}")
    assert [t["symbol"] for t in client.get("/api/journal/pnl").json()["round_trips"]] == ["INFY"]


def test_the_analytics_trades_are_kept_with_the_book_until_an_upload(
    client: TestClient, runtime: Runtime
):
    from tradertape.services.journal import ledger

    user_id = sign_in(client, runtime, "alice@x.in")
    _upload(client)
    reference = ledger.Reference.load(runtime.settings.data_dir)
    day = ledger.ist_today(runtime.clock.now())
    with runtime.db.session() as db:
        first = ledger.closes(db, user_id=user_id, reference=reference, today=day)
        assert ledger.closes(db, user_id=user_id, reference=reference, today=day) is first
    more = [Fill("TCS", "2024-05-02", "buy", 1, "3000", "T9", "1300000000000000009")]
    client.post("/api/uploads/tradebook", files=[("files[]", ("t.csv", zerodha_csv(more), XLSX))])
    with runtime.db.session() as db:
        again = ledger.closes(db, user_id=user_id, reference=reference, today=day)
    assert again is not first
    assert [t.symbol for t in again] == [t.symbol for t in first] == ["INFY"]


def test_paper_trades_enter_the_tax_pnl_only_when_asked(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    client.post("/api/portfolio/funds", json={"amount": 100000})
    for n, (side, price) in enumerate((("BUY", 1400), ("SELL", 1410))):
        quote(runtime, str(price))
        order = {**ORDER, "transaction_type": side, "product": "MIS", "price": price}
        placed = client.post("/api/orders", json={**order, "idempotency_key": f"tax-paper-{n}"})
        assert placed.json()["status"] == "COMPLETE", placed.text
    today = runtime.clock.now().date()
    start = today.year if today.month >= 4 else today.year - 1
    fy = f"{start}-{(start + 1) % 100:02d}"

    real = client.get("/api/journal/tax", params={"fy": fy}).json()
    simulated = client.get("/api/journal/tax", params={"fy": fy, "include_paper": "true"}).json()

    assert (real["speculative"]["trips"], real["speculative"]["pnl"]) == (0, "0.00")
    # the paper intraday round trip: 10 × (1,410 − 1,400)
    assert (simulated["speculative"]["trips"], simulated["speculative"]["pnl"]) == (1, "100.00")
    # its sale's STT, 0.025 % × ₹14,100 = ₹3.525, is ₹4 on the day's note: the row says so
    (trip,) = client.get("/api/journal/pnl").json()["round_trips"]
    assert trip["charges_note"] == "STT ₹4.00: the day's note rounds STT to the rupee"


def test_the_returns_figures_and_schedule_112a_for_the_utility(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    rows = [
        Fill("TCS", "2023-06-01", "buy", 10, "3300", "R1", "1300000000000000011"),
        Fill("TCS", "2023-06-01", "sell", 10, "3250", "R2", "1300000000000000012"),
        Fill(
            "ITC", "2023-03-01", "buy", 100, "380", "R3", "1300000000000000013", isin="INE154A01025"
        ),
        Fill("TCS", "2024-06-03", "buy", 10, "3800", "R4", "1300000000000000014"),
        Fill("TCS", "2024-06-03", "sell", 10, "3900", "R5", "1300000000000000015"),
        Fill(
            "ITC",
            "2024-09-03",
            "sell",
            100,
            "495.55",
            "R6",
            "1300000000000000016",
            isin="INE154A01025",
        ),
    ]
    name = "tradebook-ZX1234-EQ-2023-03-01-to-2025-03-31.csv"
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", (name, zerodha_csv(rows), XLSX))]
    )
    assert sent.status_code == 201, sent.text

    before = client.get("/api/journal/tax/return", params={"fy": "2023-24"}).json()
    (loss,) = before["losses"]["carried_forward"]  # the intraday loss, ₹500 and its charges
    assert (loss["kind"], loss["fy"], loss["last_fy"]) == ("speculative", "2023-24", "2027-28")
    assert Decimal(loss["left"]) > 500

    answer = client.get("/api/journal/tax/return", params={"fy": "2024-25"}).json()
    assert answer["assessment_year"] == "2025-26"
    income = Decimal(answer["business"]["speculative_income"])  # ₹1,000 less charges
    (brought,) = answer["losses"]["brought_forward"]
    assert (brought["kind"], brought["amount"]) == ("speculative", loss["left"])
    assert Decimal(brought["set_off"]) == min(Decimal(loss["left"]), income)
    assert Decimal(answer["losses"]["speculative_left"]) == income - Decimal(brought["set_off"])
    fields = {(f["schedule"], f["field"]) for f in answer["business"]["figures"]}
    assert ("Schedule BP", "B. Income from speculative business") in fields
    assert answer["audit"]["audit_by_turnover"] is False
    assert "s.44AB(a)" in answer["audit"]["words"][0]

    (row,) = answer["schedule_112a"]  # bought 1 March 2023: after 2018, sold after 23 July
    assert (row["acquired"], row["transferred"], row["isin"], row["units"]) == (
        "AE",
        "AE",
        "INE154A01025",
        "100",
    )
    assert (row["sale_price"], row["consideration"], row["actual_cost"]) == (
        None,
        "49555.00",
        "38000.00",
    )
    tax = client.get("/api/journal/tax", params={"fy": "2024-25"}).json()
    (ltcg,) = [b for b in tax["capital_gains"] if b["kind"] == "ltcg"]
    assert row["balance"] == ltcg["net"]  # Schedule CG's LTCG is the rows' column 14
    assert row["expenditure"] == ltcg["expenses"]
    (cg,) = answer["capital_gains"]
    assert (cg["schedule"], cg["amount"]) == ("Schedule CG", row["balance"])

    csv_file = client.get("/api/journal/tax/schedule-112a", params={"fy": "2024-25"}).json()
    assert (csv_file["filename"], csv_file["media_type"]) == (
        "schedule-112a-2024-25.csv",
        "text/csv",
    )
    header, line = base64.b64decode(csv_file["content_base64"]).decode().splitlines()
    assert header.startswith(
        '"Share/Unit acquired(1a)","Share/Unit Transferred(1b)","ISIN Code(2)"'
    )
    assert line.startswith("AE,AE,INE154A01025,ITC,,,49555.00,38000.00,38000.00,,,,")
    bad = client.get("/api/journal/tax/return", params={"fy": "2024-26"})
    assert (bad.status_code, bad.json()["detail"][0]["field"]) == (422, "fy")


def test_an_uploaded_days_charges_stay_on_their_own_contract_notes(
    client: TestClient, runtime: Runtime
):
    """FY 2023-24: a delivered share sold the day a NIFTY future is traded. Worked to the
    paisa in `tests/unit/test_journal_costs.py`: the buy's note ₹220.22 (STT ₹185), the
    sale's ₹213.00 (STT ₹190, DP ₹15.34), the future's F&O note ₹237.15."""
    sign_in(client, runtime, "alice@x.in")
    isin = "INE040A01034"
    shares = [
        Fill("HDFCBANK", "2023-06-01", "buy", 100, "1850", "T1", "O1", "10:30:00", isin=isin),
        Fill("HDFCBANK", "2023-12-01", "sell", 100, "1899", "T2", "O2", "10:30:00", isin=isin),
    ]
    future = {"segment": "FO", "exchange": "NFO", "expiry": "2023-12-28"}
    futures = [
        Fill("NIFTY23DECFUT", "2023-12-01", "buy", 50, "19700", "T3", "O3", "11:00:00", **future),
        Fill("NIFTY23DECFUT", "2023-12-01", "sell", 50, "19750", "T4", "O4", "14:00:00", **future),
    ]
    for name, body in (
        ("tradebook-ZX1234-EQ-2023-04-01-to-2024-03-31.csv", zerodha_csv(shares)),
        ("tradebook-ZX1234-FO-2023-04-01-to-2024-03-31.csv", zerodha_csv(futures, fo=True)),
    ):
        sent = client.post("/api/uploads/tradebook", files=[("files[]", (name, body, XLSX))])
        assert sent.status_code == 201, sent.text
    trips = client.get("/api/journal/pnl").json()["round_trips"]
    charges = {t["symbol"]: t["charges"] for t in trips}
    # the future's charges are its own note's: none of the share sale's STT or DP charge
    assert charges == {"HDFCBANK": "433.22", "NIFTY23DECFUT": "237.15"}  # 220.22 + 213.00
    tax = client.get("/api/journal/tax", params={"fy": "2023-24"}).json()
    (bucket,) = tax["capital_gains"]
    # s.48: every charge but STT, (220.22 − 185) + (213.00 − 190) = ₹58.22, deducted whole;
    # STCG u/s 111A 1,89,900 − 1,85,000 − 58.22 = ₹4,841.78
    assert (bucket["kind"], bucket["gains"], bucket["expenses"]) == ("stcg", "4841.78", "58.22")

"""Uploads: tradebooks, ledgers and CAS statements, each file all or nothing, never twice."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from casparser.exceptions import IncorrectPasswordError
from casparser.types import CASData
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.helpers import PASSWORD, make_user, sign_in
from tests.pdf_kit import text_pdf
from tests.statement_files import (
    CAS_PASSWORD,
    Fill,
    cams_summary_pdf,
    groww_xlsx,
    upstox_xlsx,
    zerodha_csv,
    zerodha_ledger_csv,
    zerodha_xlsx,
)
from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.db.models.journal import (
    CasHoldingRow,
    FundTransaction,
    LedgerLine,
    TradeUpload,
    UploadedTrade,
)
from tradertape.errors import InvalidField
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.journal import uploads
from tradertape.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Q1 = [
    Fill(
        "INFY", "2024-04-02", "buy", 10, "1450.5", "T1", "1300000000000000001", isin="INE009A01021"
    ),
    Fill("INFY", "2024-04-03", "buy", 5, "1460", "T2", "1300000000000000002", isin="INE009A01021"),
    Fill(
        "TCS", "2024-05-10", "sell", 3, "3900.25", "T3", "1300000000000000003", isin="INE467B01029"
    ),
]


def _files(*named: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files[]", (name, content, XLSX)) for name, content in named]


def _trades(runtime: Runtime, user_id: int | None = None) -> list[UploadedTrade]:
    with runtime.db.session() as db:
        query = select(UploadedTrade).order_by(UploadedTrade.trade_date, UploadedTrade.id)
        if user_id is not None:
            query = query.where(UploadedTrade.user_id == user_id)
        return list(db.scalars(query))


def _count(runtime: Runtime, model: Any) -> int:
    with runtime.db.session() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_console_workbook_is_read_from_its_preamble_and_not_twice(
    client: TestClient, runtime: Runtime
):
    user_id = sign_in(client, runtime, "alice@x.in")
    book = zerodha_xlsx(Q1, client_id="ZX1234", start="2024-04-01", end="2024-06-30")
    answer = client.post("/api/uploads/tradebook", files=_files(("trades.xlsx", book)))
    assert answer.status_code == 201, answer.text
    (report,) = answer.json()["files"]
    assert report["status"] == "imported"
    assert (report["rows_read"], report["rows_added"], report["duplicates"]) == (3, 3, 0)
    upload = report["upload"]
    assert (upload["broker"], upload["account_code"], upload["segment"]) == (
        "zerodha",
        "ZX1234",
        "EQ",
    )
    assert (upload["date_from"], upload["date_to"]) == ("2024-04-01", "2024-06-30")
    assert upload["obfuscated"] is False

    trades = _trades(runtime, user_id)
    assert [(t.symbol, t.side, t.quantity, t.price) for t in trades] == [
        ("INFY", "buy", Decimal(10), Decimal("1450.5")),
        ("INFY", "buy", Decimal(5), Decimal(1460)),
        ("TCS", "sell", Decimal(3), Decimal("3900.25")),
    ]
    assert trades[0].order_id == "1300000000000000001"  # 19 digits, kept as text
    assert trades[0].isin == "INE009A01021"
    assert trades[0].executed_at is not None
    assert trades[0].executed_at.isoformat() == "2024-04-02T04:45:00+00:00"  # 10:15 IST

    again = client.post("/api/uploads/tradebook", files=_files(("trades.xlsx", book)))
    (report,) = again.json()["files"]
    assert (report["rows_read"], report["rows_added"], report["duplicates"]) == (3, 0, 3)
    assert len(_trades(runtime, user_id)) == 3
    listed = client.get("/api/uploads").json()
    assert [u["rows_added"] for u in listed] == [0, 3]  # newest first


def test_many_files_at_once_overlap_once_and_fo_reads_its_file_name(
    client: TestClient, runtime: Runtime
):
    user_id = sign_in(client, runtime, "alice@x.in")
    later = [
        Q1[2],  # the last row of the first quarter exported again
        Fill("INFY", "2024-07-01", "sell", 15, "1500", "T4", "1300000000000000004"),
    ]
    fo = [
        Fill(
            "NIFTY24JUL24000CE",
            "2024-07-04",
            "buy",
            50,
            "120.5",
            "F1",
            "1400000000000000001",
            segment="FO",
            exchange="NFO",
            expiry="2024-07-25",
        )
    ]
    answer = client.post(
        "/api/uploads/tradebook",
        files=_files(
            ("tradebook-ZX1234-EQ-2024-04-01-to-2024-06-30.csv", zerodha_csv(Q1)),
            ("tradebook-ZX1234-EQ-2024-05-01-to-2024-07-31.csv", zerodha_csv(later)),
            ("tradebook-ZX1234-FO-2024-07-01-to-2024-09-30.csv", zerodha_csv(fo, fo=True)),
        ),
    )
    assert answer.status_code == 201, answer.text
    reports = answer.json()["files"]
    assert [(r["rows_added"], r["duplicates"]) for r in reports] == [(3, 0), (1, 1), (1, 0)]
    fo_upload = reports[2]["upload"]
    assert (fo_upload["account_code"], fo_upload["segment"]) == ("ZX1234", "FO")
    assert (fo_upload["date_from"], fo_upload["date_to"]) == ("2024-07-01", "2024-09-30")
    option = [t for t in _trades(runtime, user_id) if t.segment == "FO"]
    assert [(t.exchange, t.expiry, t.isin) for t in option] == [("NFO", date(2024, 7, 25), None)]


def test_a_file_with_bad_rows_is_rejected_whole_and_the_others_still_import(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    broken = [
        Q1[0],
        Fill("INFY", "2024-13-40", "buy", 1, "1", "T8", "O8"),
        Fill("INFY", "2024-04-05", "hold", 1, "1", "T9", "O9"),
        Fill("INFY", "2024-04-05", "buy", 0, "1", "T10", "O10"),
    ]
    answer = client.post(
        "/api/uploads/tradebook",
        files=_files(("broken.csv", zerodha_csv(broken)), ("good.xlsx", zerodha_xlsx(Q1[2:]))),
    )
    assert answer.status_code == 201, answer.text
    bad, good = answer.json()["files"]
    assert (bad["status"], bad["rows_read"], bad["rows_added"], bad["upload"]) == (
        "rejected",
        4,
        0,
        None,
    )
    assert [e["row"] for e in bad["errors"]] == [3, 4, 5]  # the header is row 1
    assert "trade_date '2024-13-40' is not a date" in bad["errors"][0]["reason"]
    assert "neither buy nor sell" in bad["errors"][1]["reason"]
    assert "quantity 0.000000 is not above zero" in bad["errors"][2]["reason"]
    assert (good["status"], good["rows_added"]) == ("imported", 1)
    assert [t.trade_id for t in _trades(runtime)] == ["T3"]  # nothing of the broken file


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("statement.pdf", b"%PDF-1.4 not a spreadsheet", "a PDF, not a spreadsheet"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "old binary .xls"),
        ("empty.csv", b"", "an empty file"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "neither an XLSX workbook nor a"),
        (
            "ledger.csv",
            zerodha_ledger_csv([["x", "2024-04-01", "", "", "1", "0", "-1"]]),
            "no header",
        ),
        ("notes.csv", b"a,b,c\n1,2,3\n", "no header of a tradebook"),
    ],
)
def test_a_file_that_is_no_tradebook_is_refused_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, name: str, content: bytes, says: str
):
    sign_in(client, runtime, "alice@x.in")
    answer = client.post(
        "/api/uploads/tradebook",
        files=_files(("good.xlsx", zerodha_xlsx(Q1)), (name, content)),
    )
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["field"] == "files[]"
    assert name in problem["msg"]
    assert says in problem["msg"]
    assert (_count(runtime, TradeUpload), _count(runtime, UploadedTrade)) == (0, 0)


@pytest.fixture
def small(settings: Settings, clock: ManualClock, database: Database) -> Runtime:
    """Uploads of at most 4 KB a file, so a 'too large' file need not be 50 MB."""
    limited = settings.model_copy(update={"max_upload_file_bytes": 4096})
    return Runtime.build(limited, clock=clock, db=database, transport=LogTransport())


def test_a_file_past_the_size_limit_is_a_413_naming_it(small: Runtime):
    small_client = TestClient(create_app(small), base_url="http://testserver")
    runtime = small
    sign_in(small_client, runtime, "alice@x.in")
    many = [Fill("INFY", "2024-04-02", "buy", 1, "1450", f"T{i}", f"O{i}") for i in range(200)]
    answer = small_client.post(
        "/api/uploads/tradebook", files=_files(("big.csv", zerodha_csv(many)))
    )
    assert answer.status_code == 413, answer.text
    assert "big.csv" in answer.json()["detail"]
    assert "at most 0.00390625 MB" in answer.json()["detail"]
    assert _count(runtime, UploadedTrade) == 0


def test_the_default_limit_is_fifty_megabytes_a_file(runtime: Runtime):
    assert runtime.settings.max_upload_file_bytes == 50 * 1_048_576
    assert runtime.settings.max_upload_body_bytes > runtime.settings.max_upload_file_bytes


def test_upstox_and_groww_reports_import_and_dedupe(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "alice@x.in")
    upstox = upstox_xlsx(
        [
            [
                "03-06-2024",
                "RELIANCE",
                29000,
                "NSE",
                "EQ",
                "RELIANCE",
                "EQ",
                "",
                "",
                "1001",
                "09:20:11",
                "Buy",
                10,
                2900,
            ],
            [
                "04-06-2024",
                "RELIANCE",
                29500,
                "NSE",
                "EQ",
                "RELIANCE",
                "EQ",
                "",
                "",
                "1001",
                "10:01:00",
                "SELL",
                10,
                2950,
            ],
        ]
    )
    groww = groww_xlsx(
        [
            [
                "HDFC BANK LTD",
                "HDFCBANK",
                "INE040A01034",
                "BUY",
                4,
                6400,
                "NSE",
                "1100000012345678",
                "05-06-2024 09:45 AM",
                "Executed",
            ],
            [
                "HDFC BANK LTD",
                "HDFCBANK",
                "INE040A01034",
                "SELL",
                4,
                6500,
                "NSE",
                "1100000012345679",
                "06-06-2024 02:05 PM",
                "Cancelled",
            ],
        ]
    )
    answer = client.post(
        "/api/uploads/tradebook",
        files=_files(("upstox.xlsx", upstox), ("groww.xlsx", groww)),
    )
    assert answer.status_code == 201, answer.text
    up, gw = answer.json()["files"]
    assert (up["broker"], up["rows_added"]) == ("upstox", 2)  # trade 1001 on two days: two
    assert (gw["broker"], gw["rows_added"], gw["skipped"]) == ("groww", 1, 1)
    assert gw["account_code"] == "GW0000001"
    trades = _trades(runtime, user_id)
    groww_trade = next(t for t in trades if t.broker == "groww")
    assert groww_trade.price == Decimal(1600)  # Value ÷ Quantity
    assert groww_trade.executed_at is not None
    assert groww_trade.executed_at.isoformat() == "2024-06-05T04:15:00+00:00"
    again = client.post(
        "/api/uploads/tradebook", files=_files(("upstox.xlsx", upstox), ("groww.xlsx", groww))
    )
    assert [f["rows_added"] for f in again.json()["files"]] == [0, 0]


def test_a_ledger_skips_its_balance_lines_and_repeats(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    ledger = zerodha_ledger_csv(
        [
            [
                "Funds added using UPI",
                "2024-04-01",
                "",
                "Bank Receipts",
                "0.000000",
                "100000.000000",
                "100000.000000",
            ],
            [
                "Net settlement for Eq (T+1)",
                "2024-04-03",
                "NSE-EQ - Z",
                "Book Voucher",
                "14527.400000",
                "0.000000",
                "85472.600000",
            ],
            [
                "DP Charges for Sale of INFY",
                "2024-07-02",
                "NSE-EQ - Z",
                "Journal Entry",
                "15.930000",
                "0.000000",
                "85456.670000",
            ],
        ]
    )
    name = "ledger-ZX1234-2024-04-01-to-2024-09-30.csv"
    answer = client.post("/api/uploads/ledger", files={"file": (name, ledger, "text/csv")})
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert (report["kind"], report["rows_read"], report["rows_added"], report["skipped"]) == (
        "ledger",
        5,
        3,
        2,
    )
    assert report["upload"]["account_code"] == "ZX1234"
    with runtime.db.session() as db:
        lines = list(db.scalars(select(LedgerLine).order_by(LedgerLine.posting_date)))
    assert [line.debit for line in lines] == [Decimal(0), Decimal("14527.4"), Decimal("15.93")]
    again = client.post("/api/uploads/ledger", files={"file": (name, ledger, "text/csv")})
    assert again.json()["rows_added"] == 0
    tradebook = client.post("/api/uploads/ledger", files={"file": ("t.csv", zerodha_csv(Q1))})
    assert tradebook.status_code == 422
    assert "no header of a Zerodha ledger" in tradebook.json()["detail"][0]["msg"]


def test_deleting_an_upload_takes_its_trades_and_obfuscated_is_kept(
    client: TestClient, runtime: Runtime
):
    user_id = sign_in(client, runtime, "alice@x.in")
    answer = client.post(
        "/api/uploads/tradebook",
        files=_files(("t.xlsx", zerodha_xlsx(Q1))),
        data={"obfuscated": "true"},
    )
    upload = answer.json()["files"][0]["upload"]
    assert upload["obfuscated"] is True
    assert client.get(f"/api/uploads/{upload['id']}").json()["rows_added"] == 3
    assert client.delete(f"/api/uploads/{upload['id']}").status_code == 204
    assert _trades(runtime, user_id) == []
    assert client.get(f"/api/uploads/{upload['id']}").status_code == 404
    again = client.post("/api/uploads/tradebook", files=_files(("t.xlsx", zerodha_xlsx(Q1))))
    assert again.json()["files"][0]["rows_added"] == 3  # the trades can come back


def test_another_users_uploads_answer_as_missing_ones(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    answer = client.post("/api/uploads/tradebook", files=_files(("t.xlsx", zerodha_xlsx(Q1))))
    mine = answer.json()["files"][0]["upload"]["id"]
    make_user(runtime, "bob@x.in")
    bob = TestClient(client.app)
    bob.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    for method, path in [("GET", "/api/uploads/{}"), ("DELETE", "/api/uploads/{}")]:
        theirs = bob.request(method, path.format(mine))
        missing = bob.request(method, path.format(999_999))
        assert (theirs.status_code, missing.status_code) == (404, 404)
        assert re.sub(r"\d+", "N", theirs.json()["detail"]) == re.sub(
            r"\d+", "N", missing.json()["detail"]
        )
    assert bob.get("/api/uploads").json() == []
    # Bob's own copy of the same file is his: Alice's rows do not make his duplicates
    bobs = bob.post("/api/uploads/tradebook", files=_files(("t.xlsx", zerodha_xlsx(Q1))))
    assert bobs.json()["files"][0]["rows_added"] == 3
    assert client.get(f"/api/uploads/{mine}").status_code == 200


def test_uploads_need_a_session(client: TestClient):
    answer = client.post("/api/uploads/tradebook", files=_files(("t.xlsx", zerodha_xlsx(Q1))))
    assert answer.status_code == 401


# ----------------------------------------------------------------------------- CAS


def test_a_cas_that_is_no_pdf_or_no_cas_is_a_422_and_nothing_is_stored(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    not_pdf = client.post(
        "/api/uploads/cas",
        files={"file": ("cas.pdf", b"hello", "application/pdf")},
        data={"password": "ABCDE1234F"},
    )
    assert not_pdf.status_code == 422
    assert not_pdf.json()["detail"][0]["field"] == "file"
    assert "cas.pdf is not a PDF" in not_pdf.json()["detail"][0]["msg"]
    broken = client.post(
        "/api/uploads/cas",
        files={"file": ("cas.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        data={"password": "ABCDE1234F"},
    )
    assert broken.status_code == 422, broken.text
    damaged = broken.json()["detail"][0]["msg"]
    assert damaged.startswith("cas.pdf could not be opened as a PDF (it may be damaged")
    # a real PDF of something else: said in our words, never the reader's
    letter = client.post(
        "/api/uploads/cas",
        files={
            "file": (
                "letter.pdf",
                text_pdf(["Dear customer,", "Your invoice 42"]),
                "application/pdf",
            )
        },
        data={"password": "ABCDE1234F"},
    )
    assert letter.status_code == 422, letter.text
    assert letter.json()["detail"][0] == {
        "loc": ["file"],
        "field": "file",
        "msg": "letter.pdf is not a CAS statement we can read "
        "(a PDF that is not a CAMS, KFintech, NSDL or CDSL CAS)",
        "type": "value_error",
        "message": "File: letter.pdf is not a CAS statement we can read "
        "(a PDF that is not a CAMS, KFintech, NSDL or CDSL CAS)",
    }
    for refused in (damaged, letter.json()["detail"][0]["msg"]):
        assert not re.search(r"casparser|PDFium|issuer|Unhandled", refused, re.IGNORECASE)
    no_password = client.post(
        "/api/uploads/cas", files={"file": ("cas.pdf", b"%PDF-1.4", "application/pdf")}
    )
    assert no_password.status_code == 422
    assert no_password.json()["detail"][0]["field"] == "password"
    assert _count(runtime, TradeUpload) == 0


CAS_MODEL: dict[str, Any] = {
    "statement_period": {"from": "01-Apr-2023", "to": "31-Mar-2024"},
    "investor_info": {"name": "A Test Investor", "email": "a@x.in", "address": "-", "mobile": "-"},
    "cas_type": "DETAILED",
    "file_type": "CAMS",
    "folios": [
        {
            "folio": "12345678 / 90",
            "amc": "Example Mutual Fund",
            "PAN": "ABCDE1234F",
            "schemes": [
                {
                    "scheme": "Example Flexi Cap Fund - Direct Growth",
                    "rta_code": "EX01",
                    "rta": "CAMS",
                    "isin": "INF000X01010",
                    "amfi": "100001",
                    "open": "0",
                    "close": "150.123",
                    "close_calculated": "150.123",
                    "valuation": {"date": "2024-03-31", "nav": "110.5", "value": "16588.59"},
                    "transactions": [
                        {
                            "date": "2023-05-10",
                            "description": "SIP Purchase",
                            "amount": "10000",
                            "units": "100.082",
                            "nav": "99.918",
                            "balance": "100.082",
                            "type": "PURCHASE_SIP",
                        },
                        {
                            "date": "2023-06-10",
                            "description": "SIP Purchase",
                            "amount": "5000",
                            "units": "50.041",
                            "nav": "99.918",
                            "balance": "150.123",
                            "type": "PURCHASE_SIP",
                        },
                    ],
                }
            ],
        }
    ],
}


def test_a_cas_round_trip_through_casparsers_model(runtime: Runtime, clock: ManualClock):
    user_id = make_user(runtime, "alice@x.in")
    model = CASData.model_validate(CAS_MODEL)
    seen: list[str] = []

    def reader(content: io.BytesIO, password: str) -> CASData:
        seen.append(password)
        return model

    pdf = uploads.UploadedFile("cas.pdf", b"%PDF-1.7 a statement")
    with runtime.db.session() as db:
        report = uploads.import_cas(
            db,
            pdf,
            password="ABCDE1234F",
            user_id=user_id,
            obfuscated=False,
            clock=clock,
            reader=reader,
        )
        assert (report.broker, report.rows_read, report.rows_added) == ("CAMS", 2, 2)
        again = uploads.import_cas(
            db,
            pdf,
            password="ABCDE1234F",
            user_id=user_id,
            obfuscated=False,
            clock=clock,
            reader=reader,
        )
        assert (again.rows_added, again.duplicates) == (0, 2)
        txns = list(db.scalars(select(FundTransaction).order_by(FundTransaction.day)))
        (holding,) = db.scalars(select(CasHoldingRow)).all()  # the second upload added none
        upload = db.get(TradeUpload, report.upload.id if report.upload else 0)
        assert upload is not None
        assert (upload.date_from, upload.date_to) == (date(2023, 4, 1), date(2024, 3, 31))
    assert seen == ["ABCDE1234F", "ABCDE1234F"]
    assert [(t.type, t.units, t.day) for t in txns] == [
        ("PURCHASE_SIP", Decimal("100.082"), date(2023, 5, 10)),
        ("PURCHASE_SIP", Decimal("50.041"), date(2023, 6, 10)),
    ]
    assert (holding.units, holding.price, holding.value) == (
        Decimal("150.123"),
        Decimal("110.5"),
        Decimal("16588.59"),
    )


def test_a_wrong_cas_password_names_the_password(runtime: Runtime, clock: ManualClock):
    user_id = make_user(runtime, "alice@x.in")

    def reader(content: io.BytesIO, password: str) -> CASData:
        raise IncorrectPasswordError("Incorrect PDF password!")

    with runtime.db.session() as db, pytest.raises(InvalidField) as refused:
        uploads.import_cas(
            db,
            uploads.UploadedFile("cas.pdf", b"%PDF-1.7"),
            password="wrong",
            user_id=user_id,
            obfuscated=False,
            clock=clock,
            reader=reader,
        )
    assert (refused.value.status_code, refused.value.field) == (422, "password")
    assert _count(runtime, TradeUpload) == 0


def test_a_cas_pdf_through_casparser_and_a_wrong_password(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    pdf = cams_summary_pdf()
    wrong = client.post(
        "/api/uploads/cas",
        files={"file": ("cas.pdf", pdf, "application/pdf")},
        data={"password": "WRONG0000X"},
    )
    assert wrong.status_code == 422, wrong.text
    (problem,) = wrong.json()["detail"]
    assert problem["field"] == "password"
    assert "the password does not open cas.pdf" in problem["msg"]
    assert _count(runtime, TradeUpload) == 0

    sent = client.post(
        "/api/uploads/cas",
        files={"file": ("cas.pdf", pdf, "application/pdf")},
        data={"password": CAS_PASSWORD},
    )
    assert sent.status_code == 201, sent.text
    report = sent.json()
    assert (report["kind"], report["broker"], report["status"]) == ("cas", "CAMS", "imported")
    assert report["upload"]["date_to"] == "2024-03-31"
    with runtime.db.session() as db:
        (holding,) = db.scalars(select(CasHoldingRow)).all()
    assert (holding.folio, holding.isin, holding.units, holding.value, holding.cost) == (
        "12345678 / 90",
        "INF000X01010",
        Decimal("150.123"),
        Decimal("16588.59"),
        Decimal("10000"),
    )
    assert "Example Flexi Cap Fund" in holding.name
    again = client.post(
        "/api/uploads/cas",
        files={"file": ("cas.pdf", pdf, "application/pdf")},
        data={"password": CAS_PASSWORD},
    )
    assert again.status_code == 201
    assert _count(runtime, CasHoldingRow) == 1  # the same statement adds nothing


def test_a_files_folder_is_not_kept_in_its_name(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    name = "C:\\Users\\me\\trades.xlsx"
    sent = client.post("/api/uploads/tradebook", files=_files((name, zerodha_xlsx(Q1))))
    assert sent.json()["files"][0]["upload"]["filename"] == "trades.xlsx"


def test_an_obfuscated_upload_scaled_with_another_factor_is_refused(
    client: TestClient, runtime: Runtime
):
    user_id = sign_in(client, runtime, "alice@x.in")

    def upload(fingerprint: str) -> Any:
        return client.post(
            "/api/uploads/tradebook",
            files=_files(("t.xlsx", zerodha_xlsx(Q1))),
            data={"obfuscated": "true", "factor_fingerprint": fingerprint},
        )

    assert upload("ab" * 16).status_code == 201
    assert client.get("/api/trading-agent/obfuscation").json()["factor_known"] is True
    other = upload("cd" * 16)
    assert other.status_code == 409
    assert "another obfuscation factor" in other.json()["detail"]
    assert len(_trades(runtime, user_id)) == 3  # nothing of the other factor's file was kept
    bad = upload("not hex")
    assert bad.status_code == 422
    assert "factor_fingerprint" in bad.text

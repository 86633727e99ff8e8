"""Migration 0041 removes statement rows stored before statements were checked (issue 49),
on SQLite and PostgreSQL, and the journal and wealth pages read what is left."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.helpers import sign_in
from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.db.models.journal import (
    CasHoldingRow,
    FundTransaction,
    KeptBook,
    LedgerLine,
    TradeUpload,
    UploadedTrade,
)
from tradertape.runtime import Runtime

BIG = Decimal("1E+30")  # PostgreSQL's NUMERIC holds it; only SQLite's text holds 1E+999999


def _trade(user_id: int, upload_id: int, key: str, **values: Any) -> UploadedTrade:
    fields: dict[str, Any] = {
        "broker": "zerodha",
        "account_code": "ZX1234",
        "exchange": "NSE",
        "segment": "EQ",
        "symbol": "INFY",
        "isin": None,
        "trade_date": date(2024, 4, 2),
        "executed_at": None,
        "side": "buy",
        "quantity": Decimal(10),
        "price": Decimal(1450),
        "trade_id": key,
        "order_id": key,
        "expiry": None,
        "instrument_type": None,
    }
    return UploadedTrade(user_id=user_id, upload_id=upload_id, key=key, **{**fields, **values})


def test_bad_statement_rows_are_removed_and_the_pages_read_again(
    client: TestClient, runtime: Runtime
):
    user_id = sign_in(client, runtime, "alice@x.in")
    sqlite = runtime.db.engine.dialect.name == "sqlite"
    with runtime.db.session() as db:
        upload = TradeUpload(
            user_id=user_id,
            kind="tradebook",
            broker="zerodha",
            filename="t.csv",
            account_code="ZX1234",
            segment="EQ",
            date_from=date(1, 1, 1),
            date_to=date(2024, 6, 30),
            rows_read=6,
            rows_added=6,
            duplicates=0,
            skipped=0,
            obfuscated=False,
            warnings=[],
            created_at=datetime(2024, 7, 1, tzinfo=UTC),
        )
        db.add(upload)
        db.flush()
        db.add_all(
            [
                _trade(user_id, upload.id, "good"),
                _trade(user_id, upload.id, "huge", price=Decimal("1E+999999") if sqlite else BIG),
                _trade(user_id, upload.id, "many", quantity=BIG),
                _trade(user_id, upload.id, "old", trade_date=date(1, 1, 1)),
                _trade(
                    user_id,
                    upload.id,
                    "late",
                    executed_at=datetime(1, 1, 1, 12, tzinfo=UTC),
                    expiry=date(9999, 12, 31),
                ),
                LedgerLine(
                    user_id=user_id,
                    upload_id=upload.id,
                    key="l",
                    account_code="ZX1234",
                    posting_date=date(2024, 4, 1),
                    particulars="Funds added",
                    cost_center=None,
                    voucher_type=None,
                    debit=Decimal(0),
                    credit=Decimal(5),
                    net_balance=Decimal("1E+15"),
                ),
                FundTransaction(
                    user_id=user_id,
                    upload_id=upload.id,
                    key="f",
                    folio="1",
                    amc="A",
                    scheme="F",
                    isin=None,
                    amfi="1",
                    day=date(1, 1, 1),
                    description="Purchase",
                    type="PURCHASE",
                    amount=Decimal(-100),
                    units=Decimal(1),
                    nav=Decimal(100),
                    balance=Decimal(1),
                ),
                CasHoldingRow(
                    user_id=user_id,
                    upload_id=upload.id,
                    kind="mf",
                    name="F",
                    isin=None,
                    amfi="1",
                    folio="1",
                    units=BIG,
                    price=None,
                    value=None,
                    cost=None,
                    as_of=None,
                ),
                KeptBook(user_id=user_id, stamp="x", book=b"stale"),
            ]
        )
        db.commit()
    for page in ("/api/journal/pnl", "/api/wealth", "/api/family/consolidated"):
        assert client.get(page).status_code == 200, page  # the readers skip them already

    command.downgrade(alembic_config(runtime.db.engine), "0040")
    upgrade(runtime.db.engine)
    assert current_revision(runtime.db.engine) == head_revision()

    with runtime.db.session() as db:
        kept = {t.key: t for t in db.scalars(select(UploadedTrade))}
        assert sorted(kept) == ["good", "late"]
        assert (kept["late"].executed_at, kept["late"].expiry) == (None, None)
        assert db.scalar(select(func.count()).select_from(LedgerLine)) == 0
        assert db.scalar(select(func.count()).select_from(FundTransaction)) == 0
        assert db.scalar(select(func.count()).select_from(CasHoldingRow)) == 0
        assert db.scalar(select(func.count()).select_from(KeptBook)) == 0
        row = db.scalars(select(TradeUpload)).one()
        assert (row.date_from, row.date_to, row.rows_added) == (None, None, 0)  # 6 − 6
        assert row.warnings == [
            "6 rows removed on upgrade: their numbers or days could not be read (issue 49)"
        ]
    trips = client.get("/api/journal/pnl").json()
    assert [p["quantity"] for p in trips["open"]] == ["20"]

"""The journal's imported data: uploads and the rows each brought (trades, ledger, CAS).

Every imported row belongs to its upload (deleting the upload deletes them) and carries a
dedupe ``key`` unique per user, so the same trade uploaded twice, in two overlapping
quarterly files, is stored once.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned, OwnedByKey
from tradertape.db.types import ExactDecimal

MONEY = ExactDecimal(20, 4)
# Quantities, units and prices as the statement wrote them: an obfuscated upload's scaled
# quantities and a CAS's 3-decimal units are kept exactly.
EXACT = ExactDecimal()


class TradeUpload(Owned, Base):
    """One uploaded file and its report (the file itself is not kept)."""

    __tablename__ = "trade_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # tradebook | ledger | cas
    broker: Mapped[str] = mapped_column(String(16))  # zerodha | upstox | groww | CAMS ...
    filename: Mapped[str] = mapped_column(String(255))
    account_code: Mapped[str | None] = mapped_column(String(32))
    segment: Mapped[str | None] = mapped_column(String(8))
    date_from: Mapped[date | None]
    date_to: Mapped[date | None]
    rows_read: Mapped[int]
    rows_added: Mapped[int]
    duplicates: Mapped[int]
    skipped: Mapped[int]
    obfuscated: Mapped[bool]
    warnings: Mapped[list[str]]
    created_at: Mapped[datetime]


class UploadedTrade(OwnedByKey, Base):
    """One execution read from a tradebook."""

    __tablename__ = "journal_trades"
    __table_args__ = (
        Index("ix_journal_trades_user_key", "user_id", "key", unique=True),
        Index("ix_journal_trades_user_symbol", "user_id", "symbol"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("trade_uploads.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(160))
    broker: Mapped[str] = mapped_column(String(16))
    account_code: Mapped[str | None] = mapped_column(String(32))
    exchange: Mapped[str] = mapped_column(String(8))
    segment: Mapped[str] = mapped_column(String(8))
    symbol: Mapped[str] = mapped_column(String(64))
    isin: Mapped[str | None] = mapped_column(String(16))
    trade_date: Mapped[date]
    executed_at: Mapped[datetime | None]
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Decimal] = mapped_column(EXACT)
    price: Mapped[Decimal] = mapped_column(EXACT)
    trade_id: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[str] = mapped_column(String(40))
    expiry: Mapped[date | None]
    instrument_type: Mapped[str | None] = mapped_column(String(16))
    # What the row's own statement charged, where it says (a simulator's settlement at
    # expiry: the exchange's note, not an order's); None: the journal estimates them.
    charges: Mapped[Decimal | None] = mapped_column(EXACT)


class LedgerLine(OwnedByKey, Base):
    """One line of a broker's ledger: funds in and out, settlements, charges."""

    __tablename__ = "journal_ledger"
    __table_args__ = (Index("ix_journal_ledger_user_key", "user_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("trade_uploads.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))  # a digest: particulars are free text
    account_code: Mapped[str | None] = mapped_column(String(32))
    posting_date: Mapped[date]
    particulars: Mapped[str] = mapped_column(Text)
    cost_center: Mapped[str | None] = mapped_column(String(40))
    voucher_type: Mapped[str | None] = mapped_column(String(40))
    debit: Mapped[Decimal] = mapped_column(MONEY)
    credit: Mapped[Decimal] = mapped_column(MONEY)
    net_balance: Mapped[Decimal | None] = mapped_column(MONEY)


class FundTransaction(OwnedByKey, Base):
    """One mutual fund transaction from a CAS."""

    __tablename__ = "journal_fund_transactions"
    __table_args__ = (
        Index("ix_journal_fund_transactions_user_key", "user_id", "key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("trade_uploads.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    folio: Mapped[str] = mapped_column(String(40))
    amc: Mapped[str] = mapped_column(String(120))
    scheme: Mapped[str] = mapped_column(Text)
    isin: Mapped[str | None] = mapped_column(String(16))
    amfi: Mapped[str | None] = mapped_column(String(16))
    day: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(EXACT)
    units: Mapped[Decimal | None] = mapped_column(EXACT)
    nav: Mapped[Decimal | None] = mapped_column(EXACT)
    balance: Mapped[Decimal | None] = mapped_column(EXACT)


class CasHoldingRow(Owned, Base):
    """A holding a CAS reported at its date (a scheme's closing units or a demat position)."""

    __tablename__ = "journal_cas_holdings"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("trade_uploads.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # mf | equity
    name: Mapped[str] = mapped_column(Text)
    isin: Mapped[str | None] = mapped_column(String(16))
    amfi: Mapped[str | None] = mapped_column(String(16))
    folio: Mapped[str | None] = mapped_column(String(40))
    units: Mapped[Decimal] = mapped_column(EXACT)
    price: Mapped[Decimal | None] = mapped_column(EXACT)
    value: Mapped[Decimal | None] = mapped_column(EXACT)
    cost: Mapped[Decimal | None] = mapped_column(EXACT)
    as_of: Mapped[date | None]


class KeptBook(Base):
    """A user's computed FIFO book (`services.journal.kept`), filed under a digest of the
    ledger state it was computed from: a page in a process that has not computed it (after
    a restart, another API process) reads it instead of replaying every trade. A digest
    that is not the ledger's present one is never read, so a stale book is never served."""

    __tablename__ = "journal_books"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    stamp: Mapped[str] = mapped_column(String(64))
    book: Mapped[bytes] = mapped_column(LargeBinary)


class JournalVersion(Base):
    """A number per user, bumped in the transaction of every change to their uploaded trades
    and ledger lines and of every fill taken back (`db.journal_version.bump`): with their
    newest fill's id it is what a kept book (`KeptBook`) was computed from, read in one
    step instead of aggregating every trade."""

    __tablename__ = "journal_versions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)


class SettlementPrice(OwnedByKey, Base):
    """An F&O underlying's final settlement price on an expiry day, as the user entered it
    (the exchange's figure: the underlying's close that day). The journal settles every
    expired contract of that underlying and day at it (`domain.expiry`), before any close
    the server has imported."""

    __tablename__ = "journal_settlement_prices"
    __table_args__ = (
        Index(
            "ix_journal_settlement_prices_user_underlying_expiry",
            "user_id",
            "underlying",
            "expiry",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    underlying: Mapped[str] = mapped_column(String(32))
    expiry: Mapped[date]
    price: Mapped[Decimal] = mapped_column(EXACT)

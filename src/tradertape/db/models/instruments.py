"""Instruments imported from a Kite instruments dump (``tradertape instruments import``).

The shipped reference data covers the NIFTY 500 and the main indices; a dump adds the
rest of the market (F&O contracts, BSE, small caps) with the broker's real tokens.
Rows are stored as the dump has them; `services.market.instruments` merges them into the
catalog. Global, not per user: every account trades the same market.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base
from tradertape.db.types import ExactDecimal


class KiteInstrument(Base):
    """One row of a Kite instruments dump, upserted by (exchange, tradingsymbol)."""

    __tablename__ = "instruments"
    __table_args__ = (
        UniqueConstraint("exchange", "tradingsymbol"),
        Index("ix_instruments_instrument_token", "instrument_token"),
        # The catalog cache's stamp reads the latest import time on every order.
        Index("ix_instruments_imported_at", "imported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kite tokens are unsigned 32-bit; BigInteger keeps the top half positive.
    # Not unique: Kite may reuse the token of an expired contract we still hold.
    instrument_token: Mapped[int] = mapped_column(BigInteger)
    exchange_token: Mapped[int] = mapped_column(BigInteger)
    tradingsymbol: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    expiry: Mapped[date | None]
    strike: Mapped[Decimal] = mapped_column(ExactDecimal(14, 4))
    tick_size: Mapped[Decimal] = mapped_column(ExactDecimal(10, 4))
    lot_size: Mapped[int]
    instrument_type: Mapped[str] = mapped_column(String(8))  # EQ | FUT | CE | PE
    segment: Mapped[str] = mapped_column(String(16))  # NSE, BSE, INDICES, NFO-FUT, ...
    exchange: Mapped[str] = mapped_column(String(8))  # NSE | BSE | NFO | BFO
    imported_at: Mapped[datetime]


class FreezeQuantityRow(Base):
    """NSE's F&O quantity freeze limit of one underlying, as imported from NSE's list
    (``tradertape instruments import-freeze``); it overrides the shipped figure."""

    __tablename__ = "freeze_quantities"

    underlying: Mapped[str] = mapped_column(String(64), primary_key=True)
    freeze_quantity: Mapped[int]
    as_of: Mapped[date]
    imported_at: Mapped[datetime]

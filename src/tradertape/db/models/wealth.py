"""Market files a user imported for wealth and the journal: AMFI NAVs, index closes and
31-Jan-2018 fair market values. Each user's own (an import never changes another's view)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, OwnedByKey
from tradertape.db.types import ExactDecimal

EXACT = ExactDecimal()


class FundNav(OwnedByKey, Base):
    """A scheme's NAV on a day, from an AMFI ``NAVAll.txt``."""

    __tablename__ = "wealth_navs"
    __table_args__ = (Index("ix_wealth_navs_user_amfi_day", "user_id", "amfi", "day", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    amfi: Mapped[str] = mapped_column(String(16))
    isin: Mapped[str | None] = mapped_column(String(16))
    isin_reinvest: Mapped[str | None] = mapped_column(String(16))
    scheme: Mapped[str] = mapped_column(Text)
    day: Mapped[date]
    nav: Mapped[Decimal] = mapped_column(EXACT)


class IndexClose(OwnedByKey, Base):
    """A benchmark's close on a day (an index, or a fund by its name)."""

    __tablename__ = "wealth_index_closes"
    __table_args__ = (
        Index("ix_wealth_index_closes_user_name_day", "user_id", "name", "day", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    day: Mapped[date]
    close: Mapped[Decimal] = mapped_column(EXACT)


class FairValue(OwnedByKey, Base):
    """A share's fair market value on 31 January 2018 (s.112A grandfathering)."""

    __tablename__ = "journal_fmv"
    __table_args__ = (Index("ix_journal_fmv_user_isin", "user_id", "isin", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    isin: Mapped[str] = mapped_column(String(16))
    symbol: Mapped[str | None] = mapped_column(String(64))
    fmv: Mapped[Decimal] = mapped_column(EXACT)


__all__ = ["FairValue", "FundNav", "IndexClose"]

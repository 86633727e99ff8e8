"""Wealth answers: holdings across sources, mutual funds with XIRR, net worth.

Rupees are decimal strings to the paisa; XIRR a fraction (0.1234 is 12.34 % a year)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tradertape.api.schemas.money_out import Paise, TickPrice


class HoldingOut(BaseModel):
    """An equity holding from one source."""

    source: Literal["broker", "agent", "upload", "cas"] = Field(
        description="a connected broker's API, the agent's snapshot, uploaded tradebooks, a CAS"
    )
    broker: str
    account: str
    symbol: str
    isin: str | None
    exchange: str
    quantity: Decimal
    average_price: TickPrice | None
    last_price: TickPrice | None
    previous_close: TickPrice | None
    value: Paise | None
    cost: Paise | None
    pnl: Paise | None
    day_pnl: Paise | None
    obfuscated: bool = Field(description="quantities scaled by the agent")
    as_of: date | None = Field(
        description="the day its price is of (a connected broker's: today; the agent's: the "
        "day it read the broker; an upload's: its tick's or daily close's; a CAS's: its "
        "statement's); null without a price"
    )


class MergedHoldingOut(BaseModel):
    """One symbol across sources: quantities, values and day P&L summed."""

    symbol: str
    isin: str | None
    quantity: Decimal
    last_price: TickPrice | None
    value: Paise | None
    day_pnl: Paise | None
    sources: list[str] = Field(description="source:broker of each part")
    as_of: date | None = Field(description="the day of its oldest part's price")


class FundOut(BaseModel):
    """A mutual fund scheme in a folio, at the newest NAV known."""

    folio: str | None
    scheme: str
    isin: str | None
    amfi: str | None
    units: Decimal
    nav: Decimal | None
    nav_date: date | None
    nav_source: Literal["amfi", "cas"] = Field(
        description="an imported AMFI NAVAll.txt, or the CAS's own valuation"
    )
    value: Paise | None
    invested: Paise | None
    gain: Paise | None
    day_pnl: Paise | None
    xirr: Decimal | None = Field(
        description="a fraction a year, its value dated on the NAV's day; null without cash flows"
    )
    as_of: date | None = Field(description="the day its value is of: the NAV's")
    nav_stale: bool = Field(
        description="the NAV is more than a week old (or undated): import a newer AMFI file"
    )


class CashOut(BaseModel):
    source: Literal["broker", "agent", "ledger"]
    broker: str
    amount: Paise
    as_of: date | None = Field(
        description="the day of the balance (a broker's: today; the agent's: its read; a "
        "ledger's: its posting day)"
    )


class AllocationOut(BaseModel):
    asset: Literal["equity", "mutual_funds", "cash"]
    value: Paise
    share: Decimal = Field(description="of net worth, a fraction")


class WealthOut(BaseModel):
    """Everything you hold, valued (paper books are not wealth)."""

    as_of: date = Field(description="the day of the read (IST)")
    oldest_as_of: date | None = Field(
        description="the day of the oldest figure in the totals (each row has its own)"
    )
    net_worth: Paise
    equity: Paise
    mutual_funds: Paise
    cash: Paise
    day_pnl: Paise
    funds_xirr: Decimal | None = Field(
        description="all funds' cash flows together, each value on its NAV's day"
    )
    allocation: list[AllocationOut]
    holdings: list[HoldingOut]
    merged: list[MergedHoldingOut] = Field(description="one row per symbol across sources")
    funds: list[FundOut]
    cash_lines: list[CashOut]
    warnings: list[str]


class NavImportOut(BaseModel):
    """What an AMFI NAV file brought."""

    rows_read: int
    rows_added: int = Field(description="new scheme-days (a day already stored is updated)")
    skipped: int = Field(description="lines without a NAV (N.A.) or a date")
    days: list[date]
    matched_funds: int = Field(description="your CAS schemes that now have an AMFI NAV")
    unmatched_funds: list[str] = Field(description="your CAS schemes the file does not list")

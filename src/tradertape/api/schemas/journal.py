"""Journal answers: the trade ledger, round trips and open positions, the tax P&L of a year.

Rupees are decimal strings to the paisa; quantities decimal strings as stored (an
obfuscated upload's are scaled)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.money_out import Paise, TickPrice
from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.decimal_input import Price

# The financial year a journal's tax routes take as a query.
Fy = Annotated[
    str,
    Query(
        min_length=7,
        max_length=7,
        pattern=r"^\d{4}-\d{2}$",
        description="financial year, 2024-25 (1 April 2024 to 31 March 2025)",
    ),
]


class JournalTradeOut(BaseModel):
    """One trade and where it came from."""

    source: str = Field(description="upload, paper, live, or live+upload (one trade, both)")
    broker: str
    account: str
    exchange: str
    segment: str
    symbol: str
    isin: str | None
    day: date
    at: UtcDateTime | None
    side: str
    quantity: Decimal
    price: TickPrice
    trade_id: str
    order_id: str
    product: str | None
    charges: Paise | None = Field(description="a booked fill's own charges; else null")
    charges_note: str | None = Field(
        default=None,
        description="why a booked fill's charges differ from an identical fill's: the day's "
        "DP charge, delivery bought and sold the same day re-priced as intraday, or STT "
        "rounded to the rupee on the day's note; null when none applied",
    )


class RoundTripOut(BaseModel):
    """A FIFO-matched open and close."""

    account: str
    symbol: str
    isin: str | None
    segment: str
    direction: str
    quantity: Decimal
    opened: date
    closed: date
    held_days: int
    buy_value: Paise
    sell_value: Paise
    pnl: Paise
    charges: Paise
    net: Paise
    kind: str = Field(description="trade, or buyback (a tender at the buyback price)")
    via: str = Field(description="the corporate action that made the lot: bonus, merger X …")
    intraday: bool
    open_source: str
    close_source: str
    charges_note: str | None = Field(
        default=None,
        description="why its charges differ from an identical trip's: its booked fills' "
        "charges notes (the day's DP charge, same-day netting, STT's rupee rounding)",
    )
    member: str | None = Field(
        default=None, description="whose, in a family view (their name or e-mail)"
    )


class OpenPositionOut(BaseModel):
    """What is still held, marked at the latest price the server has (null: none)."""

    account: str
    symbol: str
    isin: str | None
    segment: str
    direction: str
    quantity: Decimal
    cost: Paise
    mark: Decimal | None
    unrealised: Paise | None
    member: str | None = Field(
        default=None, description="whose, in a family view (their name or e-mail)"
    )
    state: Literal["open", "expired: settlement price needed"] = Field(
        default="open",
        description="an F&O contract past its expiry whose settlement price the server does "
        "not know is never marked: enter it (PUT /api/journal/settlement-prices)",
    )
    expired_on: date | None = Field(default=None, description="its expiry day, when expired")


class YearPnlOut(BaseModel):
    """The round trips closed in one financial year: realised P&L, charges, net, count."""

    fy: str = Field(description="2024-25: 1 April 2024 to 31 March 2025")
    realised: Paise
    charges: Paise
    net: Paise
    trips: int


class MatchedOut(BaseModel):
    """The round trips the filter keeps, all of them (not only the page's), summed."""

    round_trips: int = Field(description="how many the filter keeps: the pages' total")
    realised: Paise
    charges: Paise
    net: Paise


class PnlOut(BaseModel):
    """Realised P&L of every round trip, and the open positions' unrealised P&L."""

    include_paper: bool = Field(
        description="whether the paper account's simulated trades are counted (false: real "
        "trades only, the default, as the tax P&L counts)"
    )
    paper_round_trips: int = Field(
        description="the paper account's round trips left out of these figures (0 when "
        "they are counted)"
    )
    realised: Paise
    charges: Paise
    net: Paise
    unrealised: Paise = Field(description="of the positions with a mark")
    round_trips: list[RoundTripOut] = Field(
        description="the round trips the filter keeps, in the order asked: one page with "
        "``limit``, else all of them"
    )
    matched: MatchedOut = Field(
        description="the filter's round trips summed, every page of them (without a "
        "filter, the figures above)"
    )
    offset: int = Field(description="the round trips skipped before this page")
    limit: int | None = Field(description="the page's size asked; null: no pages")
    open: list[OpenPositionOut]
    applied_actions: list[str]
    years: list[YearPnlOut] = Field(description="per financial year of the close, newest first")


class BusinessOut(BaseModel):
    """Business income: P&L and turnover (the sum of absolute trip P&L)."""

    pnl: Paise
    turnover: Paise
    charges: Paise
    trips: int


class GainsBucketOut(BaseModel):
    """Capital gains taxed at one rate."""

    kind: str = Field(description="stcg (s.111A) or ltcg (s.112A)")
    rate: Decimal = Field(description="as a fraction: 0.125 is 12.5 %")
    gains: Paise = Field(description="the trips' gains after their transfer expenses")
    losses: Paise = Field(description="the trips' losses after their transfer expenses")
    expenses: Decimal = Field(
        description="the transfer expenses deducted (s.48): the trips' charges other than STT"
    )
    net: Paise
    set_off: Decimal = Field(
        description="losses set off against its gains: the year's capital losses (s.70), its "
        "business loss (s.71) and earlier years' losses (s.72–74)"
    )
    left: Decimal = Field(description="the gains left after every set-off")
    exemption: Decimal = Field(description="the s.112A exemption used (long-term)")
    taxable: Paise
    tax: Paise = Field(
        description="taxable × rate after every set-off, before surcharge and cess: the return's"
    )
    trips: int


class IncomeLineOut(BaseModel):
    """One line of a year's income by head and what each set-off took from it (Schedules BP
    E, CG, CYLA, BFLA and SI)."""

    head: Literal["business", "speculative", "other_sources", "stcg", "ltcg"]
    label: str = Field(description="the head, or the section and rate, as the return names it")
    rate: Decimal | None = Field(description="the special rate; None: taxed at your slab")
    net: Paise = Field(description="the year's net before any set-off (a loss negative)")
    within_head: Decimal = Field(description="the year's losses of the same head (s.70)")
    across_heads: Decimal = Field(description="the year's F&O loss (s.71, Schedule CYLA)")
    brought_forward: Decimal = Field(description="earlier years' losses (Schedule BFLA)")
    left: Decimal = Field(description="income left after every set-off")
    exemption: Decimal = Field(description="the s.112A exemption used")
    taxable: Paise
    tax: Paise | None = Field(description="taxable × rate; None for slab income")


class Schedule112AOut(BaseModel):
    """A line of Schedule 112A (ITR-2/ITR-3), its columns as the form numbers them."""

    acquired: Literal["BE", "AE"] = Field(
        description="column 1a: BE on or before 31 January 2018 (grandfathered), AE after"
    )
    transferred: Literal["BE", "AE"] = Field(
        description="column 1b: BE sold before 23 July 2024 (LTCG at 10 %), AE on or after (12.5 %)"
    )
    isin: str | None = Field(description="column 2; None where the trades named none")
    name: str = Field(description="column 3")
    units: Decimal = Field(description="column 4 (the form takes none for an AE row)")
    sale_price: Paise | None = Field(
        description="column 5, per unit; None for an AE row (the form takes column 6 whole)"
    )
    consideration: Decimal = Field(description="column 6 = 4 × 5, to the paisa")
    cost: Paise = Field(description="column 7: the higher of 8 and 9")
    actual_cost: Paise = Field(description="column 8")
    lower_of_fmv_and_sale: Paise | None = Field(description="column 9: the lower of 6 and 11")
    fmv_per_unit: Decimal | None = Field(description="column 10: FMV on 31 January 2018")
    fmv_total: Paise | None = Field(description="column 11 = 4 × 10")
    expenditure: Decimal = Field(
        description="column 12: expenditure on the transfer, the charges other than STT"
    )
    deductions: Decimal = Field(description="column 13 = 7 + 12")
    balance: Paise = Field(description="column 14 = 6 − 13")


class TaxOut(BaseModel):
    """A financial year's tax P&L: facts to check, not advice."""

    fy: str
    speculative: BusinessOut
    non_speculative: BusinessOut
    capital_gains: list[GainsBucketOut]
    buyback_dividend: Paise
    buyback_exempt_gain: Paise
    charges_not_deducted: Paise
    unmatched_isins: list[str]
    schedule_112a: list[Schedule112AOut]
    income: list[IncomeLineOut] = Field(
        description="the year's income by head after the Act's set-offs (the return's)"
    )
    special_rate_tax: Decimal = Field(
        description="tax on the capital gains at their special rates after every set-off and "
        "the s.112A exemption, before surcharge and cess: the return's Schedule SI"
    )
    slab_income: Paise = Field(
        description="business and other income left after the set-offs, taxed at your slab"
    )
    note: str


class ExportOut(BaseModel):
    """A file to save: its name, type and bytes (base64)."""

    filename: str
    media_type: str
    content_base64: str


class StatsOut(BaseModel):
    """Results of a set of trades (a trade: one close, net of charges)."""

    count: int
    win_rate: Decimal = Field(description="a fraction: 0.6250 is 62.5 %")
    expectancy: Decimal = Field(description="mean net P&L a trade")
    average_winner: Paise | None
    average_loser: Paise | None = Field(description="as a positive amount")
    risk_reward: Decimal | None = Field(description="average winner ÷ average loser")
    total: Paise


class EdgeOut(StatsOut):
    """One symbol's edge and its bucket."""

    symbol: str
    bucket: str = Field(description="strong, moderate, negative or too_few")
    warnings: list[str] = Field(description="small sample, high variance (moderate edges)")


class EdgeFinderOut(BaseModel):
    """Every symbol traded, best edge first."""

    min_trades: int
    symbols: list[EdgeOut]


class PatternBucketOut(StatsOut):
    """One bucket of a dimension."""

    label: str


class PatternDimensionOut(BaseModel):
    """A dimension and its buckets, and whether a bucket can become a strategy rule."""

    name: str
    buckets: list[PatternBucketOut]
    makes_rule: bool = Field(
        description="a bucket can be saved as a strategy (POST /api/journal/patterns/strategy)"
    )
    why_not: str | None = Field(description="why this dimension cannot be a market rule")


class PatternStrategyIn(Strict):
    """A finding of your Patterns: the dimension and the bucket."""

    dimension: str = Field(min_length=1, max_length=40, examples=["rsi_zone"])
    bucket: str = Field(min_length=1, max_length=80, examples=[">70"])


class SuggestedBacktestOut(BaseModel):
    """A backtest of the new strategy over your journal's years: post it to
    ``/api/backtest/runs`` as it is (the other fields take their defaults)."""

    strategy_id: int
    universe: str | list[str] = Field(description="a universe name, or a sector's symbols")
    start_date: date
    end_date: date


class PatternStrategyOut(BaseModel):
    """The strategy saved from a finding, and the backtest of it to run."""

    strategy_id: int
    name: str
    rule: str = Field(description="the rule in words")
    caveat: str = Field(description="how the rule differs from the journal's own measure")
    backtest: SuggestedBacktestOut


class PatternsOut(BaseModel):
    """Results by dimension; ``not_computed`` names the market dimensions no trade had
    daily closes for (import the symbols' history: bhavcopies)."""

    dimensions: list[PatternDimensionOut]
    not_computed: list[str]


class IndexSeriesOut(BaseModel):
    """An imported benchmark series."""

    name: str
    first: date
    last: date
    days: int


class IndexImportOut(BaseModel):
    """What an index-history file brought."""

    names: list[str]
    rows_read: int
    rows_added: int = Field(description="new days (a day already stored is updated)")
    first: date
    last: date


class BenchmarkPointOut(BaseModel):
    day: date
    you: Decimal = Field(description="your account, normalised to 1 on the first day")
    benchmark: Decimal = Field(description="the benchmark, normalised to 1 on the first day")


class BenchmarkMetricsOut(BaseModel):
    """Fractions (0.1234 is 12.34 %); Sharpe a ratio."""

    cagr: Decimal | None
    xirr: Decimal | None
    sharpe: Decimal | None
    max_drawdown: Decimal | None = Field(description="the worst fall from a peak, negative")
    total_return: Decimal | None


class BenchmarkOut(BaseModel):
    """Your equity against an index, both normalised. Without the index's imported
    history ``missing`` says what to import and the rest is empty."""

    index: str
    period: Literal["all", "1y", "3y", "5y"]
    choices: list[str] = Field(description="the indices offered, and every series imported")
    imported: list[IndexSeriesOut]
    missing: str | None
    start: date | None
    end: date | None
    you: BenchmarkMetricsOut | None
    benchmark: BenchmarkMetricsOut | None
    alpha: Decimal | None = Field(description="annualised, a fraction")
    beta: Decimal | None
    correlation: Decimal | None
    points: list[BenchmarkPointOut]
    assumptions: list[str]


class FmvImportOut(BaseModel):
    """What a 31-Jan-2018 FMV file brought, and what is still missing."""

    rows_read: int
    rows_added: int
    rows_updated: int
    isins_needed: int = Field(description="ISINs you bought on or before 31-Jan-2018")
    unmatched_isins: list[str] = Field(
        description="of those, ISINs no FMV file covers: their actual cost is used"
    )


class FmvStatusOut(BaseModel):
    """The FMVs in use: the shipped file's and yours."""

    shipped: int
    imported: int
    isins_needed: int
    unmatched_isins: list[str]


class SettlementPriceIn(Strict):
    """An F&O underlying's final settlement price on an expiry day: its close that day, as
    the exchange published it. Every expired contract of it settles at it."""

    underlying: str = Field(
        min_length=1, max_length=32, pattern=r"^[A-Z0-9&-]+$", description="NIFTY, RELIANCE"
    )
    expiry: date
    price: Price


class SettlementPriceOut(BaseModel):
    """A settlement price entered, or one the journal's expired contracts wait on."""

    underlying: str
    expiry: date
    price: Decimal | None = Field(description="null: still needed")
    symbols: list[str] = Field(description="the expired contracts of it the journal holds")

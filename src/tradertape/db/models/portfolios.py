"""Model portfolios: one strategy version run with capital and guardrails, its signals and
its positions. Money is Decimal; prices as the broker quotes them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned
from tradertape.db.models.trading import MONEY, PRICE


class ModelPortfolio(Owned, Base):
    """A deployed strategy. Capital: ``current`` (free cash) + ``deployed`` (open positions at
    cost) + ``committed`` (entries waiting at the broker) = total capital."""

    __tablename__ = "model_portfolios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_strategies.id", ondelete="SET NULL"), index=True
    )
    strategy_version: Mapped[int]
    strategy_snapshot: Mapped[dict[str, Any]]  # the pinned document
    broker: Mapped[str] = mapped_column(String(20))  # paper | a domain.brokers.BrokerName
    universe: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))  # active | paused | retired
    starting_capital: Mapped[Decimal] = mapped_column(MONEY)
    current_capital: Mapped[Decimal] = mapped_column(MONEY)
    deployed_capital: Mapped[Decimal] = mapped_column(MONEY)
    committed_capital: Mapped[Decimal] = mapped_column(MONEY)
    realised_pnl: Mapped[Decimal] = mapped_column(MONEY)
    charges_paid: Mapped[Decimal] = mapped_column(MONEY)
    position_size_pct: Mapped[Decimal] = mapped_column(PRICE)
    max_positions: Mapped[int]
    max_per_sector: Mapped[int | None]
    max_oversubscription: Mapped[Decimal] = mapped_column(PRICE)
    min_hold_days: Mapped[int]
    atr_stop_multiplier: Mapped[Decimal] = mapped_column(PRICE)
    slippage_bps: Mapped[Decimal] = mapped_column(PRICE)
    auto_place_signals: Mapped[bool]
    paper_mode: Mapped[bool]
    paper_fill: Mapped[str] = mapped_column(String(12))  # gtt | close | next_open
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_scan_date: Mapped[date | None]
    last_scan_at: Mapped[datetime | None]
    # The last scan's day was past the NSE holiday list (a guessed session)
    last_scan_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    equity_curve: Mapped[list[dict[str, Any]]]  # {date, equity, ...} at each scan's close
    # Who places its orders: "server" (the cloud, at the broker or on paper) or "agent"
    # (the user's local agent polls its signals; the server places nothing for it)
    executor: Mapped[str] = mapped_column(String(8), default="server", server_default="server")
    # What the agent places for it: "gtt" (a GTT at the signal's trigger), or an immediate
    # "limit" or "market" order (seed 000's SEBI case: orders from the user's own static IP)
    agent_placement: Mapped[str] = mapped_column(String(8), default="gtt", server_default="gtt")


class ModelSignal(Owned, Base):
    """One trade idea of a scan: an entry, an add-on or an exit (or a candidate a cap
    dropped, kept with ``status='dropped'`` and the reason)."""

    __tablename__ = "model_signals"
    __table_args__ = (Index("ix_model_signals_portfolio_status", "portfolio_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("model_portfolios.id", ondelete="CASCADE"))
    position_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_positions.id", ondelete="SET NULL")
    )
    strategy_version: Mapped[int]
    symbol: Mapped[str] = mapped_column(String(64))
    sector: Mapped[str | None] = mapped_column(String(80))
    signal_date: Mapped[date]
    signal_type: Mapped[str] = mapped_column(String(8))  # entry | addon | exit
    side: Mapped[str] = mapped_column(String(4))
    close_price: Mapped[Decimal] = mapped_column(PRICE)
    trigger_price: Mapped[Decimal | None] = mapped_column(PRICE)
    limit_price: Mapped[Decimal | None] = mapped_column(PRICE)
    quantity: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    atr: Mapped[Decimal | None] = mapped_column(PRICE)  # at the signal: the stop's distance
    conviction_score: Mapped[float | None]
    conviction_rank: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(64))
    indicator_snapshot: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    gtt_id: Mapped[int | None]
    gtt_status: Mapped[str | None] = mapped_column(String(16))
    order_id: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    executed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    # Scanned on a day past the NSE holiday list (weekdays assumed to trade)
    provisional_calendar: Mapped[bool] = mapped_column(default=False, server_default=false())


class ModelPosition(Owned, Base):
    """An open (or closed) position of a portfolio."""

    __tablename__ = "model_positions"
    __table_args__ = (Index("ix_model_positions_portfolio_status", "portfolio_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("model_portfolios.id", ondelete="CASCADE"))
    signal_id: Mapped[int | None]
    symbol: Mapped[str] = mapped_column(String(64))
    sector: Mapped[str | None] = mapped_column(String(80))
    quantity: Mapped[int]
    base_quantity: Mapped[int]  # the first lot: add-ons are sized on it
    entry_price: Mapped[Decimal] = mapped_column(PRICE)  # average, add-ons included
    entry_date: Mapped[date]
    held_from: Mapped[date]  # the first bar held through its close
    addon_count: Mapped[int]
    last_addon_date: Mapped[date | None]
    highest_close: Mapped[Decimal] = mapped_column(PRICE)
    stop_price: Mapped[Decimal | None] = mapped_column(PRICE)
    stop_gtt_id: Mapped[int | None]
    exit_gtt_id: Mapped[int | None]
    # The broker's id of the order that opened it, as the agent reported it
    entry_order_id: Mapped[str | None] = mapped_column(String(64))
    conviction: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(16))  # open | exit_pending | closed | orphaned
    exit_price: Mapped[Decimal | None] = mapped_column(PRICE)
    exit_date: Mapped[date | None]
    exit_reason: Mapped[str | None] = mapped_column(String(64))
    # What it was charged and realised are the ledger's (`portfolios.position_money`)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

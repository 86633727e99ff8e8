"""Risk rules a user sets, and the log of entries the pre-trade check refused or warned about.

A rule's scope is the whole account, one model portfolio or one worker run (an mtm_exit
rule may instead watch one book: the manual one or a live broker account's). The scope ids
are plain columns without foreign keys: portfolios and runs live in their own aggregates,
and a rule must outlive (or predate) the code that owns them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned
from tradertape.db.types import ExactDecimal

MONEY = ExactDecimal(20, 4)
PRICE = ExactDecimal(18, 4)
PCT = ExactDecimal(9, 4)


class RiskRule(Owned, Base):
    """One guardrail: its type, threshold(s), what a breach does, and its scope."""

    __tablename__ = "risk_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(8))  # block | warn
    enabled: Mapped[bool] = mapped_column(default=True)
    threshold_amount: Mapped[Decimal | None] = mapped_column(MONEY)  # ₹
    threshold_pct: Mapped[Decimal | None] = mapped_column(PCT)  # % of capital
    threshold_count: Mapped[int | None]
    portfolio_id: Mapped[int | None]  # scope: one model portfolio
    worker_run_id: Mapped[int | None]  # scope: one worker run
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # An mtm_exit rule's target and trail (its loss is `threshold_amount`), and its state,
    # kept here so a restart finds it: the day's peak MTM, the trip, the pause.
    target_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    trail_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    mtm_day: Mapped[date | None]  # the trading day `mtm_peak` is of
    mtm_peak: Mapped[Decimal | None] = mapped_column(MONEY)
    tripped_at: Mapped[datetime | None]
    trip_reason: Mapped[str | None] = mapped_column(Text)
    # An mtm_exit rule's book when it names no portfolio or run: ``manual`` (the desk's
    # hand-placed orders) or ``live:<broker>`` (a real broker account); None: the scope's.
    book: Mapped[str | None] = mapped_column(String(32))


class RiskEvent(Owned, Base):
    """One breach found by the pre-trade check: what was refused or warned about, and why."""

    __tablename__ = "risk_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("risk_rules.id", ondelete="SET NULL"))
    rule_type: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(8))  # block | warn: what the breach did
    origin: Mapped[str] = mapped_column(String(20))  # api | portfolio | worker | ...
    portfolio_id: Mapped[int | None]
    worker_run_id: Mapped[int | None]
    symbol: Mapped[str] = mapped_column(String(80))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[int]
    price: Mapped[Decimal] = mapped_column(PRICE)
    value: Mapped[Decimal | None] = mapped_column(MONEY)  # what the rule measured
    threshold: Mapped[Decimal | None] = mapped_column(MONEY)  # the limit it measured against
    message: Mapped[str] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(String(32))  # the paper order it was about
    context: Mapped[dict[str, Any]]  # the caller's references (signal id, intent id...)

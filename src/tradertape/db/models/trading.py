"""The OMS ledger: orders and their event history, trades, and the cash ledger.

One `Order` row is our record of an order at any broker; for the paper broker it is
also the exchange's book. Money columns are exact decimals. Positions and holdings
are derived from trades, so they can never drift from the executions behind them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned, OwnedByKey
from tradertape.db.rows import sql_string
from tradertape.db.types import ExactDecimal
from tradertape.domain.order_state import MAY_FILL
from tradertape.domain.owners import Owner

# An order that may still fill: working at the exchange, waiting for the session (AMO), or
# not yet placed at its broker (`domain.order_state.MAY_FILL`); a read of any of these
# statuses seeks `ix_orders_user_working`.
WORKING_ORDERS_SQL = f"status IN ({', '.join(sql_string(s) for s in MAY_FILL)})"

# Exact on both backends; sums are taken in Python over Decimals, never in SQL floats.
PRICE = ExactDecimal(18, 4)
MONEY = ExactDecimal(20, 4)
# Unrounded running parts of a contract note: any fixed scale would drift by paise.
RAW = ExactDecimal()


class Order(OwnedByKey, Base):
    """An order as placed, and where it stands now."""

    __tablename__ = "orders"
    __table_args__ = (
        # The idempotency guarantee: one order per client key per user, enforced by the database.
        UniqueConstraint("user_id", "client_key"),
        Index("ix_orders_broker_status", "broker", "status"),
        # A user's reads at one broker seek that user's rows: with the broker-led indexes
        # alone SQLite's planner walked every user's orders at the broker. The funds check
        # finds a user's working orders by status; the order book today's by time.
        Index("ix_orders_user_broker_status", "user_id", "broker", "status"),
        Index("ix_orders_user_broker_placed", "user_id", "broker", "placed_at"),
        # The orders that may still fill, and only those: every placement's funds check and
        # risk book read them, and the index stays as small as a user's working orders
        # whatever the planner knows of the table (migration 0038).
        Index(
            "ix_orders_user_working",
            "user_id",
            "broker",
            postgresql_where=text(WORKING_ORDERS_SQL),
            sqlite_where=text(WORKING_ORDERS_SQL),
        ),
        # A broker's report (postback, socket, poll) finds its order by the broker's id.
        Index("ix_orders_broker_order", "broker", "broker_order_id", unique=True),
        # A sliced order's children, read together (a replay of its key, the book). Partial:
        # few orders are slices, and a planner offered a full (user_id, …) index would take
        # it for the user's working orders too.
        Index(
            "ix_orders_slice_parent",
            "slice_parent",
            postgresql_where=text("slice_parent IS NOT NULL"),
            sqlite_where=text("slice_parent IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32), unique=True)
    broker: Mapped[str] = mapped_column(String(20))
    broker_order_id: Mapped[str | None] = mapped_column(String(40))  # live orders only
    client_key: Mapped[str | None] = mapped_column(String(160))
    exchange: Mapped[str] = mapped_column(String(8))
    tradingsymbol: Mapped[str] = mapped_column(String(64))
    instrument_token: Mapped[int]
    transaction_type: Mapped[str] = mapped_column(String(4))
    product: Mapped[str] = mapped_column(String(8))
    order_type: Mapped[str] = mapped_column(String(8))
    variety: Mapped[str] = mapped_column(String(10))
    validity: Mapped[str] = mapped_column(String(4))
    validity_ttl: Mapped[int | None]
    quantity: Mapped[int]
    price: Mapped[Decimal | None] = mapped_column(PRICE)
    trigger_price: Mapped[Decimal | None] = mapped_column(PRICE)
    disclosed_quantity: Mapped[int | None]
    market_protection: Mapped[int | None]
    iceberg_legs: Mapped[int | None]
    iceberg_quantity: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(24))
    status_message: Mapped[str | None] = mapped_column(Text)
    filled_quantity: Mapped[int] = mapped_column(default=0)
    average_price: Mapped[Decimal] = mapped_column(PRICE, default=Decimal(0))
    filled_value: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))  # for brokerage caps
    triggered: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(20))  # api | gtt | portfolio | worker | squareoff
    # its book (tradertape.domain.books): manual, portfolio:<id>, run:<id>, live:<broker>
    book: Mapped[str] = mapped_column(String(32), default="manual", server_default="manual")
    # SEBI's retail-algo rules, live orders only: the algo id it was sent under, and the
    # local IP address it left this server from (docs/live-trading.md).
    algo_id: Mapped[str | None] = mapped_column(String(32))
    egress_ip: Mapped[str | None] = mapped_column(String(45))
    # An order above its freeze quantity is placed as children (`oms.slicing`): each
    # carries its parent's key, so the book shows them as one order.
    slice_parent: Mapped[str | None] = mapped_column(String(40))
    attribution: Mapped[dict[str, Any]]
    # Whose it is (`domain.owners.Owner`): the kind, and the owner row's id when it has one
    # (a portfolio's, a worker run's, an alert's, ...). Its policy answers its book, risk
    # scope, lock and notices (`oms.owners`); the attribution above stays as published.
    owner_kind: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    placed_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]

    @property
    def owner(self) -> Owner:
        """Whose the order is, as its columns store it."""
        return Owner.of(self.owner_kind, self.owner_id)

    @classmethod
    def owned_by(cls, owner: Owner) -> ColumnElement[bool]:
        """The condition that an order is `owner`'s, on its owner columns (a query never
        reads who an order is from its attribution's tags)."""
        return and_(cls.owner_kind == owner.kind.value, cls.owner_id == owner.id)


class OrderEventRow(Base):
    """One step of an order's history (Kite's order history)."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status_after: Mapped[str] = mapped_column(String(24))
    ts_event: Mapped[datetime]
    ts_init: Mapped[datetime]
    fill_quantity: Mapped[int] = mapped_column(default=0)
    fill_price: Mapped[Decimal | None] = mapped_column(PRICE)
    message: Mapped[str | None] = mapped_column(Text)
    # A modification's terms before and after, in order: ``[{field, old, new}]`` (values as
    # the order holds them: decimals as text). None for every other event, and for changes
    # recorded before they were kept.
    changes: Mapped[list[dict[str, Any]] | None]


class Trade(OwnedByKey, Base):
    """One execution, with the charges it added to its day's contract note."""

    __tablename__ = "trades"
    __table_args__ = (
        # A delivery sell checks the holding of one symbol, not the user's whole history.
        Index("ix_trades_user_symbol", "user_id", "tradingsymbol"),
        # A broker's trade is booked once, however many reporters bring it. Per order: an
        # exchange's trade number is shared by both sides (two of our users may be them)
        # and repeats across days and segments; a trade belongs to one order. It leads with
        # the order: an order's trades (and a deleted order's cascade) are read by it.
        Index("ix_trades_order_broker_trade", "order_pk", "broker_trade_id", unique=True),
        # A view of one book reads its trades only.
        Index("ix_trades_user_book", "user_id", "book"),
        # A ledger at one broker reads its trades in order, and after a version only those
        # past the last one it saw (`trades.id > ?`), not the user's whole history.
        Index("ix_trades_user_broker_id", "user_id", "broker", "id"),
        # The journal's check of its kept book: a user's newest fill, one index step.
        Index("ix_trades_user_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[str] = mapped_column(String(32), unique=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    broker: Mapped[str] = mapped_column(String(20))
    exchange: Mapped[str] = mapped_column(String(8))
    tradingsymbol: Mapped[str] = mapped_column(String(64))
    instrument_token: Mapped[int]
    product: Mapped[str] = mapped_column(String(8))
    transaction_type: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[int]
    price: Mapped[Decimal] = mapped_column(PRICE)
    filled_at: Mapped[datetime]
    trade_date: Mapped[str] = mapped_column(String(10), index=True)  # IST date, ISO
    charges: Mapped[Decimal] = mapped_column(MONEY)
    # Why these charges differ from an identical fill's (the day's DP charge, same-day
    # netting, STT's rupee rounding: domain.charge_notes); None when nothing did
    charges_note: Mapped[str | None] = mapped_column(Text)
    # The broker's trade id (its tradebook, the contract note); None on paper and for a live
    # fill booked by cumulative difference (see oms.broker_trades).
    broker_trade_id: Mapped[str | None] = mapped_column(String(40))
    book: Mapped[str] = mapped_column(String(32), default="manual", server_default="manual")


class CashEntry(Owned, Base):
    """A movement of the paper account's cash (deposit, trade value, charges)."""

    __tablename__ = "cash_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    broker: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # deposit | allocation | buy | sell | charges
    amount: Mapped[Decimal] = mapped_column(MONEY)
    trade_pk: Mapped[int | None] = mapped_column(ForeignKey("trades.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    book: Mapped[str] = mapped_column(String(32), default="manual", server_default="manual")


class Gtt(Owned, Base):
    """A good-till-triggered trigger (Kite's GTT): single, or two-leg OCO."""

    __tablename__ = "gtts"
    __table_args__ = (
        Index("ix_gtts_symbol_status", "exchange", "tradingsymbol", "status"),
        Index("ix_gtts_broker_trigger", "broker", "broker_trigger_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # Kite's trigger_id
    broker: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(8))  # single | two-leg
    exchange: Mapped[str] = mapped_column(String(8))
    tradingsymbol: Mapped[str] = mapped_column(String(64))
    instrument_token: Mapped[int]
    trigger_values: Mapped[list[str]]  # decimals as strings, ascending for two-leg
    last_price: Mapped[Decimal] = mapped_column(PRICE)  # LTP when created: sets the direction
    orders: Mapped[list[dict[str, Any]]]  # LIMIT orders, index-aligned with trigger_values
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    triggered_at: Mapped[datetime | None]
    triggered_leg: Mapped[int | None]
    order_pk: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    result: Mapped[dict[str, Any] | None]
    # A live trigger's id at its broker (None on paper, and while its placement is unsent)
    broker_trigger_id: Mapped[str | None] = mapped_column(String(40))
    # Who asked for it (a worker run's names), passed to the order it places when it fires
    attribution: Mapped[dict[str, Any] | None]
    # Its validity reaches past the NSE holiday list: some days it may fire on are guesses
    provisional_calendar: Mapped[bool] = mapped_column(default=False, server_default=false())


class ChargeDayRow(OwnedByKey, Base):
    """The running contract note of one user's trading day (see domain.charge_day)."""

    __tablename__ = "charge_days"
    __table_args__ = (UniqueConstraint("user_id", "broker", "trade_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broker: Mapped[str] = mapped_column(String(20))
    trade_date: Mapped[str] = mapped_column(String(10))
    brokerage: Mapped[Decimal] = mapped_column(RAW)
    exchange_txn: Mapped[Decimal] = mapped_column(RAW)
    ipft: Mapped[Decimal] = mapped_column(RAW)
    sebi: Mapped[Decimal] = mapped_column(RAW)
    stamp: Mapped[Decimal] = mapped_column(RAW)
    stt_raw: Mapped[dict[str, Any]]  # contract-note group → unrounded STT as text
    dp_isins: Mapped[list[str]]  # a note stored before `delivery_flows`: ISIN=value sold
    # the day's delivery-product fills per book, exchange and instrument (domain.day_netting)
    delivery_flows: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    total: Mapped[Decimal] = mapped_column(MONEY)


class PaperPosition(OwnedByKey, Base):
    """The running net position of one symbol and product (the sum of its trades, kept current).

    Written with each fill under the user's ledger lock, so the funds check reads a
    user's open positions in one indexed statement instead of summing every trade.
    """

    __tablename__ = "paper_positions"
    __table_args__ = (
        UniqueConstraint("user_id", "broker", "exchange", "tradingsymbol", "product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broker: Mapped[str] = mapped_column(String(20))
    exchange: Mapped[str] = mapped_column(String(8))
    tradingsymbol: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int]  # signed: bought − sold
    buy_quantity: Mapped[int]
    buy_value: Mapped[Decimal] = mapped_column(MONEY)
    sell_quantity: Mapped[int]
    sell_value: Mapped[Decimal] = mapped_column(MONEY)


class PaperAccount(OwnedByKey, Base):
    """The paper account's running cash (the sum of its cash entries, kept current), and
    how often its books were written: a cache of anything booked here (the risk monitor's
    folded trades) is current while these match what it saw.

    ``version`` moves with every write of the account's books (a fill, a deposit, an
    allocation, an erased fill); ``rewritten`` moves only when booked trades are taken
    back (a reset portfolio's virtual fills), so a reader that saw ``rewritten`` unchanged
    knows the trades it folded are all still there and new ones have higher ids.

    ``ledger_stamp`` is set anew, at random, by the same writes: the read views' snapshot of the
    ledger (`oms.paper.snapshot`) is current while it matches. Random, not counted, so a
    stamp set by a transaction that then rolls back is never a committed ledger's.
    """

    __tablename__ = "paper_accounts"
    __table_args__ = (UniqueConstraint("user_id", "broker"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broker: Mapped[str] = mapped_column(String(20))
    cash: Mapped[Decimal] = mapped_column(MONEY)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    rewritten: Mapped[int] = mapped_column(default=0, server_default="0")
    ledger_stamp: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")

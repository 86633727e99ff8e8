"""Each paper book of a user with its words and figures, and "All" as their sum.

A book's figures come from the same views the pages show (`PaperPortfolio` filtered to the
book), so the Funds page, the book filter and the totals cannot disagree with Positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from tradertape.db.models.portfolios import ModelPortfolio
from tradertape.db.models.trading import CashEntry, Trade
from tradertape.db.models.workers import WorkerRun
from tradertape.domain import books
from tradertape.domain.money import paise
from tradertape.oms.paper.portfolio import PaperPortfolio

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class BookSummary:
    """One book: its key and words, cash, open positions and today's P&L (money sums over
    the books into "All"; an instrument held in two books is one position of "All")."""

    book: str
    label: str
    kind: str  # manual | portfolio | run | all
    cash: Decimal
    opening_balance: Decimal
    open_positions: int
    positions_value: Decimal
    realised_today: Decimal
    pnl_today: Decimal  # realised and open, against the day's start (the top bar's figure)
    unrealised: Decimal  # open P&L against the average cost


def summaries(db: Session, paper: PaperPortfolio, *, user_id: int) -> list[BookSummary]:
    """The user's paper books (manual first, then portfolios and runs by id), then "All"."""
    keys = _keys(db, user_id)
    labels = _labels(db, user_id, keys)
    read = [_summary(db, paper, user_id, key, labels.get(key, key)) for key in keys]
    rows = [summary for summary, _ in read]
    held: dict[str, int] = {}
    for _, holding in read:
        for instrument, quantity in holding.items():
            held[instrument] = held.get(instrument, 0) + quantity
    total = BookSummary(
        book=books.ALL,
        label="All books",
        kind="all",
        cash=sum((r.cash for r in rows), _ZERO),
        opening_balance=sum((r.opening_balance for r in rows), _ZERO),
        # one instrument held in two books is one open position of the account
        open_positions=sum(1 for q in held.values() if q),
        positions_value=sum((r.positions_value for r in rows), _ZERO),
        realised_today=sum((r.realised_today for r in rows), _ZERO),
        pnl_today=sum((r.pnl_today for r in rows), _ZERO),
        unrealised=sum((r.unrealised for r in rows), _ZERO),
    )
    return [*rows, total]


def _keys(db: Session, user_id: int) -> list[str]:
    found = set(
        db.scalars(
            union(
                select(CashEntry.book).where(
                    CashEntry.user_id == user_id, CashEntry.broker == books.PAPER_BROKER
                ),
                select(Trade.book).where(
                    Trade.user_id == user_id, Trade.broker == books.PAPER_BROKER
                ),
            )
        )
    )
    found.add(books.MANUAL)
    return sorted(found, key=_order)


def _order(key: str) -> tuple[int, int, str]:
    portfolio, run = books.portfolio_of(key), books.run_of(key)
    if key == books.MANUAL:
        return (0, 0, key)
    if portfolio is not None:
        return (1, portfolio, key)
    if run is not None:
        return (2, run, key)
    return (3, 0, key)


def _labels(db: Session, user_id: int, keys: list[str]) -> dict[str, str]:
    labels = {books.MANUAL: "Manual"}
    portfolio_ids = [p for p in map(books.portfolio_of, keys) if p is not None]
    run_ids = [r for r in map(books.run_of, keys) if r is not None]
    if portfolio_ids:
        for pid, name in db.execute(
            select(ModelPortfolio.id, ModelPortfolio.name).where(
                ModelPortfolio.user_id == user_id, ModelPortfolio.id.in_(portfolio_ids)
            )
        ):
            labels[books.portfolio_book(pid)] = f"Portfolio: {name}"
    if run_ids:
        for rid, name in db.execute(
            select(WorkerRun.id, WorkerRun.name).where(
                WorkerRun.user_id == user_id, WorkerRun.id.in_(run_ids)
            )
        ):
            labels[books.run_book(rid)] = f"Worker run: {name}"
    return labels


def _summary(
    db: Session, paper: PaperPortfolio, user_id: int, key: str, label: str
) -> tuple[BookSummary, dict[str, int]]:
    """One book's figures, and what it holds of each instrument (``NSE:INFY`` → quantity)."""
    flows = paper.cash_flows(db, user_id, key)
    today = paper.day_pnl(db, user_id=user_id, book=key)
    net = paper.positions(db, user_id=user_id, book=key)["net"]
    holdings = paper.holdings(db, user_id=user_id, book=key)
    held: dict[str, int] = {}
    value = unrealised = _ZERO
    for row in net:
        if row["product"] == "CNC":
            continue  # delivery bought or sold today is also in holdings (t1): counted there
        instrument = f"{row['exchange']}:{row['tradingsymbol']}"
        held[instrument] = held.get(instrument, 0) + row["quantity"]
        value += Decimal(str(row["last_price"])) * row["quantity"]
        unrealised += Decimal(str(row["unrealised"]))
    for row in holdings:
        instrument = f"{row['exchange']}:{row['tradingsymbol']}"
        quantity = row["quantity"] + row["t1_quantity"]
        held[instrument] = held.get(instrument, 0) + quantity
        value += Decimal(str(row["last_price"])) * quantity
        unrealised += Decimal(str(row["pnl"]))
    summary = BookSummary(
        book=key,
        label=label,
        kind="manual" if key == books.MANUAL else key.split(":", 1)[0],
        cash=paise(flows.cash),
        opening_balance=paise(flows.opening),
        open_positions=sum(1 for q in held.values() if q),
        positions_value=paise(value),
        realised_today=paise(today.realised),
        pnl_today=paise(today.total),
        unrealised=paise(unrealised),
    )
    return summary, held

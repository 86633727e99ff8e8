"""The contracts a user's journal holds past their expiry, with the price each settles at.

A contract's settlement price is its underlying's close on the expiry day (NSE's final
settlement price), found, in this order, among what the server has for the user:

1. the price the user entered for that underlying and day (`SettlementPrice`,
   ``PUT /api/journal/settlement-prices``): the exchange's own figure wins;
2. NSE's F&O bhavcopy of the expiry day, imported into the install's `FoStore`
   (``tradertape data import-fo-bhavcopy`` or the Uploads page): a future's own settlement
   price (``SttlmPric``), an option's underlying close (``UndrlygPric``; in the legacy layout
   the expiring future's settlement price, which is that close), as NSE settles them;
3. an index's imported daily closes (the Benchmark's importer, `wealth_index_closes`,
   by the index's name: ``NIFTY`` → ``NIFTY 50``).

None found: the contract stays open as "expired: settlement price needed" (`journal.expiry`)
until one is entered or imported; no model price ever stands in for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles.fo_store import FoStore
from tradertape.db.models import IndexClose, SettlementPrice, Trade, UploadedTrade
from tradertape.domain.charge_rates import schedules_of
from tradertape.domain.expiry import Contract, index_underlyings
from tradertape.journal.benchmark import index_name
from tradertape.journal.expiry import Expiring, expired

EQUITY_DERIVATIVES = ("NFO", "BFO")  # commodity and currency contracts settle otherwise


@cache
def index_names() -> dict[str, str]:
    """F&O underlying → its index's name as closes are imported (``NIFTY`` → ``NIFTY 50``):
    the underlyings settled in cash."""
    return {u: index_name(i.tradingsymbol) for u, i in index_underlyings().items()}


def _held(db: Session, user_id: int) -> tuple[list[tuple[str, str, date | None]], dict[str, str]]:
    """Every (exchange, symbol, expiry) the user traded in equity derivatives, and the
    broker of each symbol (whose schedule charges its settlement)."""
    uploaded = select(
        UploadedTrade.exchange, UploadedTrade.symbol, UploadedTrade.expiry, UploadedTrade.broker
    ).where(UploadedTrade.user_id == user_id, UploadedTrade.exchange.in_(EQUITY_DERIVATIVES))
    booked = select(Trade.exchange, Trade.tradingsymbol, Trade.broker).where(
        Trade.user_id == user_id, Trade.exchange.in_(EQUITY_DERIVATIVES)
    )
    held: list[tuple[str, str, date | None]] = []
    brokers: dict[str, str] = {}
    for exchange, symbol, expiry, broker in db.execute(uploaded.distinct()):
        held.append((exchange, symbol, expiry))
        brokers.setdefault(symbol, broker)
    for exchange, symbol, broker in db.execute(booked.distinct()):
        held.append((exchange, symbol, None))
        brokers.setdefault(symbol, broker)
    return held, brokers


def _closes(
    db: Session, user_id: int, wanted: Iterable[tuple[str, date]]
) -> tuple[dict[tuple[str, date], Decimal], set[tuple[str, date]]]:
    """(underlying, day) → its close, of the `wanted` ones the server has for the user; and
    which of them the user entered."""
    wanted = set(wanted)
    entered_keys: set[tuple[str, date]] = set()
    if not wanted:
        return {}, entered_keys
    days = sorted({day for _, day in wanted})
    found: dict[tuple[str, date], Decimal] = {}
    names = index_names()
    by_name = {names[u]: u for u, _ in wanted if u in names}
    if by_name:
        query = select(IndexClose.name, IndexClose.day, IndexClose.close).where(
            IndexClose.user_id == user_id,
            IndexClose.name.in_(sorted(by_name)),
            IndexClose.day.in_(days),
        )
        for name, day, close in db.execute(query):
            if (by_name[name], day) in wanted:
                found[by_name[name], day] = close
    entered = select(SettlementPrice.underlying, SettlementPrice.expiry, SettlementPrice.price)
    query = entered.where(
        SettlementPrice.user_id == user_id,
        SettlementPrice.underlying.in_(sorted({u for u, _ in wanted})),
        SettlementPrice.expiry.in_(days),
    )
    for underlying, day, price in db.execute(query):
        if (underlying, day) in wanted:
            found[underlying, day] = price  # the user's entry wins
            entered_keys.add((underlying, day))
    return found, entered_keys


def from_bhavcopy(fo: FoStore, contracts: dict[str, Contract]) -> dict[str, Decimal]:
    """Symbol → what settles it, from the F&O bhavcopy of its expiry day: a future's own
    settlement price, an option's underlying close (where the files have them)."""
    found: dict[str, Decimal] = {}
    closes: dict[tuple[str, date], Decimal | None] = {}
    for symbol, contract in contracts.items():
        if not contract.option:
            settled = fo.settlement(contract, contract.expiry)
            if settled is not None:
                found[symbol] = settled.settle
                continue
        key = (contract.underlying, contract.expiry)
        if key not in closes:
            closes[key] = fo.underlying_close(*key)
        if (close := closes[key]) is not None:
            found[symbol] = close
    return found


def expiring(
    db: Session, *, user_id: int, today: date, fo: FoStore | None = None
) -> dict[str, Expiring]:
    """Symbol → each contract the user traded whose expiry day is before `today`, with
    its settlement price where known (`journal.expiry`); `fo`: the imported F&O bhavcopies."""
    held, brokers = _held(db, user_id)
    contracts = expired(held, today=today, indices=index_names())
    closes, entered_keys = _closes(
        db, user_id, ((c.underlying, c.expiry) for c in contracts.values())
    )
    bhavcopy = from_bhavcopy(fo, contracts) if fo is not None and contracts else {}
    found: dict[str, Expiring] = {}
    for symbol, contract in contracts.items():
        key = (contract.underlying, contract.expiry)
        close = closes.get(key) if key in entered_keys else bhavcopy.get(symbol, closes.get(key))
        found[symbol] = Expiring(contract, close, schedules_of(brokers.get(symbol, "")))
    return found


@dataclass(frozen=True, slots=True)
class Listed:
    """An underlying's expiry day that expired contracts settle at (`price`: None while
    it is needed)."""

    underlying: str
    expiry: date
    price: Decimal | None
    symbols: tuple[str, ...]


def listed(found: dict[str, Expiring]) -> list[Listed]:
    """The user's expired contracts by underlying and expiry day, with its price if known."""
    days: dict[tuple[str, date], tuple[Decimal | None, list[str]]] = {}
    for symbol, item in found.items():
        key = (item.contract.underlying, item.contract.expiry)
        days.setdefault(key, (item.close, []))[1].append(symbol)
    return [Listed(u, d, p, tuple(sorted(s))) for (u, d), (p, s) in sorted(days.items())]


def enter(
    db: Session,
    *,
    user_id: int,
    underlying: str,
    expiry: date,
    price: Decimal,
    today: date,
    fo: FoStore | None = None,
) -> Listed:
    """Store (or replace) the user's settlement price of `underlying` on `expiry`, commit,
    and answer it with the expired contracts it settles."""
    row = db.scalar(
        select(SettlementPrice).where(
            SettlementPrice.user_id == user_id,
            SettlementPrice.underlying == underlying,
            SettlementPrice.expiry == expiry,
        )
    )
    if row is None:
        db.add(SettlementPrice(user_id=user_id, underlying=underlying, expiry=expiry, price=price))
    else:
        row.price = price
    db.commit()
    settles = expiring(db, user_id=user_id, today=today, fo=fo)
    symbols = (
        s
        for s, e in settles.items()
        if (e.contract.underlying, e.contract.expiry) == (underlying, expiry)
    )
    return Listed(underlying, expiry, price, tuple(sorted(symbols)))

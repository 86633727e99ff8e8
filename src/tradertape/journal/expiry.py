"""Contracts the journal's book holds past their expiry: settled there, never marked.

A Console tradebook shows a contract held to expiry as a buy (or a sale) with no closing
row. Such a position is closed on its expiry day at its settlement (`domain.expiry`: an
index option at its intrinsic value from the index's close, nothing when out of the money;
a future at the close), so its P&L and turnover land in the expiry's financial year. A
stock contract that delivers (`domain.expiry.delivery_of`) closes at ₹0 (an option) or its
settlement price (a future), and the shares it delivers are booked as a delivery trade of
the account at the strike (a future: the settlement price) at the expiry day's close, with
the delivery's contract note as its charges (`delivered_trade`): the holding, and the cost
of a later sale of those shares, are the delivery's. Where
the underlying's close on that day is not known, the position stays open as "expired:
settlement price needed" (`OpenPosition.expired_on`), and no model price ever marks it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from tradertape.domain.calendar import IST
from tradertape.domain.charge_rates import ZERODHA_SCHEDULES, ChargeSchedule
from tradertape.domain.expiry import Contract, Settled, contract_of
from tradertape.journal.trades import JournalTrade

SETTLEMENT_NEEDED = "expired: settlement price needed"
EXPIRY = "expiry"  # a round trip's close_source when its contract's expiry closed it


@dataclass(frozen=True, slots=True)
class Expiring:
    """A contract past its expiry with the underlying's close that day (None: unknown), and
    the charge schedules of the broker that settles it."""

    contract: Contract
    close: Decimal | None
    schedules: tuple[ChargeSchedule, ...] = ZERODHA_SCHEDULES


def expired(
    held: Iterable[tuple[str, str, date | None]], *, today: date, indices: Collection[str]
) -> dict[str, Contract]:
    """Symbol → contract of each `(exchange, symbol, expiry)` whose expiry day is before
    `today` (a contract expiring today is settled tomorrow, when its close is known). The
    expiry is the tradebook's where it gives one, else what the symbol says."""
    found: dict[str, Contract] = {}
    for exchange, symbol, expiry in held:
        contract = contract_of(symbol, expiry=expiry, indices=indices, bse=exchange == "BFO")
        if contract is not None and contract.expiry < today:
            found.setdefault(symbol, contract)
    return found


def delivered_trade(
    account: str, symbol: str, settled: Settled, at: datetime
) -> JournalTrade | None:
    """The share trade `settled` (of `symbol`, in `account`) delivers at `at`, if any:
    a CNC buy or sale of the underlying at the delivery price, its note as its charges."""
    delivery, note = settled.delivery, settled.delivery_charges
    if delivery is None or note is None:
        return None
    return JournalTrade(
        source=EXPIRY,
        broker="",
        account=account,
        exchange="NSE",
        segment="EQ",
        symbol=delivery.underlying,
        isin=None,
        day=at.astimezone(IST).date(),
        at=at,
        side=delivery.side.lower(),
        quantity=Decimal(delivery.quantity),
        price=delivery.price,
        trade_id=f"delivery:{symbol}",
        order_id="",
        product="CNC",
        charges=note.total,
    )

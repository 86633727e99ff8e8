"""A broker's trades (its tradebook) and how a live order's fills are cut from them.

A broker's order report carries only the cumulative filled quantity and its average; its
tradebook (``trades()``, Kite's shape from every adapter) lists each execution with its
own id, price and exchange time, as the contract note does. `plan_fills` turns the two
into the fills to book so that, per order, the quantity booked always equals the broker's
filled quantity:

- a broker trade whose id is booked already is never booked again;
- a fill booked without an id (the fallback, when the tradebook could not be read or did
  not list the trade yet: the cumulative difference at the price that makes the broker's
  average) stands for the broker's *earliest* trades not booked by id, in the tradebook's
  order (exchange time, then trade id); a later pass books only the trades beyond it;
- whatever the report shows beyond the trades listed is booked by that fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradertape.ports.broker import KiteDict
from tradertape.ports.clock import IST

log = logging.getLogger("tradertape.oms.live.broker_trades")

_PRICE = Decimal("0.0001")
# Kite's ``YYYY-MM-DD HH:MM:SS`` (IST); Upstox's day-first forms.
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%d-%b-%Y %H:%M:%S")


@dataclass(frozen=True, slots=True)
class BrokerTrade:
    """One execution in the broker's tradebook."""

    trade_id: str
    order_id: str
    quantity: int
    price: Decimal
    at: datetime | None  # the exchange's time (aware), None when it gave none we can read


@dataclass(frozen=True, slots=True)
class PlannedFill:
    """One fill to book: a broker trade (with its id and time) or the fallback (neither)."""

    quantity: int
    price: Decimal
    trade_id: str | None
    at: datetime | None


def broker_trade(row: KiteDict) -> BrokerTrade | None:
    """A tradebook row in Kite's shape; None when its id, quantity or price is unusable."""
    trade_id, order_id = row.get("trade_id"), row.get("order_id")
    try:
        quantity = Decimal(str(row.get("quantity")).strip())
        price = Decimal(str(row.get("average_price")).strip())
    except ArithmeticError:
        return None
    usable = (
        trade_id not in (None, "")
        and order_id not in (None, "")
        and quantity.is_finite()
        and price.is_finite()
        and quantity > 0
        and quantity == quantity.to_integral_value()
        and price > 0
    )
    if not usable:
        return None
    at = exchange_time(row.get("exchange_timestamp")) or exchange_time(row.get("fill_timestamp"))
    try:  # to the OMS's price precision, as every other fill is (1488.0 is 1488.0000)
        price = price.quantize(_PRICE)
    except ArithmeticError:  # too many digits to be a price
        return None
    return BrokerTrade(str(trade_id), str(order_id), int(quantity), price, at)


def exchange_time(value: Any) -> datetime | None:
    """A broker's trade time as an aware datetime: naive text is IST (Kite's convention)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=IST) if value.tzinfo is None else value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for form in _FORMATS:
            try:
                return datetime.strptime(f"{text} +0530", f"{form} %z")
            except ValueError:
                continue
        return None
    return moment.replace(tzinfo=IST) if moment.tzinfo is None else moment


class Tradebook:
    """A broker's tradebook for one user, read at most once, on first need.

    A poll sweep shares one for all the user's orders at that broker, so however many
    orders grew, the broker is asked once. A failed read is remembered as unavailable
    (None): the caller books by the cumulative difference, and the next sweep asks again.
    """

    def __init__(self, read: Callable[[], Sequence[KiteDict]] | None) -> None:
        self._read = read
        self._by_order: dict[str, list[BrokerTrade]] | None = None
        self._asked = False

    @classmethod
    def of(cls, rows: Iterable[KiteDict]) -> Tradebook:
        """A tradebook already read (reconciliation reads it anyway)."""
        fixed = list(rows)
        return cls(lambda: fixed)

    def for_order(self, broker_order_id: str) -> list[BrokerTrade] | None:
        """The broker's trades of one order in its order (time, then id); None if unread."""
        if not self._asked:
            self._asked = True
            self._by_order = self._load()
        if self._by_order is None:
            return None
        return self._by_order.get(broker_order_id, [])

    def _load(self) -> dict[str, list[BrokerTrade]] | None:
        if self._read is None:
            return None
        try:
            rows = self._read()
        except Exception as exc:  # no session, a timeout: book by the difference
            log.warning("tradebook read failed (%s); booking by cumulative difference", exc)
            return None
        by_order: dict[str, list[BrokerTrade]] = {}
        seen: set[str] = set()
        for row in rows:
            trade = broker_trade(row)
            if trade is None:
                log.warning("tradebook row skipped (unusable figures): %r", row)
                continue
            if trade.trade_id not in seen:
                seen.add(trade.trade_id)
                by_order.setdefault(trade.order_id, []).append(trade)
        for trades in by_order.values():
            trades.sort(key=_sequence)
        return by_order


def _sequence(trade: BrokerTrade) -> tuple[datetime, int, str]:
    """The tradebook's order: exchange time, then the id (numeric ids by value)."""
    at = trade.at or datetime.max.replace(tzinfo=IST)
    return at, len(trade.trade_id), trade.trade_id


def plan_fills(
    *,
    ordered: int,
    booked_quantity: int,
    booked_value: Decimal,
    booked_ids: set[str],
    unnamed_quantity: int,
    reported_quantity: int,
    reported_average: Decimal,
    trades: Sequence[BrokerTrade] | None,
) -> list[PlannedFill]:
    """The fills that bring an order's booked quantity to the broker's (module docstring).

    `booked_quantity` and `booked_value` are what is booked for the order so far,
    `booked_ids` the broker trade ids among it and `unnamed_quantity` the quantity booked
    without one. The target is the larger of the report's cumulative quantity and the
    tradebook's total for the order, never beyond the order's quantity.
    """
    listed = sum(t.quantity for t in trades or ())
    target = min(ordered, max(reported_quantity, listed))
    need = target - booked_quantity
    if need <= 0:
        return []
    fills: list[PlannedFill] = []
    covered = unnamed_quantity
    for trade in trades or ():
        if need <= 0:
            break
        if trade.trade_id in booked_ids:
            continue
        quantity = trade.quantity
        if covered:  # the fallback booked this much of the earliest trades already
            skipped = min(covered, quantity)
            covered -= skipped
            quantity -= skipped
            if quantity == 0:
                continue
        quantity = min(quantity, need)
        fills.append(PlannedFill(quantity, trade.price, trade.trade_id, trade.at))
        need -= quantity
    if need > 0:  # the report runs ahead of the tradebook (or it was not read)
        value = booked_value + sum((f.price * f.quantity for f in fills), Decimal(0))
        price = ((reported_average * target - value) / need).quantize(_PRICE)
        fills.append(PlannedFill(need, price, None, None))
    return fills

"""How a simulated exchange matches one working order against one tick: the paper
exchange's, and the price a backtest fills at.

Pure and deterministic: given the order's terms, what is still pending and the tick,
`match` says whether a stop triggers and how much fills at what price. The paper
broker applies the result as order events; the options backtester moves its fills by the
same slippage rule (`slipped`), so a backtest fills where the paper exchange would on the
same prices (tests/integration/test_backtest_fills_as_paper.py). Rules (reference §5,
seed 002):

- MARKET fills at the touch (ask for a buy, bid for a sell; last price when the book is
  empty) moved against the order by ``slippage_bps``, never past the market-protection
  limit (last price ± protection %); outside it nothing fills.
- LIMIT fills when marketable, at the limit or better: a buy at min(limit, touch), so an
  opening gap gives price improvement.
- SL / SL-M wait until the last price reaches the trigger (a gap through it counts), then
  behave as LIMIT / MARKET from that tick on.
- Fill size is capped by ``participation`` × the volume traded since the previous tick
  (at least one unit, or one lot for derivatives) and, for icebergs, by the leg size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from tradertape.domain.market import Tick
from tradertape.domain.orders import OrderType, TransactionType
from tradertape.domain.values import value_class

_BPS = Decimal(10_000)
DEFAULT_PROTECTION_PCT = Decimal(2)  # what "-1 = auto" means for market protection here


@value_class
class WorkingOrder:
    """The terms of an order that matter for matching."""

    side: TransactionType
    order_type: OrderType
    pending_quantity: int
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    triggered: bool = False
    market_protection: int | None = None
    leg_quantity: int | None = None  # iceberg leg size
    lot_size: int = 1


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Knobs of the simulated exchange."""

    slippage_bps: Decimal = Decimal(0)
    participation: Decimal = Decimal("0.25")  # share of traded volume an order may take
    tick_size: Decimal = Decimal("0.05")


@value_class
class Match:
    """What happens to the order on this tick."""

    triggered: bool = False
    fill_quantity: int = 0
    fill_price: Decimal | None = None


NO_MATCH = Match()


def _round(price: Decimal, tick: Decimal, *, up: bool) -> Decimal:
    units = (price / tick).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return (units * tick).quantize(tick)


def _touch(tick: Tick, side: TransactionType) -> Decimal:
    quote = tick.ask if side is TransactionType.BUY else tick.bid
    return quote if quote is not None and quote > 0 else tick.last_price


def _stop_reached(order: WorkingOrder, tick: Tick) -> bool:
    assert order.trigger_price is not None
    if order.side is TransactionType.BUY:
        return tick.last_price >= order.trigger_price
    return tick.last_price <= order.trigger_price


def slipped(
    price: Decimal,
    side: TransactionType,
    *,
    tick_size: Decimal,
    bps: Decimal = Decimal(0),
    points: Decimal = Decimal(0),
) -> Decimal:
    """`price` moved against an order on `side` by slippage (`bps` of the price, or
    `points`), on the tick grid: a buy rounded up, a sale down."""
    buy = side is TransactionType.BUY
    amount = price * bps / _BPS + points
    return _round(price + amount if buy else price - amount, tick_size, up=buy)


def _market_price(order: WorkingOrder, tick: Tick, config: MatchConfig) -> Decimal | None:
    buy = order.side is TransactionType.BUY
    touch = _touch(tick, order.side)
    price = slipped(touch, order.side, tick_size=config.tick_size, bps=config.slippage_bps)
    protection = order.market_protection
    pct = DEFAULT_PROTECTION_PCT if protection in (None, -1) else Decimal(protection or 0)
    bound = tick.last_price * (1 + pct / 100 if buy else 1 - pct / 100)
    if (buy and price > bound) or (not buy and price < bound):
        return None
    return price


def _limit_price(order: WorkingOrder, tick: Tick) -> Decimal | None:
    assert order.price is not None
    touch = _touch(tick, order.side)
    if order.side is TransactionType.BUY:
        return min(order.price, touch) if touch <= order.price else None
    return max(order.price, touch) if touch >= order.price else None


def _fill_size(order: WorkingOrder, traded_volume: int, config: MatchConfig) -> int:
    cap = int(Decimal(max(traded_volume, 0)) * config.participation)
    cap = max(cap - cap % order.lot_size, order.lot_size)
    if order.leg_quantity:
        cap = min(cap, order.leg_quantity)
    return min(order.pending_quantity, cap)


def match(order: WorkingOrder, tick: Tick, *, traded_volume: int, config: MatchConfig) -> Match:
    """Trigger and/or fill `order` on `tick`; `traded_volume` is volume since the last tick."""
    if order.pending_quantity <= 0:
        return NO_MATCH
    triggered_now = False
    if order.order_type in (OrderType.SL, OrderType.SL_M) and not order.triggered:
        if not _stop_reached(order, tick):
            return NO_MATCH
        triggered_now = True
    if order.order_type in (OrderType.MARKET, OrderType.SL_M):
        price = _market_price(order, tick, config)
    else:
        price = _limit_price(order, tick)
    if price is None:
        return Match(triggered=triggered_now)
    return Match(
        triggered=triggered_now,
        fill_quantity=_fill_size(order, traded_volume, config),
        fill_price=price,
    )

"""Journal analytics from round trips (spec §10.5): the Edge Finder and Patterns.

A *trade* here is one close: the round trips one closing trade made (a sell that matched
three buy lots is one trade, its P&L their sum, net of charges). Buybacks are not trades.

**Edge Finder**, per symbol: count, win rate, average winner and loser, risk-reward (average
winner ÷ average loser), expectancy (mean net P&L) and total. Buckets: ``too_few`` (fewer
than `MIN_TRADES`), ``negative`` (expectancy at or below zero), ``strong`` (positive
expectancy with at least `SOLID_SAMPLE` trades, a win rate of at least 50 % or a
risk-reward of at least 1.5, and no high variance), else ``moderate`` with its warnings
(``small sample``: fewer than `SOLID_SAMPLE`; ``high variance``: the standard deviation of
P&L over three times the expectancy).

**Patterns**: the same statistics per bucket of each dimension the trades themselves tell:
holding period, position size (terciles of the user's own trade values), trade of the day
(first, middle, last close of its day), day of the week, after a loss or a win (revenge
trading shows as worse results after a loss), scaled in (opened by more than one buy) or
not, and two cross pairs (holding × after-loss, size × day of week).

With the symbols' daily closes (`Market`, imported or a broker's, never the synthetic
market), four more and a third pair, each read from the closes *before* the entry day (what
the trader could see): **trend alignment** (the last close above its 20-day average, which
is above the 50-day: an up trend; the mirror: down; else neutral; a long with an up trend
is ``with``, against a down trend ``against``, a short the other way round),
**volatility regime** (the last 20 daily returns' spread against the last 120's: under
0.75× ``calm``, over 1.5× ``spike``, else ``normal``), **RSI zone** (Wilder's 14-day RSI:
<30, 30-70, >70), **sector** (the instrument list's), and trend × volatility. A trade
whose symbol has fewer than 50 closes before its entry is left out of those.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from tradertape.journal.pnl import RoundTrip

ZERO = Decimal(0)
MIN_TRADES = 3
SOLID_SAMPLE = 10
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOLDING = ((3, "0-3d"), (7, "4-7d"), (14, "8-14d"), (21, "15-21d"), (30, "22-30d"))


@dataclass(frozen=True, slots=True)
class Trade:
    """One close, with the round trips it made."""

    account: str
    symbol: str
    closed: date
    closed_at: datetime | None
    net: Decimal
    value: Decimal  # the cost (or a short's sale value) of what it closed
    held_days: int
    lots: int
    opened: date | None = None
    direction: str = "long"


@dataclass(slots=True)
class Stats:
    """Win rate, expectancy and friends of a set of trades."""

    count: int = 0
    wins: int = 0
    total: Decimal = ZERO
    won: Decimal = ZERO
    lost: Decimal = ZERO
    values: list[Decimal] = field(default_factory=list)

    def add(self, net: Decimal) -> None:
        self.count += 1
        self.total += net
        self.values.append(net)
        if net > 0:
            self.wins += 1
            self.won += net
        else:
            self.lost -= net

    @property
    def win_rate(self) -> Decimal:
        return Decimal(self.wins) / self.count if self.count else ZERO

    @property
    def expectancy(self) -> Decimal:
        return self.total / self.count if self.count else ZERO

    @property
    def average_winner(self) -> Decimal | None:
        return self.won / self.wins if self.wins else None

    @property
    def average_loser(self) -> Decimal | None:
        losers = self.count - self.wins
        return self.lost / losers if losers else None

    @property
    def risk_reward(self) -> Decimal | None:
        win, loss = self.average_winner, self.average_loser
        if win is None or loss is None or loss == 0:
            return None
        return win / loss

    @property
    def spread(self) -> Decimal:
        return statistics.pstdev(self.values) if len(self.values) > 1 else ZERO


def trades_of(trips: Iterable[RoundTrip]) -> list[Trade]:
    """Round trips grouped by their closing trade, in time order."""
    groups: dict[tuple[str, str, date, datetime | None, str], list[RoundTrip]] = defaultdict(list)
    for trip in trips:
        if trip.kind == "trade":
            groups[trip.account, trip.symbol, trip.closed, trip.closed_at, trip.direction].append(
                trip
            )
    out = [
        Trade(
            account=account,
            symbol=symbol,
            closed=closed,
            closed_at=closed_at,
            net=sum((t.net for t in group), ZERO),
            value=sum((t.open_value for t in group), ZERO),
            held_days=max(t.held_days for t in group),
            lots=len({(t.opened, t.opened_at) for t in group}),
            opened=min(t.opened for t in group),
            direction=direction,
        )
        for (account, symbol, closed, closed_at, direction), group in groups.items()
    ]
    out.sort(key=lambda t: (t.closed, t.closed_at.timestamp() if t.closed_at else 0.0))
    return out


@dataclass(frozen=True, slots=True)
class Edge:
    """One symbol's edge."""

    symbol: str
    stats: Stats
    bucket: str  # strong | moderate | negative | too_few
    warnings: tuple[str, ...]


def edge_finder(trades: Sequence[Trade]) -> list[Edge]:
    """Per symbol, best expectancy first (too few trades last)."""
    per: dict[str, Stats] = defaultdict(Stats)
    for trade in trades:
        per[trade.symbol].add(trade.net)
    found = [_edge(symbol, stats) for symbol, stats in per.items()]
    order = {"strong": 0, "moderate": 1, "negative": 2, "too_few": 3}
    found.sort(key=lambda e: (order[e.bucket], -e.stats.expectancy, e.symbol))
    return found


def _edge(symbol: str, stats: Stats) -> Edge:
    if stats.count < MIN_TRADES:
        return Edge(symbol, stats, "too_few", ())
    if stats.expectancy <= 0:
        return Edge(symbol, stats, "negative", ())
    warnings = []
    if stats.count < SOLID_SAMPLE:
        warnings.append("small sample")
    if stats.spread > 3 * stats.expectancy:
        warnings.append("high variance")
    rewarded = stats.win_rate >= Decimal("0.5") or (stats.risk_reward or ZERO) >= Decimal("1.5")
    bucket = "strong" if not warnings and rewarded else "moderate"
    return Edge(symbol, stats, bucket, tuple(warnings))


# ----------------------------------------------------------------------------- patterns


def _holding(trade: Trade) -> str:
    for limit, label in HOLDING:
        if trade.held_days <= limit:
            return label
    return ">30d"


def _terciles(trades: Sequence[Trade]) -> Callable[[Trade], str]:
    values = sorted(t.value for t in trades)
    if not values:
        return lambda t: "medium"
    low = values[len(values) // 3]
    high = values[(2 * len(values)) // 3]

    def size(trade: Trade) -> str:
        if trade.value < low:
            return "small"
        if trade.value >= high and high > low:
            return "large"
        return "medium"

    return size


def _position_in_day(trades: Sequence[Trade]) -> dict[int, str]:
    days: dict[date, list[int]] = defaultdict(list)
    for i, trade in enumerate(trades):
        days[trade.closed].append(i)
    out = {}
    for indices in days.values():
        for rank, i in enumerate(indices):
            last = rank == len(indices) - 1
            out[i] = "first" if rank == 0 else "last" if last else "middle"
    return out


MIN_HISTORY = 50
MARKET_DIMENSIONS = (
    "trend_alignment",
    "volatility_regime",
    "rsi_zone",
    "sector",
    "trend_x_volatility",
)


@dataclass(frozen=True, slots=True)
class Market:
    """A symbol's daily closes, oldest first, and its sector."""

    days: list[date]
    closes: list[float]
    sector: str | None


def _rsi(closes: Sequence[float], n: int = 14) -> float:
    changes = [b - a for a, b in zip(closes[:-1], closes[1:], strict=True)]
    gain = sum(max(c, 0.0) for c in changes[:n]) / n
    loss = sum(max(-c, 0.0) for c in changes[:n]) / n
    for c in changes[n:]:
        gain = (gain * (n - 1) + max(c, 0.0)) / n
        loss = (loss * (n - 1) + max(-c, 0.0)) / n
    if loss == 0:
        return 100.0 if gain > 0 else 50.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


def _spread(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def market_labels(trade: Trade, market: Market | None) -> dict[str, str] | None:
    """The market dimensions of one trade, from the closes before its entry day."""
    if market is None or trade.opened is None:
        return None
    end = bisect.bisect_left(market.days, trade.opened)
    closes = market.closes[max(0, end - 130) : end]
    if len(closes) < MIN_HISTORY:
        return None
    last = closes[-1]
    sma20 = sum(closes[-20:]) / 20
    sma50 = sum(closes[-50:]) / 50
    trend = "up" if last > sma20 > sma50 else "down" if last < sma20 < sma50 else "neutral"
    if trend == "neutral":
        aligned = "neutral"
    else:
        aligned = "with" if (trend == "up") == (trade.direction == "long") else "against"
    returns = [b / a - 1 for a, b in zip(closes[:-1], closes[1:], strict=True) if a > 0]
    recent, base = _spread(returns[-20:]), _spread(returns[-120:])
    ratio = recent / base if base > 0 else 1.0
    regime = "calm" if ratio < 0.75 else "spike" if ratio > 1.5 else "normal"
    rsi = _rsi(closes[-60:])
    zone = "<30" if rsi < 30 else ">70" if rsi > 70 else "30-70"
    return {
        "trend_alignment": aligned,
        "volatility_regime": regime,
        "rsi_zone": zone,
        "sector": market.sector or "Unknown",
        "trend_x_volatility": f"{aligned} × {regime}",
    }


def patterns(
    trades: Sequence[Trade], markets: dict[str, Market] | None = None
) -> dict[str, dict[str, Stats]]:
    """Dimension → bucket → stats, for the dimensions the trades (and `markets`, symbol →
    its closes) tell."""
    size = _terciles(trades)
    in_day = _position_in_day(trades)
    previous: dict[str, Decimal] = {}
    dims: dict[str, dict[str, Stats]] = defaultdict(lambda: defaultdict(Stats))
    for i, trade in enumerate(trades):
        before = previous.get(trade.account)
        after = (
            "first trade" if before is None else "after a loss" if before <= 0 else "after a win"
        )
        labels = {
            "holding_period": _holding(trade),
            "position_size": size(trade),
            "trade_of_day": in_day[i],
            "day_of_week": WEEKDAYS[trade.closed.weekday()],
            "after_loss": after,
            "scale_in": "scaled in" if trade.lots > 1 else "single entry",
        }
        labels["holding_x_after_loss"] = f"{labels['holding_period']} × {after}"
        labels["size_x_day_of_week"] = f"{labels['position_size']} × {labels['day_of_week']}"
        if markets:
            labels.update(market_labels(trade, markets.get(trade.symbol)) or {})
        for dimension, bucket in labels.items():
            dims[dimension][bucket].add(trade.net)
        previous[trade.account] = trade.net
    return {name: dict(buckets) for name, buckets in dims.items()}

"""What a trader reads of an options run: per-leg trades, equity and drawdown, margin and the
return on it, P&L by expiry, weekday and month, the worst days, charges and slippage apart.

Money is `Decimal` to the paisa where it is booked (trades, charges, realised P&L); the
equity curve adds the open legs' marks as floats (docs: backtests use float64 curves).
``net = gross − slippage − charges`` holds exactly on the Decimals.
"""

from __future__ import annotations

import calendar as months
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import numpy as np

from tradertape.backtest.metrics import drawdown
from tradertape.backtest.options.engine import LegTrade, OptionRun, SetEntry
from tradertape.backtest.options.strategy import FUTURE
from tradertape.domain.money import ZERO, paise
from tradertape.domain.option_listing import EXPIRY_CLOSE, IST, RISK_FREE_RATE, years_to_expiry
from tradertape.domain.option_math import OptionKind, implied_vol
from tradertape.domain.option_payoff import PayoffLeg, Scenario, expiry_value, today_value

_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PAYOFF_SPAN = 0.10  # the payoff at entry spans spot ± 10 %
PAYOFF_STEPS = 40  # in 0.5 % steps, the strikes in the span added
SESSION_OPEN = time(9, 15)  # a daily run's entry at the open
SESSION_CLOSE = time(15, 30)  # … or at the close


@dataclass(frozen=True, slots=True)
class DayCharges:
    """A trade date's charges: its contract note (traded fills) and its expiry settlements."""

    day: date
    brokerage: Decimal
    stt: Decimal
    exchange: Decimal  # transaction charges and IPFT
    sebi: Decimal
    stamp: Decimal
    gst: Decimal
    total: Decimal  # to the paisa


@dataclass(frozen=True, slots=True)
class DayPoint:
    """One day of the curve."""

    day: date
    pnl: float  # the day's change in equity (realised net and the open legs' marks)
    equity: float
    drawdown: float  # percent below the running peak
    margin: float  # margin of the legs held at the day's end (0 when flat)


@dataclass(frozen=True, slots=True)
class Bucket:
    """P&L of a group: by expiry (trades' gross and slippage), weekday or month (days' net)."""

    key: str
    pnl: Decimal | float
    trades: int


@dataclass(frozen=True, slots=True)
class PayoffPoint:
    """The position's P&L at expiry (₹, before charges) with the underlying at `spot`."""

    spot: float
    pnl: float


@dataclass(frozen=True, slots=True)
class EntryPayoff:
    """An entry's payoff at entry: its legs as first entered, valued on the nearest leg's
    expiry (`expiry`): a leg of that expiry at its intrinsic value, a leg of a later one at
    Black-76 with the volatility its entry price implied and the time it has left then (a
    calendar spread's long leg keeps its time value), a future at the spot; over spot ± 10 %
    of the entry's spot."""

    trade_set: int
    day: date
    entry_time: time | None
    spot: float
    expiry: date
    points: list[PayoffPoint]
    breakevens: list[float]  # where the curve crosses zero, in the span


@dataclass(frozen=True, slots=True)
class OptionResults:
    """A run's results."""

    name: str
    underlying: str
    resolution: str
    start: date
    end: date
    capital: Decimal
    gross: Decimal
    slippage: Decimal
    charges: Decimal
    net: Decimal
    final_equity: float
    return_pct: float
    max_drawdown: float
    margin_peak: Decimal
    return_on_margin: float | None  # net over the peak margin, percent
    trade_sets: int
    win_rate: float  # percent of entries (all their legs together) that made money, net of slippage
    trades: list[LegTrade]
    curve: list[DayPoint]
    charges_by_day: list[DayCharges]
    by_expiry: list[Bucket]
    by_weekday: list[Bucket]
    by_month: list[Bucket]
    worst_days: list[DayPoint]
    payoffs: list[EntryPayoff]


def _day_charges(run: OptionRun) -> list[DayCharges]:
    rows: dict[date, list[Decimal]] = defaultdict(lambda: [ZERO] * 6)
    for day, note in run.day_charges.items():
        parts = rows[day]
        for i, value in enumerate(
            (note.brokerage, note.stt, note.exchange_txn + note.ipft, note.sebi, note.stamp,
             note.gst)
        ):  # fmt: skip
            parts[i] += value
    for settled in run.settlements:
        parts = rows[settled.day]
        parts[0] += settled.charges.brokerage
        parts[1] += settled.charges.stt
        parts[5] += settled.charges.gst
    out = []
    for day in sorted(rows):
        traded = run.day_charges.get(day)
        total = traded.total if traded is not None else ZERO
        total += sum((s.charges.total for s in run.settlements if s.day == day), ZERO)
        brokerage, stt, exchange, sebi, stamp, gst = rows[day]
        out.append(DayCharges(day, brokerage, stt, exchange, sebi, stamp, gst, total))
    return out


@dataclass(frozen=True, slots=True)
class _PayoffLeg:
    """A leg as the payoff values it: at its intrinsic value on the nearest expiry, or (a
    later expiry) at Black-76 with the volatility its entry price implied (`model`)."""

    trade: LegTrade
    model: PayoffLeg | None  # None: valued at expiry (intrinsic), or a future at the spot


def _valued(trade: LegTrade, nearest: date, entered: datetime, spot: float) -> _PayoffLeg:
    """`trade` as the payoff values it: a leg on a later expiry than `nearest` keeps its time
    value (from `entered` to its expiry, the entry price implies σ; at the nearest expiry's
    close it has the rest of that time left); one whose price implies no σ (at or below
    intrinsic) is valued at intrinsic, as before."""
    if trade.option_type == FUTURE or trade.expiry <= nearest:
        return _PayoffLeg(trade, None)
    kind = OptionKind(trade.option_type)
    strike, premium = float(trade.strike), float(trade.entry_price)
    years = years_to_expiry(entered, trade.expiry)
    forward = spot * math.exp(RISK_FREE_RATE * years)
    vol = implied_vol(kind, premium, forward, strike, years, RISK_FREE_RATE)
    if vol is None:
        return _PayoffLeg(trade, None)
    left = years_to_expiry(datetime.combine(nearest, EXPIRY_CLOSE, tzinfo=IST), trade.expiry)
    signed = trade.sign * trade.quantity
    return _PayoffLeg(trade, PayoffLeg(kind, strike, signed, premium, vol, left))


def _leg_payoff(leg: _PayoffLeg, spot: float) -> float:
    trade = leg.trade
    signed = trade.sign * trade.quantity
    entry = float(trade.entry_price)
    if trade.option_type == FUTURE:
        return signed * (spot - entry)
    if leg.model is not None:
        return today_value([leg.model], spot, Scenario(spot), RISK_FREE_RATE)
    at_expiry = PayoffLeg(OptionKind(trade.option_type), float(trade.strike), signed, entry, 0, 0)
    return expiry_value(at_expiry, spot)


def payoff_at_entry(
    entry: SetEntry, trades: list[LegTrade], *, daily_at: time = SESSION_OPEN
) -> EntryPayoff | None:
    """`entry`'s payoff on its nearest expiry from its legs as first entered (`EntryPayoff`);
    a daily run's legs entered at `daily_at` (the open, or the close)."""
    legs = [t for t in trades if t.trade_set == entry.trade_set and t.entry_number == 0]
    if not legs:
        return None
    expiry = min(t.expiry for t in legs)
    entered = datetime.combine(entry.day, entry.time or daily_at, tzinfo=IST)
    valued = [_valued(t, expiry, entered, entry.spot) for t in legs]
    low, high = entry.spot * (1 - PAYOFF_SPAN), entry.spot * (1 + PAYOFF_SPAN)
    grid = np.linspace(low, high, PAYOFF_STEPS + 1).round(2).tolist()
    strikes = [float(t.strike) for t in legs if t.option_type != FUTURE]
    spots = sorted({*grid, *(k for k in strikes if low <= k <= high)})
    points = [
        PayoffPoint(spot, round(sum(_leg_payoff(v, spot) for v in valued), 2)) for spot in spots
    ]
    return EntryPayoff(
        entry.trade_set, entry.day, entry.time, entry.spot, expiry, points, _zeros(points)
    )


def _zeros(points: list[PayoffPoint]) -> list[float]:
    """The spots where a payoff (straight between its points: every kink is one) is 0."""
    out: list[float] = []
    for a, b in zip(points, points[1:], strict=False):
        if a.pnl == 0:
            out.append(a.spot)
        elif b.pnl != 0 and (a.pnl < 0) != (b.pnl < 0):
            out.append(round(a.spot + (b.spot - a.spot) * -a.pnl / (b.pnl - a.pnl), 2))
    if points and points[-1].pnl == 0:
        out.append(points[-1].spot)
    return out


def summarize(run: OptionRun) -> OptionResults:
    """The run's results (see the module docstring)."""
    s = run.strategy
    daily_at = SESSION_CLOSE if s.daily.entry == "close" else SESSION_OPEN
    capital = paise(Decimal(str(s.capital)))
    charges_rows = _day_charges(run)
    realised: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for t in run.trades:
        realised[t.exit_day] += t.gross
        realised[t.entry_day] -= abs(t.entry_fill - t.entry_price) * t.quantity
        realised[t.exit_day] -= abs(t.exit_fill - t.exit_price) * t.quantity
    for row in charges_rows:
        realised[row.day] -= row.total
    gross = sum((t.gross for t in run.trades), ZERO)
    slippage = sum((t.slippage for t in run.trades), ZERO)
    charges = sum((r.total for r in charges_rows), ZERO)
    net = gross - slippage - charges
    days = run.days
    booked = np.array([float(realised.get(d, ZERO)) for d in days])
    marks = np.array([run.mtm.get(d, 0.0) for d in days])
    equity = float(capital) + np.cumsum(booked) + marks
    # money booked after the last day (a settlement past the run's end) joins the last day
    late = sum((v for d, v in realised.items() if d > days[-1]), ZERO)
    equity[-1] += float(late)
    dd = drawdown(np.concatenate([[float(capital)], equity]))[1:]
    pnl = np.diff(np.concatenate([[float(capital)], equity]))
    held = [float(run.held.get(d, ZERO)) for d in days]
    curve = [
        DayPoint(d, float(p), float(e), float(x), m)
        for d, p, e, x, m in zip(days, pnl, equity, dd, held, strict=True)
    ]
    margin_peak = max((m.margin for m in run.margins), default=ZERO)
    by_set: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for t in run.trades:
        by_set[t.trade_set] += t.gross - t.slippage
    expiry: dict[date, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for t in run.trades:
        expiry[t.expiry][0] += t.gross - t.slippage
        expiry[t.expiry][1] += 1
    weekday: dict[int, list[float]] = defaultdict(list)
    month: dict[str, list[float]] = defaultdict(list)
    for point in curve:
        weekday[point.day.weekday()].append(point.pnl)
        month[f"{point.day:%Y-%m}"].append(point.pnl)
    return OptionResults(
        name=s.name,
        underlying=s.underlying,
        resolution=s.resolution,
        start=days[0],
        end=days[-1],
        capital=capital,
        gross=gross,
        slippage=slippage,
        charges=charges,
        net=net,
        final_equity=float(equity[-1]),
        return_pct=float(net / capital * 100),
        max_drawdown=float(dd.min()) if dd.size else 0.0,
        margin_peak=paise(margin_peak),
        return_on_margin=float(net / margin_peak * 100) if margin_peak > 0 else None,
        trade_sets=len(by_set),
        win_rate=sum(v > 0 for v in by_set.values()) / len(by_set) * 100 if by_set else 0.0,
        trades=run.trades,
        curve=curve,
        charges_by_day=charges_rows,
        by_expiry=[Bucket(e.isoformat(), v[0], int(v[1])) for e, v in sorted(expiry.items())],
        by_weekday=[
            Bucket(_WEEKDAY_NAMES[w], round(sum(v), 2), len(v)) for w, v in sorted(weekday.items())
        ],
        by_month=[
            Bucket(f"{months.month_abbr[int(k[5:])]} {k[:4]}", round(sum(v), 2), len(v))
            for k, v in sorted(month.items())
        ],
        worst_days=sorted(curve, key=lambda p: p.pnl)[:5],
        payoffs=[
            p
            for e in run.entries
            if (p := payoff_at_entry(e, run.trades, daily_at=daily_at)) is not None
        ],
    )

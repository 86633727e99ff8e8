"""The options backtester: enter a strategy's legs on the days its entry allows, walk their
bars (`kernel.scan`), re-enter after a stop, settle at expiry, and book every fill's charges
by its trade date.

A run walks the source's trading days in order. On a day the entry allows, each leg's
contract is chosen (expiry, then strike, from the chain of that day) and entered; the set
is then held over its bars: the entry day's minutes from the entry time to the exit time
(intraday, minute data), the entry day (intraday, bhavcopy), or every bar up to the first
leg's expiry (``hold: expiry``), where what is still open settles in cash at its intrinsic
value on the underlying's close (`domain.expiry.settle`). The next entry is looked for on
the day after the set ends.

Prices are the data's floats until a fill: every fill is booked as a tick-exact `Decimal`.
A leg's gross P&L is on market prices; slippage (adverse, on traded fills only) and charges
(`domain.charges.compute_charges` over each trade date's fills: one order per fill, F&O
options STT on the premium of sells, exchange, SEBI, stamp, GST; `domain.expiry.settle` for
what expires in the money) are apart, so ``net = Σ gross − slippage − charges`` exactly.

Spot for choosing a strike: the underlying's minute open at the entry (minute data); with
bhavcopy, the previous day's close for a fill at the open (the file prints no open of the
underlying) and the day's close for a fill at the close.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np
import numpy.typing as npt

from tradertape.backtest.options import kernel as k
from tradertape.backtest.options.chain import (
    MINUTES_PER_DAY,
    ChainSource,
    DayChain,
    FloatArray,
    MinuteSource,
    dense,
)
from tradertape.backtest.options.strategy import (
    Amount,
    AtmStrike,
    DeltaStrike,
    Leg,
    OptionStrategy,
    PremiumStrike,
    Slippage,
    SpotPctStrike,
    Unit,
    weekday_index,
)
from tradertape.domain.charges import (
    ChargesBreakdown,
    Exchange,
    Fill,
    Segment,
    Side,
    compute_charges,
)
from tradertape.domain.expiry import Contract, ExpiryCharges, settle
from tradertape.domain.instruments import Exchange as Venue
from tradertape.domain.instruments import Instrument, InstrumentType, synthetic_token
from tradertape.domain.margins import (
    MarginLeg,
    MarginRates,
    RiskClass,
    margin_for,
    portfolio_margin,
)
from tradertape.domain.matching import slipped
from tradertape.domain.money import ZERO
from tradertape.domain.option_listing import IST, OPTION_TICK, RISK_FREE_RATE, years_to_expiry
from tradertape.domain.option_math import OptionKind, greeks, implied_vol
from tradertape.domain.orders import TransactionType
from tradertape.domain.ticks import InstrumentKind, tick_size

IntRows = npt.NDArray[np.int64]
REASONS = {
    k.STOP: "stop_loss",
    k.TARGET: "target",
    k.TRAIL: "trailing_stop",
    k.STRATEGY_STOP: "strategy_stop",
    k.STRATEGY_TARGET: "strategy_target",
    k.LOCK_PROFIT: "lock_profit",
}
FUTURE_CODE = "XX"  # a future's option type in a chain (strike 0)
SESSION_OPEN = time(9, 15)
_MARGIN_RATES = MarginRates()


class NoData(ValueError):
    """The source has no chain for the strategy's underlying in the dates asked."""


@dataclass(frozen=True, slots=True)
class LegTrade:
    """One leg held from its entry to its exit; money in rupees, prices per unit."""

    trade_set: int  # the entry this leg belongs to (0, 1, …)
    leg: int  # its index in the strategy's legs
    entry_number: int  # 0: the first entry; 1, 2…: re-entries after a stop
    option_type: str
    side: str  # buy | sell
    expiry: date
    strike: Decimal
    lots: int
    lot_size: int
    entry_day: date
    entry_time: time | None
    entry_price: Decimal  # the market's
    entry_fill: Decimal  # after slippage
    exit_day: date
    exit_time: time | None
    exit_price: Decimal
    exit_fill: Decimal
    reason: str  # stop_loss | target | trailing_stop | strategy_* | time | settlement | end
    gross: Decimal  # on market prices
    slippage: Decimal

    @property
    def quantity(self) -> int:
        return self.lots * self.lot_size

    @property
    def sign(self) -> int:
        return 1 if self.side == "buy" else -1


@dataclass(frozen=True, slots=True)
class Settlement:
    """A leg closed by its contract's expiry, and what the contract note charges for it."""

    day: date
    trade_set: int
    leg: int
    value: Decimal  # intrinsic × quantity
    charges: ExpiryCharges


@dataclass(frozen=True, slots=True)
class TradeSetMargin:
    """The margin of an entry's legs held together, at entry (and at each re-entry)."""

    trade_set: int
    day: date
    margin: Decimal


@dataclass(frozen=True, slots=True)
class SetEntry:
    """Where an entry's legs went in: its day, time (minute runs) and the spot that chose
    their strikes (the payoff at entry is drawn around it)."""

    trade_set: int
    day: date
    time: time | None
    spot: float


@dataclass
class OptionRun:
    """Everything a run produced; `results.summarize` turns it into what a trader reads."""

    strategy: OptionStrategy
    days: list[date]
    trades: list[LegTrade] = field(default_factory=list)
    day_charges: dict[date, ChargesBreakdown] = field(default_factory=dict)
    settlements: list[Settlement] = field(default_factory=list)
    margins: list[TradeSetMargin] = field(default_factory=list)
    mtm: dict[date, float] = field(default_factory=lambda: defaultdict(float))  # open P&L
    held: dict[date, Decimal] = field(default_factory=dict)  # margin in use at the day's end
    entries: list[SetEntry] = field(default_factory=list)


def tick(value: Decimal, *, up: bool, step: Decimal = OPTION_TICK) -> Decimal:
    """`value` on the tick grid (the option tick unless `step` says), rounded up or down."""
    steps = (value / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return steps * step


def money(price: float) -> Decimal:
    """A data price as the Decimal it was printed as (two places)."""
    return Decimal(f"{price:.2f}")


def fill_price(
    slippage: Slippage, side: Side, price: Decimal, *, step: Decimal = OPTION_TICK
) -> Decimal:
    """Where a market order on `side` fills when the bar prints `price`: moved by the
    strategy's slippage as the paper exchange moves it (`domain.matching.slipped`) on the
    contract's tick `step` (an option's ₹0.05, an index future's ₹0.10), never below one
    tick."""
    value = Decimal(str(slippage.value))
    points = slippage.unit == "points"
    filled = slipped(
        price,
        TransactionType.BUY if side is Side.BUY else TransactionType.SELL,
        tick_size=step,
        bps=ZERO if points else value * 100,
        points=value if points else ZERO,
    )
    return max(filled, step)


def distance(amount: Amount, entry: Decimal, quantity: int) -> Decimal:
    """An amount in premium points per unit."""
    value = Decimal(str(amount.value))
    if amount.unit is Unit.POINTS:
        return value
    if amount.unit is Unit.PCT:
        return entry * value / 100
    return value / quantity


@dataclass
class _Live:
    """A leg being held: its contract, its bars on the set's axis, and its levels."""

    leg: int
    entry_number: int
    spec: Leg
    expiry: date
    strike: float
    lot_size: int
    first_bar: int
    entry_price: Decimal
    bars: tuple[FloatArray, FloatArray, FloatArray, FloatArray]
    reentries_left: int
    step: Decimal = OPTION_TICK  # the contract's tick

    @property
    def quantity(self) -> int:
        return self.spec.lots * self.lot_size

    @property
    def code(self) -> str:
        """The contract's option type in a chain (``XX`` for a future)."""
        return FUTURE_CODE if self.spec.future else self.spec.option_type

    @property
    def sign(self) -> int:
        return 1 if self.spec.side == "buy" else -1

    def levels(self) -> tuple[float, float, float, float, float]:
        """(stop, target, trail every, trail by, break-even at) as floats; NaN/0: none."""
        spec, entry, qty, s = self.spec, self.entry_price, self.quantity, self.sign
        stop = target = be = math.nan
        every = by = 0.0
        if spec.stop_loss is not None:
            level = entry - s * distance(spec.stop_loss, entry, qty)
            level = tick(level, up=s < 0, step=self.step)
            stop = float(level) if level > 0 else math.nan
        if spec.target is not None:
            level = tick(entry + s * distance(spec.target, entry, qty), up=s > 0, step=self.step)
            target = float(level) if level > 0 else math.nan
        if spec.trailing is not None:
            every_d = tick(distance(spec.trailing.every, entry, qty), up=True, step=self.step)
            by_d = tick(distance(spec.trailing.by, entry, qty), up=False, step=self.step)
            if every_d > 0 and by_d > 0:
                every, by = float(every_d), float(by_d)
        if spec.break_even_at is not None:
            be = float(distance(spec.break_even_at, entry, qty))
        return stop, target, every, by, be


class _Axis:
    """The bars a set of legs is held over: (day index, minute) of each bar."""

    def __init__(self, days: list[date], minutes: list[tuple[int, int, int]] | None) -> None:
        self.days = days  # the days of the set, in order
        # per day: (day index, first minute, end minute) for minute data; None: one bar a day
        self.minutes = minutes
        if minutes is None:
            self.day_of = np.arange(len(days))
            self.minute_of = np.zeros(len(days), dtype=np.int64)
        else:
            self.day_of = np.concatenate([np.full(b - a, i) for i, a, b in minutes])
            self.minute_of = np.concatenate([np.arange(a, b) for _, a, b in minutes])

    def __len__(self) -> int:
        return int(self.day_of.size)

    def when(self, bar: int) -> tuple[date, time | None]:
        day = self.days[int(self.day_of[bar])]
        if self.minutes is None:
            return day, None
        return day, minute_time(int(self.minute_of[bar]))


def minute_index(at: time) -> int:
    """A time of day as the index of its minute bar (09:15 → 0)."""
    return (at.hour * 60 + at.minute) - (SESSION_OPEN.hour * 60 + SESSION_OPEN.minute)


def minute_time(index: int) -> time:
    total = SESSION_OPEN.hour * 60 + SESSION_OPEN.minute + index
    return time(total // 60, total % 60)


def _by_delta(
    rule: DeltaStrike,
    kind: OptionKind,
    priced: list[tuple[float, float]],
    spot: float,
    years: float,
) -> float | None:
    """The strike whose delta, from the volatility its premium implies, is nearest the rule's."""
    if years <= 0:
        return None
    forward = spot * math.exp(RISK_FREE_RATE * years)
    best: tuple[float, float] | None = None
    for strike, premium in priced:
        if abs(strike / spot - 1) > 0.2:  # far wings: no delta near any the rule may ask
            continue
        vol = implied_vol(kind, premium, forward, strike, years, RISK_FREE_RATE)
        if vol is None:
            continue
        delta = abs(greeks(kind, forward, strike, years, vol, RISK_FREE_RATE).delta)
        gap = abs(delta - rule.delta)
        if best is None or gap < best[0]:
            best = (gap, strike)
    return best[1] if best is not None else None


def _move(ref: float, unit: str, value: float) -> float:
    """A momentum move in price points: `value` points, or `value` % of `ref`."""
    return value if unit == "points" else ref * value / 100


def _first_through(
    prices: FloatArray, level: float, up: bool, start: int, latest: int, *, beyond: bool = True
) -> int | None:
    """The bar after the first one in [start, latest) whose `prices` (highs going up, lows
    going down) pass `level` (strictly when `beyond`: a range is broken by trading past
    its extreme; a move counts on reaching its level); None when none does."""
    window = prices[start:latest]
    if up:
        hit = window > level if beyond else window >= level
    else:
        hit = window < level if beyond else window <= level
    found = np.flatnonzero(hit)
    return start + int(found[0]) + 1 if found.size else None


class OptionsBacktester:
    """One run of one strategy over a chain source (and minute bars for minute resolution)."""

    def __init__(
        self,
        strategy: OptionStrategy,
        source: ChainSource,
        minutes: MinuteSource | None = None,
    ) -> None:
        if strategy.resolution == "minute" and minutes is None:
            raise ValueError("resolution: minute needs minute bars, and the source has none")
        self.s = strategy
        self.source = source
        self.minute_source = minutes
        self.u = strategy.underlying
        self._chains: dict[date, DayChain] = {}
        self._day_of: dict[int, date] = {}  # a chain's day, by the chain (held in _chains)
        self._listings: dict[tuple[date, date, str], tuple[FloatArray, IntRows]] = {}
        self._fills: dict[date, list[Fill]] = defaultdict(list)
        self._sets = 0

    # -- data --------------------------------------------------------------------------

    def chain(self, day: date) -> DayChain:
        found = self._chains.get(day)
        if found is None:
            found = self._chains[day] = self.source.day_chain(self.u, day)
            self._day_of[id(found)] = day
        return found

    def _contract_bars(
        self, axis: _Axis, expiry: date, strike: float, option_type: str
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        if axis.minutes is None:
            n = len(axis.days)
            out = np.full((4, n), np.nan)
            use_settle = self.s.daily.exit == "settle"
            for i, day in enumerate(axis.days):
                ch = self.chain(day)
                row = self._row(day, expiry, strike, option_type)
                if row is not None:
                    out[0, i] = ch.open[row]
                    out[1, i] = ch.high[row]
                    out[2, i] = ch.low[row]
                    out[3, i] = ch.settle[row] if use_settle else ch.close[row]
            return out[0], out[1], out[2], out[3]
        assert self.minute_source is not None
        parts: list[tuple[FloatArray, FloatArray, FloatArray, FloatArray]] = []
        for i, a, b in axis.minutes:
            bars = self.minute_source.option_minutes(
                self.u, axis.days[i], expiry, strike, option_type
            )
            o, h, lo, c = dense(bars)
            parts.append((o[a:b], h[a:b], lo[a:b], c[a:b]))
        if len(parts) == 1:
            return parts[0]
        o_, h_, l_, c_ = (np.concatenate([p[j] for p in parts]) for j in range(4))
        return o_, h_, l_, c_

    # -- choosing a contract -----------------------------------------------------------

    def _expiry(self, leg: Leg, day: date) -> date | None:
        if leg.future:  # the nth future listed that day
            chain = self.chain(day)
            held = chain.expiry[chain.option_type == FUTURE_CODE].astype("datetime64[D]")
            futures = [e for e in sorted(set(held.tolist())) if e >= day]
            return futures[leg.expiry.nth] if leg.expiry.nth < len(futures) else None
        listed = sorted(self.source.expiries(self.u, day))
        if leg.expiry.kind == "monthly":
            by_month: dict[tuple[int, int], date] = {}
            for e in listed:
                by_month[(e.year, e.month)] = max(e, by_month.get((e.year, e.month), e))
            listed = sorted(by_month.values())
        return listed[leg.expiry.nth] if leg.expiry.nth < len(listed) else None

    def _strike(
        self,
        leg: Leg,
        chain: DayChain,
        expiry: date,
        spot: float,
        price_of: dict[float, float],
        moment: datetime,
    ) -> float | None:
        """The leg's strike among those listed for `expiry` and its type, priced as `price_of`
        (the premium each would fill at)."""
        listed = sorted(price_of)
        if not listed:
            return None
        rule = leg.strike
        if isinstance(rule, AtmStrike | SpotPctStrike):
            aim = spot * (1 + rule.pct / 100) if isinstance(rule, SpotPctStrike) else spot
            gaps = np.abs(np.asarray(listed) - aim)
            nearest = len(listed) - 1 - int(np.argmin(gaps[::-1]))  # a tie goes up
            at = nearest + (rule.offset if isinstance(rule, AtmStrike) else 0)
            return listed[at] if 0 <= at < len(listed) else None
        priced = [(s, p) for s, p in price_of.items() if not math.isnan(p)]
        if isinstance(rule, PremiumStrike):
            if rule.type == "closest_premium":
                pool = priced
            elif rule.type == "premium_gte":
                pool = [(s, p) for s, p in priced if p >= rule.premium]
            else:
                pool = [(s, p) for s, p in priced if p <= rule.premium]
            if not pool:
                return None
            # the closest premium; among equals (and for ≥/≤: the premium nearest the bound)
            return min(pool, key=lambda sp: (abs(sp[1] - rule.premium), abs(sp[0] - spot)))[0]
        assert isinstance(rule, DeltaStrike)
        return _by_delta(
            rule, OptionKind(leg.option_type), priced, spot, years_to_expiry(moment, expiry)
        )

    def _listing(self, day: date, expiry: date, option_type: str) -> tuple[FloatArray, IntRows]:
        """The strikes listed on `day` for (expiry, type), ascending, and their rows."""
        key = (day, expiry, option_type)
        found = self._listings.get(key)
        if found is None:
            chain = self.chain(day)
            mask = (chain.expiry == np.datetime64(expiry, "D")) & (chain.option_type == option_type)
            rows = np.flatnonzero(mask)
            order = np.argsort(chain.strike[rows], kind="stable")
            found = self._listings[key] = (chain.strike[rows][order], rows[order])
        return found

    def _row(self, day: date, expiry: date, strike: float, option_type: str) -> int | None:
        strikes, rows = self._listing(day, expiry, option_type)
        at = int(np.searchsorted(strikes, strike))
        return int(rows[at]) if at < strikes.size and strikes[at] == strike else None

    def _prices(
        self, chain: DayChain, expiry: date, option_type: str, column: FloatArray
    ) -> dict[float, float]:
        strikes, rows = self._listing(self._day_of[id(chain)], expiry, option_type)
        return dict(zip(strikes.tolist(), column[rows].tolist(), strict=True))

    # -- the run -------------------------------------------------------------------------

    def run(self, start: date, end: date) -> OptionRun:
        """Backtest from `start` to `end` (both included)."""
        days = self.source.trading_days(self.u, start, end)
        if not days:
            raise NoData(f"no {self.u} option chain between {start} and {end}")
        out = OptionRun(strategy=self.s, days=days)
        allowed = self._rule_days(days)
        weekdays = {weekday_index(w) for w in self.s.entry.weekdays}
        earlier = self.source.trading_days(self.u, start - timedelta(days=10), start)
        previous_close = (
            self.chain(earlier[-2]).spot()
            if len(earlier) > 1 and earlier[-1] == start
            else (self.chain(earlier[-1]).spot() if earlier and earlier[-1] < start else math.nan)
        )
        i = 0
        while i < len(days):
            day = days[i]
            spot_before = previous_close
            if day.weekday() in weekdays and allowed[i]:
                ended = self._enter_and_hold(out, days, i, spot_before)
                if ended is not None:
                    previous_close = self.chain(days[ended]).spot()
                    i = ended + 1
                    continue
            previous_close = self.chain(day).spot()
            i += 1
        for day, fills in sorted(self._fills.items()):
            out.day_charges[day] = compute_charges(fills, day)
        return out

    def _rule_days(self, days: list[date]) -> list[bool]:
        rule = self.s.entry.rule
        if rule is None:
            return [True] * len(days)
        from tradertape.indicators.book import IndicatorBook
        from tradertape.strategies.compile import condition_truth

        history = self.source.trading_days(self.u, days[0] - timedelta(days=400), days[-1])
        closes = np.array([[self.chain(d).spot()] for d in history])
        book = IndicatorBook(closes, closes, closes, closes, np.ones_like(closes))
        truth = condition_truth(rule, book)[:, 0]
        on = dict(zip(history, truth.tolist(), strict=True))
        # the rule on the day before: an entry knows the closes up to yesterday only
        before = {d: on.get(history[j - 1], False) for j, d in enumerate(history) if j}
        return [bool(before.get(d, False)) for d in days]

    def _dte(self, day: date, expiry: date) -> int:
        return max(len(self.source.trading_days(self.u, day, expiry)) - 1, 0)

    def _horizon(self, days: list[date], i: int, expiry: date) -> int:
        """The index of the set's last day in `days`."""
        if self.s.hold == "intraday":
            return i
        last = i
        while last + 1 < len(days) and days[last + 1] <= expiry:
            last += 1
        n_before = self.s.exit.days_before_expiry
        if n_before is not None and days[last] == expiry:
            last = max(i, last - n_before)
        return last

    def _enter_and_hold(  # noqa: C901, PLR0912, PLR0915 - the day's steps in order
        self, out: OptionRun, days: list[date], i: int, spot_before: float
    ) -> int | None:
        s = self.s
        day = days[i]
        chain = self.chain(day)
        if not len(chain):
            return None
        expiries = [self._expiry(leg, day) for leg in s.legs]
        if any(e is None for e in expiries):
            return None
        first_expiry = min(e for e in expiries if e is not None)
        if s.entry.days_to_expiry is not None and self._dte(day, first_expiry) not in set(
            s.entry.days_to_expiry
        ):
            return None
        last = self._horizon(days, i, first_expiry)
        set_days = days[i : last + 1]
        minute = s.resolution == "minute"
        entry_min = minute_index(s.entry.time)
        exit_min = minute_index(s.exit.time)
        if minute:
            spans = []
            for j, _ in enumerate(set_days):
                a = entry_min if j == 0 else 0
                final_day = j == len(set_days) - 1
                timed = s.hold == "intraday" or (
                    s.exit.days_before_expiry is not None and set_days[-1] != first_expiry
                )
                b = exit_min + 1 if final_day and timed else MINUTES_PER_DAY
                spans.append((j, a, b))
            axis = _Axis(set_days, spans)
            assert self.minute_source is not None
            under = dense(self.minute_source.underlying_minutes(self.u, day))
            # the last minute an entry may fill at: before the exit time's bar on a one-day set
            latest = spans[0][2] - 1 - (1 if len(set_days) == 1 and timed else 0)
            at = self._underlying_trigger(under, entry_min, latest)
            if at is None:
                return None  # the underlying never moved as the entry waits for
            spot = float(under[0][at])
            basis = "minute"
        else:
            axis = _Axis(set_days, None)
            at_open = s.daily.entry == "open"
            spot = spot_before if at_open else chain.spot()
            basis = "open" if at_open else "close"
            at, latest = entry_min, entry_min
        if math.isnan(spot):
            return None
        live: list[_Live] = []
        first = at - entry_min  # the entry's bar on the set's axis
        for n, (leg, expiry) in enumerate(zip(s.legs, expiries, strict=True)):
            assert expiry is not None
            made = self._open_leg(axis, n, 0, leg, expiry, day, spot, basis, first, None, at)
            if made is None:
                return None  # a leg cannot be entered: no entry that day
            live.append(made)
        momentum = s.entry.momentum
        if momentum is not None and momentum.on == "premium":
            live = [lv for lv in live if self._premium_trigger(lv, latest - entry_min)]
            if not live:
                return None  # no leg's premium moved enough that day
        self._sets += 1
        set_no = self._sets - 1
        out.entries.append(SetEntry(set_no, day, minute_time(at) if minute else None, spot))
        cut_short = (
            s.hold == "expiry" and not s.exit.days_before_expiry and days[last] < first_expiry
        )
        return self._hold(out, axis, live, set_no, last, cut_short=cut_short)

    def _underlying_trigger(
        self, under: tuple[FloatArray, FloatArray, FloatArray, FloatArray], start: int, latest: int
    ) -> int | None:
        """The minute the legs enter at: `start`, or, for a range breakout or a momentum
        move of the underlying, the minute after the first bar (from `start` on) that
        trades through the level; None when none does by `latest`."""
        o, h, lo, _ = under
        rule = self.s.entry
        if rule.range_breakout is not None:
            span = rule.range_breakout.minutes
            highs, lows = h[:span], lo[:span]
            if np.isnan(highs).all():
                return None
            high, low = float(np.nanmax(highs)), float(np.nanmin(lows))
            up = rule.range_breakout.breaks == "high"
            return _first_through(
                h if up else lo, high if up else low, up, max(start, span), latest
            )
        momentum = rule.momentum
        if momentum is None or momentum.on != "underlying":
            return start
        ref = float(o[start])
        if math.isnan(ref):
            return None
        up = momentum.move == "up"
        level = ref + (1 if up else -1) * _move(ref, momentum.unit, momentum.value)
        return _first_through(h if up else lo, level, up, start, latest, beyond=False)

    def _premium_trigger(self, lv: _Live, latest: int) -> bool:
        """Enter `lv` (chosen at the entry time) when its own price moves as the momentum
        entry says: at the open of the bar after the one that trades through the level;
        False when none does by bar `latest`."""
        momentum = self.s.entry.momentum
        assert momentum is not None
        o, h, lo, _ = lv.bars
        ref = float(lv.entry_price)
        up = momentum.move == "up"
        level = ref + (1 if up else -1) * _move(ref, momentum.unit, momentum.value)
        at = _first_through(h if up else lo, level, up, lv.first_bar, latest, beyond=False)
        if at is None or math.isnan(o[at]) or o[at] <= 0:
            return False
        lv.first_bar, lv.entry_price = at, money(float(o[at]))
        return True

    def _open_leg(  # noqa: PLR0913, C901 - choosing the contract, then its entry
        self,
        axis: _Axis,
        n: int,
        number: int,
        leg: Leg,
        expiry: date,
        day: date,
        spot: float,
        basis: str,
        first_bar: int,
        strike: float | None,
        minute: int,
    ) -> _Live | None:
        chain = self.chain(day)
        moment = datetime.combine(day, minute_time(minute), tzinfo=IST)
        code = FUTURE_CODE if leg.future else leg.option_type
        if leg.future:
            strike = 0.0  # a future has none: its row's strike is 0
        if strike is None:
            if basis == "minute" and isinstance(leg.strike, AtmStrike | SpotPctStrike):
                prices = self._prices(chain, expiry, leg.option_type, chain.close)
            elif basis == "minute":
                assert self.minute_source is not None
                grid = self._prices(chain, expiry, leg.option_type, chain.close)
                prices = {}
                for k_ in grid:
                    bars = self.minute_source.option_minutes(
                        self.u, day, expiry, k_, leg.option_type
                    )
                    prices[k_] = float(dense(bars)[0][minute])
            else:
                column = chain.open if basis == "open" else chain.close
                prices = self._prices(chain, expiry, leg.option_type, column)
            strike = self._strike(leg, chain, expiry, spot, prices, moment)
            if strike is None:
                return None
        row = self._row(day, expiry, strike, code)
        if row is None:
            return None
        held = self._contract_bars(axis, expiry, strike, code)
        if basis == "close":
            price = float(chain.settle[row] if math.isnan(chain.close[row]) else chain.close[row])
        else:
            price = float(held[0][first_bar])
        if math.isnan(price) or price <= 0:
            return None
        if chain.lot_size[row] <= 0:
            raise NoData(
                f"the {self.u} chain of {day} gives no lot size (a legacy-layout bhavcopy): "
                "import that day's UDiFF file"
            )
        times = leg.reentry.times if leg.reentry is not None else 0
        step = OPTION_TICK
        if leg.future:  # index futures tick by the index's level (`domain.ticks`)
            step = tick_size(Decimal(f"{spot:.2f}"), InstrumentKind.INDEX_FUTURE, as_of=day)
        return _Live(
            leg=n,
            entry_number=number,
            spec=leg,
            expiry=expiry,
            strike=strike,
            lot_size=int(chain.lot_size[row]),
            first_bar=first_bar + (1 if basis == "close" else 0),
            entry_price=money(price),
            bars=held,
            reentries_left=times - number,
            step=step,
        )

    def _hold(  # noqa: C901, PLR0912, PLR0915 - the scan, its re-entries, then the exits
        self,
        out: OptionRun,
        axis: _Axis,
        live: list[_Live],
        set_no: int,
        last_index: int,
        *,
        cut_short: bool = False,  # the data ends before the set would
    ) -> int:
        s = self.s
        n_bars = len(axis)
        minute = axis.minutes is not None
        timed = minute and (axis.minutes is not None and axis.minutes[-1][2] != MINUTES_PER_DAY)
        scan_end = n_bars - 1 if timed else n_bars
        premium_in = sum((lv.entry_price * lv.quantity for lv in live if not lv.spec.future), ZERO)
        strategy_stop = strategy_target = math.nan
        if s.exit.stop_loss is not None:
            strategy_stop = float(distance(s.exit.stop_loss, premium_in, 1))
        if s.exit.target is not None:
            strategy_target = float(distance(s.exit.target, premium_in, 1))
        lock = np.full(5, np.nan)  # reach, lock, every, by, peak (`kernel.scan`)
        if s.exit.lock_profit is not None:
            p = s.exit.lock_profit
            lock[:4] = (p.reach, p.lock, p.every or 0.0, p.by or 0.0)

        def arrays() -> dict[str, np.ndarray]:
            legs = len(live)
            levels = np.array([lv.levels() for lv in live], dtype=np.float64).reshape(legs, 5)
            return {
                "o": np.stack([lv.bars[0] for lv in live]),
                "h": np.stack([lv.bars[1] for lv in live]),
                "l": np.stack([lv.bars[2] for lv in live]),
                "c": np.stack([lv.bars[3] for lv in live]),
                "first": np.array([lv.first_bar for lv in live], dtype=np.int64),
                "side": np.array([lv.sign for lv in live], dtype=np.float64),
                "qty": np.array([lv.quantity for lv in live], dtype=np.float64),
                "entry": np.array([float(lv.entry_price) for lv in live]),
                "levels": levels,
            }

        a = arrays()
        stop = a["levels"][:, 0].copy()
        initial = a["levels"][:, 0].copy()
        best = np.full(len(live), np.nan)
        last = np.full(len(live), np.nan)
        exit_bar = np.full(len(live), -1, dtype=np.int64)
        exit_price = np.full(len(live), np.nan)
        reason = np.zeros(len(live), dtype=np.int64)
        realised = 0.0
        bar = 0
        self._margin(out, set_no, axis.days[0], live, exit_bar, 0)
        while True:
            hand_back = np.array([lv.reentries_left > 0 for lv in live], dtype=np.bool_)
            what, at, realised = k.scan(
                a["o"], a["h"], a["l"], a["c"], bar, scan_end, a["first"], a["side"], a["qty"],
                a["entry"], stop, initial, a["levels"][:, 1], a["levels"][:, 2],
                a["levels"][:, 3], a["levels"][:, 4], best, last, hand_back,
                s.exit.move_sl_to_cost, realised, strategy_stop, strategy_target, lock,
                exit_bar, exit_price, reason,
            )  # fmt: skip
            if what != k.SCAN_LEG_STOPPED:
                break
            bar = at + 1
            for j in range(len(live)):
                lv = live[j]
                if exit_bar[j] != at or not hand_back[j] or reason[j] == k.TARGET:
                    continue
                lv.reentries_left = 0  # this leg is done; its re-entry carries the count on
                again = self._reenter(axis, lv, at, scan_end)
                if again is None:
                    continue
                live.append(again)
                a = arrays()
                stop = np.append(stop, a["levels"][-1, 0])
                initial = np.append(initial, a["levels"][-1, 0])
                best = np.append(best, np.nan)
                last = np.append(last, np.nan)
                exit_bar = np.append(exit_bar, -1)
                exit_price = np.append(exit_price, np.nan)
                reason = np.append(reason, 0)
                when = at if axis.minutes is None else again.first_bar  # daily: at the close
                self._margin(out, set_no, axis.when(when)[0], live, exit_bar, bar)
            if bar >= scan_end:
                break
        # what is still open ends now: settlement at expiry, else at the set's last price
        final_day = axis.days[-1]
        for j, lv in enumerate(live):
            if exit_bar[j] >= 0:
                self._book(
                    out, set_no, axis, lv, int(exit_bar[j]), exit_price[j], REASONS[int(reason[j])]
                )
                continue
            if lv.expiry == final_day and not timed and s.hold == "expiry":
                self._settle(out, set_no, axis, lv)
                continue
            if timed:
                price = lv.bars[0][n_bars - 1]
                why = "time"
                at_bar = n_bars - 1
            else:
                price = lv.bars[3][n_bars - 1]
                why = "end" if cut_short else "time"
                at_bar = n_bars - 1
            if math.isnan(price):
                closes = lv.bars[3][:n_bars]
                known = closes[~np.isnan(closes)]
                price = float(known[-1]) if known.size else float(lv.entry_price)
            self._book(out, set_no, axis, lv, at_bar, price, why)
        self._marks(out, axis, live, exit_bar, n_bars)
        return last_index

    def _reenter(self, axis: _Axis, lv: _Live, at: int, scan_end: int) -> _Live | None:
        minute = axis.minutes is not None
        if minute:
            start = at + 1
            if start >= scan_end:
                return None
            day, when = axis.when(start)
            assert when is not None
            assert self.minute_source is not None
            spot = float(
                dense(self.minute_source.underlying_minutes(self.u, day))[0][minute_index(when)]
            )
            basis, first, m = "minute", start, minute_index(when)
        else:
            if at + 1 >= scan_end:
                return None  # re-entered at the last close, it would only exit there
            day, _ = axis.when(at)
            spot, basis, first, m = self.chain(day).spot(), "close", at, minute_index(time(15, 29))
        strike = lv.strike if lv.spec.reentry and lv.spec.reentry.strike == "same" else None
        if math.isnan(spot):
            return None
        made = self._open_leg(
            axis, lv.leg, lv.entry_number + 1, lv.spec, lv.expiry, day, spot, basis, first,
            strike, m,
        )  # fmt: skip
        return made

    def _fill(self, day: date, order_id: str, side: Side, lv: _Live, price: Decimal) -> Decimal:
        """Book a traded fill of `lv`'s contract (after slippage) for the day's contract
        note (an option's or a future's charges); its price."""
        filled = fill_price(self.s.slippage, side, price, step=lv.step)
        if self.s.charges == "zerodha":
            segment = Segment.FUTURES if lv.spec.future else Segment.OPTIONS
            self._fills[day].append(
                Fill(order_id, segment, side, lv.quantity, filled, exchange=Exchange.NSE)
            )
        return filled

    def _book(
        self, out: OptionRun, set_no: int, axis: _Axis, lv: _Live, bar: int, price: float, why: str
    ) -> None:
        """Close a leg by a trade at `price` on `bar` (slippage and charges on the fill)."""
        exit_day, exit_time = axis.when(bar)
        exit_px = money(price)
        back = Side.SELL if lv.sign > 0 else Side.BUY
        tag = f"{set_no}-{lv.leg}-{lv.entry_number}"
        exit_fill = self._fill(exit_day, f"{tag}-out", back, lv, exit_px)
        self._record(out, set_no, axis, lv, (exit_day, exit_time, exit_px, exit_fill), why)

    def _entry_when(self, axis: _Axis, lv: _Live) -> tuple[date, time | None]:
        if axis.minutes is not None:
            return axis.when(lv.first_bar)
        # a daily entry at the close is checked from the next bar on
        closing = self.s.daily.entry == "close" or lv.entry_number > 0
        return axis.when(lv.first_bar - 1 if closing else lv.first_bar)

    def _settle(self, out: OptionRun, set_no: int, axis: _Axis, lv: _Live) -> None:
        """Close a leg by its contract's settlement at the expiry's close."""
        spot = self.chain(lv.expiry).spot()
        if math.isnan(spot):
            raise NoData(
                f"no {self.u} underlying close on the expiry {lv.expiry}: the leg it settles "
                "cannot be valued (that day's bhavcopy is missing)"
            )
        close = Decimal(f"{spot:.2f}")
        strike = None if lv.spec.future else money(lv.strike)
        contract = Contract(self.u, lv.expiry, lv.spec.option_type, strike, False)
        settled = settle(contract, lv.sign * lv.quantity, close)
        charges = (
            settled.charges if self.s.charges == "zerodha" else ExpiryCharges(ZERO, ZERO, ZERO)
        )
        out.settlements.append(Settlement(lv.expiry, set_no, lv.leg, settled.value, charges))
        closing = (lv.expiry, time(15, 30), settled.price, settled.price)
        self._record(out, set_no, axis, lv, closing, "settlement")

    def _record(
        self,
        out: OptionRun,
        set_no: int,
        axis: _Axis,
        lv: _Live,
        closing: tuple[date, time | None, Decimal, Decimal],
        why: str,
    ) -> None:
        """Book the leg's entry fill and its trade, closed as `closing` says: (day, time,
        market price, fill price)."""
        exit_day, exit_time, exit_px, exit_fill = closing
        entry_day, entry_time = self._entry_when(axis, lv)
        qty = lv.quantity
        buy_in = Side.BUY if lv.sign > 0 else Side.SELL
        tag = f"{set_no}-{lv.leg}-{lv.entry_number}"
        entry_fill = self._fill(entry_day, f"{tag}-in", buy_in, lv, lv.entry_price)
        minute = self.s.resolution == "minute"
        out.trades.append(
            LegTrade(
                trade_set=set_no,
                leg=lv.leg,
                entry_number=lv.entry_number,
                option_type=lv.spec.option_type,
                side=lv.spec.side,
                expiry=lv.expiry,
                strike=money(lv.strike),
                lots=lv.spec.lots,
                lot_size=lv.lot_size,
                entry_day=entry_day,
                entry_time=entry_time if minute else None,
                entry_price=lv.entry_price,
                entry_fill=entry_fill,
                exit_day=exit_day,
                exit_time=exit_time if minute else None,
                exit_price=exit_px,
                exit_fill=exit_fill,
                reason=why,
                gross=lv.sign * (exit_px - lv.entry_price) * qty,
                slippage=(abs(entry_fill - lv.entry_price) + abs(exit_fill - exit_px)) * qty,
            )  # fmt: skip
        )

    def _margin(
        self,
        out: OptionRun,
        set_no: int,
        day: date,
        live: list[_Live],
        exit_bar: np.ndarray,
        bar: int,
    ) -> None:
        spot = Decimal(f"{self.chain(day).spot():.2f}")
        legs = []
        for j, lv in enumerate(live):
            if j < exit_bar.size and 0 <= exit_bar[j] < bar:
                continue
            kind = InstrumentType(lv.spec.option_type)
            symbol = (
                f"{self.u}{lv.expiry:%y%b}FUT".upper()
                if lv.spec.future
                else f"{self.u}{lv.expiry:%y%m%d}{lv.strike:g}{lv.spec.option_type}"
            )
            instrument = Instrument(
                exchange=Venue.NFO, tradingsymbol=symbol, instrument_type=kind, name=self.u,
                instrument_token=synthetic_token(Venue.NFO, symbol), lot_size=lv.lot_size,
                tick_size=lv.step, expiry=lv.expiry,
                strike=None if lv.spec.future else money(lv.strike), underlying=self.u,
            )  # fmt: skip
            side = TransactionType.BUY if lv.sign > 0 else TransactionType.SELL
            alone = margin_for(
                instrument, "NRML", side, lv.quantity, lv.entry_price, rates=_MARGIN_RATES,
                risk=RiskClass.INDEX, underlying_price=spot, today=day,
            )  # fmt: skip
            legs.append(
                MarginLeg(alone, instrument, lv.sign * lv.quantity, lv.entry_price, RiskClass.INDEX)
            )
        expiring = any(lv.expiry == day for lv in live)  # the expiry day's rules, else none
        total = portfolio_margin(legs, today=day if expiring else None).total if legs else ZERO
        out.margins.append(TradeSetMargin(set_no, day, total))

    def _marks(
        self, out: OptionRun, axis: _Axis, live: list[_Live], exit_bar: np.ndarray, n_bars: int
    ) -> None:
        """Each open leg's P&L at the end of every day it is held over (the equity curve)."""
        day_of = axis.day_of
        ends = np.flatnonzero(np.diff(day_of)) if n_bars > 1 else np.empty(0, dtype=np.int64)
        peak = max((m.margin for m in out.margins if m.trade_set == self._sets - 1), default=ZERO)
        for end in ends.tolist():
            day = axis.days[int(day_of[end])]
            out.held[day] = max(out.held.get(day, ZERO), peak)
            for j, lv in enumerate(live):
                if end < lv.first_bar - (1 if axis.minutes is None else 0):
                    continue
                if exit_bar[j] >= 0 and exit_bar[j] <= end:
                    continue
                closes = lv.bars[3][: end + 1]
                known = closes[~np.isnan(closes)]
                mark = float(known[-1]) if known.size else float(lv.entry_price)
                out.mtm[day] += lv.sign * (mark - float(lv.entry_price)) * lv.quantity
        last_day = axis.days[-1]
        out.held[last_day] = max(out.held.get(last_day, ZERO), peak)

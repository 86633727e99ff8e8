"""An options strategy document: legs, entry, exits, re-entry; validated with errors that
name the path (``legs[1].strike.offset``) as the equity DSL's are (`strategies.dsl.json_path`).

The same family as the equity documents: JSON, tagged unions by ``type``, no unknown keys,
strict numbers, and the equity DSL's conditions for the indicator rule on the underlying.

Units of a stop or a target (`Amount`): ``points`` of premium per unit, ``pct`` of the entry
premium, ``rupees`` on the leg's whole quantity. A strategy's own stop and target are on
the P&L of all its open and closed legs of the day's entry: ``rupees``, or ``pct`` of the
premium taken in (or paid) at entry.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from tradertape.strategies.dsl import Condition, json_path

MAX_LEGS = 10
FUTURE = "FUT"
Weekday = Literal["mon", "tue", "wed", "thu", "fri"]
_WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")


def _of_the_day(at: dt.time) -> dt.time:
    if at.tzinfo is not None:
        raise ValueError("a time of day in IST, without an offset (09:20)")
    return at


TimeOfDay = Annotated[dt.time, AfterValidator(_of_the_day)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(StrEnum):
    POINTS = "points"
    PCT = "pct"
    RUPEES = "rupees"


class Amount(_Part):
    """A distance from the entry price: points, percent of the premium, or rupees."""

    unit: Unit
    value: float = Field(gt=0, le=10_000_000, strict=True)


class Trailing(_Part):
    """For every `every` the leg moves in its favour, move its stop `by` (AlgoTest's trail)."""

    every: Amount
    by: Amount


class ReEntry(_Part):
    """After the leg's stop-loss, enter it again (`times` at most per entry): at the same
    strike, or at the strike its rule picks then."""

    times: int = Field(ge=0, le=10, strict=True)
    strike: Literal["same", "reselect"] = "reselect"


class AtmStrike(_Part):
    """ATM (the listed strike nearest the spot), `offset` strikes away: + is higher."""

    type: Literal["atm"]
    offset: int = Field(default=0, ge=-40, le=40, strict=True)


class PremiumStrike(_Part):
    """By premium: the closest to `premium`, or the nearest-to-ATM at least / at most it."""

    type: Literal["closest_premium", "premium_gte", "premium_lte"]
    premium: float = Field(gt=0, le=100_000, strict=True)


class DeltaStrike(_Part):
    """The strike whose delta (from the volatility implied by its price) is nearest `delta`
    (as a magnitude: 0.3 is the 30-delta call or put)."""

    type: Literal["delta"]
    delta: float = Field(gt=0, lt=1, strict=True)


class SpotPctStrike(_Part):
    """The listed strike nearest to spot × (1 + pct/100)."""

    type: Literal["spot_pct"]
    pct: float = Field(ge=-50, le=50, strict=True)


Strike = Annotated[
    AtmStrike | PremiumStrike | DeltaStrike | SpotPctStrike, Field(discriminator="type")
]


class ExpiryPick(_Part):
    """The nth (0: nearest) weekly expiry, or the nth monthly one."""

    kind: Literal["weekly", "monthly"] = "weekly"
    nth: int = Field(default=0, ge=0, le=3, strict=True)


class Leg(_Part):
    """One leg: an option (``CE``/``PE``), or the underlying's future (``FUT``: the nth
    listed future, 0 the near month, whatever `expiry.kind` says; it has no strike)."""

    option_type: Literal["CE", "PE", "FUT"]
    side: Literal["buy", "sell"]
    lots: int = Field(default=1, ge=1, le=1000, strict=True)
    expiry: ExpiryPick = Field(default_factory=ExpiryPick)
    strike: Strike = Field(default_factory=lambda: AtmStrike(type="atm"))
    stop_loss: Amount | None = None
    target: Amount | None = None
    trailing: Trailing | None = None
    break_even_at: Amount | None = None  # once this far in profit, the stop moves to entry
    reentry: ReEntry | None = None

    @property
    def future(self) -> bool:
        return self.option_type == FUTURE

    @model_validator(mode="after")
    def _needs_stop(self) -> Self:
        if self.future and self.strike != AtmStrike(type="atm"):
            raise ValueError("a future has no strike: leave strike out of a FUT leg")
        if self.trailing is not None and self.stop_loss is None:
            raise ValueError("a trailing stop moves the stop-loss: set stop_loss too")
        if self.reentry is not None and self.reentry.times and self.stop_loss is None:
            raise ValueError("re-entry follows a stop-loss: set stop_loss too")
        return self


class RangeBreakout(_Part):
    """Enter when the underlying breaks the high (or the low) of its first `minutes` minutes
    from 09:15: the first minute bar, from the range's end (or `entry.time`, the later) on,
    that trades beyond it; the legs fill at the next minute's open, their strikes chosen on
    the underlying's open then."""

    minutes: int = Field(ge=1, le=300, strict=True)
    breaks: Literal["high", "low"]


class Momentum(_Part):
    """Enter after a move from the price at `entry.time` (the minute's open): the
    underlying's (all legs at once, strikes chosen when it moves) or each leg's own premium
    (its contract chosen at `entry.time`, entered when its price moves): `up` or `down` by
    `value` points or pct. The legs fill at the open of the minute after the one that
    trades through the level."""

    on: Literal["underlying", "premium"]
    move: Literal["up", "down"]
    unit: Literal["points", "pct"]
    value: float = Field(gt=0, le=100_000, strict=True)


class Entry(_Part):
    """When the legs are entered: the time of day (minute resolution), weekdays, days to
    the first leg's expiry (trading days; 0 on the expiry day), and an indicator rule of
    the equity DSL on the underlying's daily closes (evaluated on the day before: no
    look-ahead). At minute resolution, a range breakout or a momentum move may wait for
    the underlying (or the premium) to move first: no move that day, no entry."""

    time: TimeOfDay = dt.time(9, 20)
    weekdays: list[Weekday] = Field(
        default_factory=lambda: list(_WEEKDAYS), min_length=1, max_length=5
    )
    days_to_expiry: list[Annotated[int, Field(ge=0, le=60, strict=True)]] | None = Field(
        default=None, min_length=1, max_length=61
    )
    rule: Condition | None = None
    range_breakout: RangeBreakout | None = None
    momentum: Momentum | None = None

    @model_validator(mode="after")
    def _in_session(self) -> Self:
        if not dt.time(9, 15) <= self.time <= dt.time(15, 28):
            raise ValueError("time must fall in the session, 09:15 to 15:28 IST")
        if self.range_breakout is not None and self.momentum is not None:
            raise ValueError("an entry waits for a range breakout or a momentum move, not both")
        return self


class LockProfit(_Part):
    """Lock and trail the strategy's profit (rupees, its P&L on the bars' closes): once it
    reaches `reach`, exit everything if it falls back to `lock`; with `every` and `by`, each
    further `every` of profit above `reach` raises the lock by `by`. A lock reached on a
    bar's close guards from the next bar on."""

    reach: float = Field(gt=0, le=1e9, strict=True)
    lock: float = Field(ge=0, le=1e9, strict=True)
    every: float | None = Field(default=None, gt=0, le=1e9, strict=True)
    by: float | None = Field(default=None, gt=0, le=1e9, strict=True)

    @model_validator(mode="after")
    def _below(self) -> Self:
        if self.lock >= self.reach:
            raise ValueError("lock must be less than reach")
        if (self.every is None) != (self.by is None):
            raise ValueError("a trail needs both every and by")
        return self


class StrategyExit(_Part):
    """How the whole position ends: its own stop and target, a profit lock (and trail), a
    time of day (intraday), a number of trading days before expiry (positional), and
    settlement at expiry."""

    stop_loss: Amount | None = None
    target: Amount | None = None
    lock_profit: LockProfit | None = None
    # when a leg stops out, the others' stops go to their entry prices
    move_sl_to_cost: bool = Field(default=False, strict=True)
    time: TimeOfDay = dt.time(15, 15)
    days_before_expiry: int | None = Field(default=None, ge=1, le=30, strict=True)

    @model_validator(mode="after")
    def _units(self) -> Self:
        for name in ("stop_loss", "target"):
            amount = getattr(self, name)
            if amount is not None and amount.unit is Unit.POINTS:
                raise ValueError(f"{name}: a strategy's {name} is in rupees or pct")
        return self


class DailyFills(_Part):
    """Which of the bhavcopy's prices a daily run fills at."""

    entry: Literal["open", "close"] = "open"
    exit: Literal["close", "settle"] = "close"


class Slippage(_Part):
    """Adverse slippage on every traded fill (not on settlement): points or pct of price."""

    unit: Literal["points", "pct"] = "pct"
    value: float = Field(default=0.0, ge=0, le=50, strict=True)


class OptionStrategy(_Part):
    """A whole options strategy document."""

    name: str = Field(min_length=1, max_length=120)
    underlying: str = Field(min_length=1, max_length=20, pattern=r"^[A-Z0-9&-]+$")
    resolution: Literal["daily", "minute"] = "daily"
    hold: Literal["intraday", "expiry"] = "intraday"
    legs: list[Leg] = Field(min_length=1, max_length=MAX_LEGS)
    entry: Entry = Field(default_factory=Entry)
    exit: StrategyExit = Field(default_factory=StrategyExit)
    daily: DailyFills = Field(default_factory=DailyFills)
    slippage: Slippage = Field(default_factory=Slippage)
    charges: Literal["zerodha", "none"] = "zerodha"
    capital: float = Field(default=500_000.0, gt=0, le=1e11, strict=True)

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.hold == "intraday" and self.exit.days_before_expiry is not None:
            raise ValueError("days_before_expiry is for hold 'expiry' (positional)")
        if self.resolution == "daily" and self.hold == "intraday" and self.daily.entry == "close":
            raise ValueError("an intraday daily run enters at the open (daily.entry: open)")
        if self.resolution == "minute" and self.exit.time <= self.entry.time:
            raise ValueError("exit.time must come after entry.time")
        waits = self.entry.range_breakout is not None or self.entry.momentum is not None
        if waits and self.resolution != "minute":
            raise ValueError("a range breakout or momentum entry needs resolution 'minute'")
        premium = any(
            a is not None and a.unit is Unit.PCT for a in (self.exit.stop_loss, self.exit.target)
        )
        if premium and all(leg.future for leg in self.legs):
            raise ValueError("a strategy's pct stop or target is of the options' premium")
        return self


def weekday_index(name: str) -> int:
    """``mon`` → 0 … ``fri`` → 4."""
    return _WEEKDAYS.index(name)


_STRIKE_TAGS = frozenset(
    {"atm", "closest_premium", "premium_gte", "premium_lte", "delta", "spot_pct"}
)
_CONDITION_TAGS = frozenset({"compare", "crosses_above", "crosses_below", "and", "or", "not"})
_TAGGED_SLOTS = {"strike": _STRIKE_TAGS, "rule": _CONDITION_TAGS}


def error_path(loc: tuple[int | str, ...]) -> str:
    """A validation error's location in words a trader can follow (``legs[0].strike.delta``):
    the union tags pydantic adds after ``strike`` and ``rule`` are not in the document."""
    kept: list[int | str] = []
    for i, part in enumerate(loc):
        tags = _TAGGED_SLOTS.get(str(loc[i - 1])) if i else None
        if tags and part in tags and i + 1 < len(loc):
            continue
        kept.append(part)
    return json_path(tuple(kept))


def first_error(exc: ValidationError) -> tuple[str, str]:
    """(path, message) of a document's first error; the path is ``document`` at the top."""
    first = exc.errors()[0]
    return error_path(tuple(first["loc"])) or "document", str(first["msg"])

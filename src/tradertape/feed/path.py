"""One instrument's intraday path through its day bar, in whole ticks.

The session is cut into ``steps`` equal steps (one tick each; step 0 is the open, the last is
the close). A coarse path of *knots*, about one a minute, is drawn once per day: it starts at
the open, ends at the close and touches the high and the low at random knots, with Brownian
bridges in between reflected into the day's range. Between two knots the price wiggles (a hash of
the step, so any step is computed in O(1)) without leaving the interval the two knots span.
That bound makes the running high/low the extremes of the knots so far and of the current
knot interval's steps: the feed can start mid-session, or skip steps, and still report the same
high/low as a feed that saw every tick (sequential steps cost O(1); a jump at most one interval).

Volume follows a U-shaped intraday profile, with an opening-auction share at the first tick,
and reaches the day's volume exactly at the close.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

_MASK = (1 << 64) - 1
_OPENING_SHARE = 0.03  # of the day's volume printed at the open
_WIGGLE = 0.8  # how far a step may stray from the straight line between knots
_NOISE = 0.5  # bridge noise: the whole session's random wander is about half the day's range


def mix(seed: int, n: int) -> int:
    """A 64-bit hash of ``(seed, n)`` (splitmix64): cheap, deterministic noise per step."""
    z = (seed + (n + 1) * 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _units(value: float) -> int:
    return math.floor(value + 0.5)


def volume_fraction(position: float) -> float:
    """Share of the day's volume traded by `position` (0 = open, 1 = close); U-shaped."""
    x = 2 * position - 1  # density 1 + 3x², heavier at the open and the close
    return (position + (x**3 + 1) / 2) / 2


@dataclass(frozen=True, slots=True)
class PathPoint:
    """The state after one step: last price, the day's high/low so far (ticks) and volume."""

    price: int
    high: int
    low: int
    volume: int


class IntradayPath:
    """The deterministic path of one instrument over one session (prices in whole ticks)."""

    __slots__ = ("_knot_every", "_knots", "_max", "_memo", "_min", "_salt", "_steps", "_volume")

    def __init__(
        self,
        *,
        open: int,
        high: int,
        low: int,
        close: int,
        volume: int,
        steps: int,
        knot_every: int,
        salt: int,
    ) -> None:
        if not 0 < low <= min(open, close) <= max(open, close) <= high:
            raise ValueError(f"inconsistent bar o={open} h={high} l={low} c={close}")
        last = -(-steps // max(knot_every, 1))  # index of the closing knot
        if knot_every < 1 or last < 3:
            raise ValueError("a session needs at least 3 knots (open, high/low, close)")
        self._steps, self._knot_every, self._volume, self._salt = steps, knot_every, volume, salt
        self._knots = _draw_knots(open, high, low, close, last, random.Random(salt))  # noqa: S311
        self._max = _running(self._knots, max)
        self._min = _running(self._knots, min)
        self._memo = (-1, -1, 0, 0)  # (knot index, step, high, low) of the last interval scan

    @property
    def steps(self) -> int:
        """Index of the closing step."""
        return self._steps

    def _knot_step(self, index: int) -> int:
        return min(index * self._knot_every, self._steps)

    def price(self, step: int) -> tuple[int, int]:
        """The price at `step` and the index of the knot at or before it."""
        if step >= self._steps:
            return self._knots[-1], len(self._knots) - 1
        index = step // self._knot_every
        start = self._knot_step(index)
        if step == start:
            return self._knots[index], index
        a, b = self._knots[index], self._knots[index + 1]
        frac = (step - start) / (self._knot_step(index + 1) - start)
        z = mix(self._salt, step) / _MASK * 2 - 1
        g = min(1.0, max(0.0, frac + _WIGGLE * math.sin(math.pi * frac) * z))
        return _units(a + (b - a) * g), index

    def volume(self, step: int) -> int:
        """Cumulative volume at `step`: the opening share at step 0, the whole day at the close."""
        if step >= self._steps:
            return self._volume
        share = _OPENING_SHARE + (1 - _OPENING_SHARE) * volume_fraction(step / self._steps)
        return math.floor(self._volume * share)

    def at(self, step: int) -> PathPoint:
        """The state after `step` (0 ≤ step ≤ steps)."""
        if not 0 <= step <= self._steps:
            raise ValueError(f"step {step} outside 0..{self._steps}")
        price, index = self.price(step)
        high, low = self._interval_extremes(index, step)
        return PathPoint(
            price=price,
            high=max(self._max[index], high),
            low=min(self._min[index], low),
            volume=self.volume(step),
        )

    def _interval_extremes(self, index: int, step: int) -> tuple[int, int]:
        # Extremes of the steps from knot `index` up to `step`, resumed from the last scan.
        known, upto, high, low = self._memo
        if known != index or upto > step:
            upto, high = self._knot_step(index) - 1, self._knots[index]
            low = high
        for s in range(upto + 1, step + 1):
            price = self.price(s)[0]
            high, low = max(high, price), min(low, price)
        self._memo = (index, step, high, low)
        return high, low


def _running(values: list[int], pick: Callable[[int, int], int]) -> list[int]:
    out, best = [], values[0]
    for value in values:
        best = pick(best, value)
        out.append(best)
    return out


def _waypoints(
    open_: int, high: int, low: int, close: int, last: int, rng: random.Random
) -> dict[int, int]:
    points = {0: open_, last: close}
    extremes = [v for v in (high, low) if v not in (open_, close)]
    # An extreme the open or close already prints needs no knot of its own.
    for index, value in zip(rng.sample(range(1, last), len(extremes)), extremes, strict=True):
        points[index] = value
    return points


def _fold(value: float, low: int, high: int) -> int:
    """``value`` reflected into ``[low, high]``: a wander past the day's high turns back down.

    Clipping instead left the bridge pinned at the high or low for as long as it wandered
    beyond it, and an index then printed one price for many minutes.
    """
    span = high - low
    if span <= 0:
        return low
    x = (value - low) % (2 * span)
    return _units(low + (x if x <= span else 2 * span - x))


def _aside(value: int, avoid: tuple[int, ...], low: int, high: int) -> int:
    """``value``, or the nearest price within ``[low, high]`` that is none of ``avoid``."""
    if value not in avoid:
        return value
    for candidate in (value + 1, value - 1, value + 2, value - 2):
        if low <= candidate <= high and candidate not in avoid:
            return candidate
    return value


def _draw_knots(
    open_: int, high: int, low: int, close: int, last: int, rng: random.Random
) -> list[int]:
    points = sorted(_waypoints(open_, high, low, close, last, rng).items())
    sigma = max(high - low, 1) * _NOISE / math.sqrt(last)
    knots = [open_]
    for (ia, va), (ib, vb) in zip(points, points[1:], strict=False):
        n = ib - ia
        walk = [0.0]
        for _ in range(n):
            walk.append(walk[-1] + rng.gauss(0.0, sigma))
        for j in range(1, n):
            bridge = walk[j] - walk[n] * j / n
            value = _fold(va + (vb - va) * j / n + bridge, low, high)
            # Two equal knots would print one price for the whole interval between them.
            avoid = (knots[-1], vb) if j == n - 1 else (knots[-1],)
            knots.append(_aside(value, avoid, low, high))
        knots.append(vb)
    return knots

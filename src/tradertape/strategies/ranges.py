"""Whether comparisons AND-ed on one series can all hold: "RSI 14 < 45 and RSI 14 > 50" never
can, so a rule holding both is refused when saved rather than never firing.

Each comparison of a series against a constant bounds it from one side (``<``, ``<=``, ``>``,
``>=``) or both (``==``); the comparisons can hold together exactly when the tightest lower
bound is below the tightest upper bound (or equal, both inclusive). On a line, intervals
that meet two by two meet all together (Helly), so an empty intersection is always shown by
two of them: those two are the ones named. ``!=`` excludes a single point and is not judged.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

BOUNDING_OPS = frozenset({">", ">=", "<", "<=", "=="})
_MIRROR = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "=="}


def mirrored(op: str) -> str:
    """The operator read from the other side: ``45 > rsi14`` is ``rsi14 < 45``."""
    return _MIRROR[op]


@dataclass(frozen=True, slots=True)
class Bound:
    """``series op value`` for the condition at `index` of its ``and``, as `said` to people."""

    series: Hashable  # what is compared: the indicator's name and lag
    op: str
    value: float
    index: int
    said: str = ""


# a bound's edge: (value, inclusive, the bound it comes from)
_Edge = tuple[float, bool, Bound]


def _apart(low: _Edge, high: _Edge) -> bool:
    """Whether no number is above `low` and below `high`."""
    return low[0] > high[0] or (low[0] == high[0] and not (low[1] and high[1]))


def _tighter(new: _Edge, old: _Edge | None, *, sign: int) -> bool:
    """Whether `new` bounds more closely than `old`: a greater lower bound (`sign` 1), a
    lesser upper one (-1); at one value, exclusive is the tighter."""
    if old is None:
        return True
    return sign * new[0] > sign * old[0] or (new[0] == old[0] and old[1] and not new[1])


def contradiction(bounds: Iterable[Bound]) -> tuple[Bound, Bound] | None:
    """Two bounds on one series that no value meets (the first pair found, in the order
    written), or None when every series' bounds can all hold together."""
    tightest: dict[Hashable, tuple[_Edge | None, _Edge | None]] = {}
    for bound in bounds:
        if bound.op not in BOUNDING_OPS:
            continue
        low, high = tightest.get(bound.series, (None, None))
        edge = (bound.value, bound.op in (">=", "<=", "=="), bound)
        if bound.op in (">", ">=", "==") and _tighter(edge, low, sign=1):
            low = edge
        if bound.op in ("<", "<=", "==") and _tighter(edge, high, sign=-1):
            high = edge
        tightest[bound.series] = (low, high)
        if low is not None and high is not None and _apart(low, high):
            pair = sorted((low[2], high[2]), key=lambda b: b.index)
            return pair[0], pair[1]
    return None

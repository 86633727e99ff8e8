"""Synthetic open interest for the simulated market's options, and what is read from it.

The simulated market has no order flow to accumulate open interest from, so each contract
gets a deterministic one shaped the way NSE index chains usually look: writers crowd just
out of the money (calls above the index, puts below), round strikes draw more, and interest
thins away from the money. It is anchored on the index's previous close, so it is stable
through a session, and a per-contract hash keeps neighbouring strikes from being identical.
PCR and max pain are then the usual readings of it; with real open interest (a broker's
quotes) the same two functions apply unchanged.

The previous session's close (`previous_oi`) is today's scaled by a stable per-contract
factor (interest mostly builds into an expiry, some strikes unwind), so the chain can show
the change in open interest as Sensibull and NSE do: today's less the previous session's,
in whole lots. The day's traded volume (`session_volume`) is a stable per-contract
multiple of the open interest (weekly index options turn over a few times their interest a
day) accrued through the session's hours, so it only grows from 09:15 to 15:30 IST.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

_PEAK_UNITS = 6_000_000  # units at the most crowded strike of a weekly NIFTY chain
_OTM_SHIFT = 0.015  # writers' favourite distance from the index
_WIDTH = 0.03


@dataclass(frozen=True, slots=True)
class StrikeInterest:
    """Open interest (units) of the call and the put at one strike."""

    strike: Decimal
    call_oi: int
    put_oi: int


_PREVIOUS = (0.75, 1.15)  # yesterday's interest as a share of today's, per contract
_TURNOVER = (1.5, 4.5)  # a day's volume as a multiple of the interest, per contract
_SESSION_OPEN_MINS = 9 * 60 + 15  # 09:15 IST
_SESSION_MINS = 375  # to 15:30 IST


def _uniform(symbol: str, salt: str = "") -> float:
    """A stable number in [0, 1) per contract (and salt)."""
    digest = hashlib.blake2b(f"{salt}{symbol}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32


def _jitter(symbol: str) -> float:
    """A stable factor in [0.8, 1.2) per contract."""
    return 0.8 + 0.4 * _uniform(symbol)


def _whole_lots(units: float, lot_size: int) -> int:
    lot = max(lot_size, 1)
    return int(units // lot) * lot


def _round_bonus(strike: Decimal) -> float:
    if strike % 500 == 0:
        return 1.8
    return 1.25 if strike % 100 == 0 else 1.0


def synthetic_oi(
    symbol: str, *, strike: Decimal, is_call: bool, anchor: Decimal, lot_size: int
) -> int:
    """The contract's open interest in units, a whole number of lots."""
    distance = float((strike - anchor) / anchor)
    centre = _OTM_SHIFT if is_call else -_OTM_SHIFT
    shape = math.exp(-(((distance - centre) / _WIDTH) ** 2))
    units = _PEAK_UNITS * shape * _round_bonus(strike) * _jitter(symbol)
    lots = int(units // max(lot_size, 1))
    return lots * lot_size


def put_call_ratio(rows: Iterable[StrikeInterest]) -> float | None:
    """Total put open interest over total call open interest (None with no calls)."""
    calls = puts = 0
    for row in rows:
        calls += row.call_oi
        puts += row.put_oi
    return round(puts / calls, 4) if calls else None


def max_pain(rows: Sequence[StrikeInterest]) -> Decimal | None:
    """The settlement strike at which option holders collect least (writers pay least).

    Holders of a call at K collect ``(S − K)⁺`` per unit and of a put ``(K − S)⁺``; the
    candidate settlements are the listed strikes. Ties go to the lower strike.
    """
    best: tuple[Decimal, Decimal] | None = None
    for settle in (r.strike for r in rows):
        paid = sum(
            (
                r.call_oi * max(settle - r.strike, Decimal(0))
                + r.put_oi * max(r.strike - settle, Decimal(0))
                for r in rows
            ),
            Decimal(0),
        )
        if best is None or paid < best[0]:
            best = (paid, settle)
    return best[1] if best is not None else None


def previous_oi(symbol: str, *, oi: int, lot_size: int) -> int:
    """The contract's open interest at the previous session's close (units, whole lots):
    today's `oi` times a stable factor of the contract in [0.75, 1.15)."""
    low, high = _PREVIOUS
    return _whole_lots(oi * (low + (high - low) * _uniform(symbol, "prev:")), lot_size)


def session_fraction(ist_minutes: int) -> float:
    """How much of the session (09:15 to 15:30 IST) has passed at `ist_minutes` after
    midnight IST: 0 before the open, 1 from the close."""
    return min(max((ist_minutes - _SESSION_OPEN_MINS) / _SESSION_MINS, 0.0), 1.0)


def session_volume(symbol: str, *, oi: int, lot_size: int, fraction: float) -> int:
    """The units traded so far today (whole lots): a stable multiple of the contract's
    open interest in [1.5, 4.5), `fraction` of the way through the session."""
    low, high = _TURNOVER
    turnover = low + (high - low) * _uniform(symbol, "volume:")
    return _whole_lots(oi * turnover * min(max(fraction, 0.0), 1.0), lot_size)

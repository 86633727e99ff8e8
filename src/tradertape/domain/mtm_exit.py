"""When a scope's day MTM exits it: the arithmetic of an ``mtm_exit`` risk rule.

The rule exits every open position of its scope when the day's MTM falls to −loss, or
rises to +target. With a trail, reaching the target does not exit: it arms a floor
``trail`` under the best MTM seen since (the peak), and the exit comes when the MTM falls
back to that floor, so a good day is let run and most of it kept. The MTM is the one the
account's views show (realised and open P&L against the day's start); the service reads
it, this module only compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tradertape.domain.money import inr


class Trip(StrEnum):
    """Why the rule exited its scope."""

    LOSS = "loss"
    TARGET = "target"
    TRAIL = "trail"


@dataclass(frozen=True, slots=True)
class MtmTerms:
    """The rule's amounts in rupees: −loss and +target (either may be absent), and the
    trail under the peak once the target is reached (only with a target)."""

    loss: Decimal | None = None
    target: Decimal | None = None
    trail: Decimal | None = None


@dataclass(frozen=True, slots=True)
class MtmReading:
    """Where the day's MTM stands against each threshold (None where there is none)."""

    mtm: Decimal
    peak: Decimal
    stop_at: Decimal | None  # the MTM that exits on the way down: −loss
    target_at: Decimal | None  # the MTM that exits (or, trailing, arms the floor)
    trail_floor: Decimal | None  # peak − trail, once the target armed it
    to_stop: Decimal | None  # how far the MTM may still fall before the loss exits
    to_target: Decimal | None  # how far it must still rise to reach the target
    to_trail: Decimal | None  # how far it may fall before the trailing floor exits
    trip: Trip | None  # what exits now, if anything


def peak_of(peak: Decimal | None, mtm: Decimal) -> Decimal:
    """The day's best MTM with `mtm` seen (the first reading of a day starts it)."""
    return mtm if peak is None or mtm > peak else peak


def read(terms: MtmTerms, *, mtm: Decimal, peak: Decimal) -> MtmReading:
    """The reading of `mtm` with the day's `peak` (already including `mtm`)."""
    stop_at = -terms.loss if terms.loss is not None else None
    target_at = terms.target
    armed = terms.trail is not None and target_at is not None and peak >= target_at
    floor = peak - terms.trail if armed and terms.trail is not None else None
    trip: Trip | None = None
    if stop_at is not None and mtm <= stop_at:
        trip = Trip.LOSS
    elif floor is not None and mtm <= floor:
        trip = Trip.TRAIL
    elif terms.trail is None and target_at is not None and mtm >= target_at:
        trip = Trip.TARGET
    return MtmReading(
        mtm=mtm,
        peak=peak,
        stop_at=stop_at,
        target_at=target_at,
        trail_floor=floor,
        to_stop=mtm - stop_at if stop_at is not None else None,
        to_target=target_at - mtm if target_at is not None and floor is None else None,
        to_trail=mtm - floor if floor is not None else None,
        trip=trip,
    )


def words(trip: Trip, reading: MtmReading) -> str:
    """Why the scope was exited, for the risk page and the event log."""
    mtm = inr(reading.mtm)
    match trip:
        case Trip.LOSS:
            return f"day MTM {mtm} reached the loss of {inr(-(reading.stop_at or 0))}"
        case Trip.TARGET:
            return f"day MTM {mtm} reached the target of {inr(reading.target_at or 0)}"
        case Trip.TRAIL:
            return (
                f"day MTM {mtm} fell to the trailing floor {inr(reading.trail_floor or 0)} "
                f"(peak {inr(reading.peak)})"
            )

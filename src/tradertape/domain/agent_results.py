"""What a result the agent reports may do to a signal and its position: one table.

The agent reports each outcome of a signal's own placement (``entry``/``addon``, or
``exit``) and of the stop GTT it placed after an entry filled (``stop``). A result moves
money (an earmark, a fill, a sale), so it is looked up by where the signal and its
position are now, ``(leg, signal status, position state, outcome)``: a key in `TABLE` is
allowed and names its `Step`; any other key is refused (409), and nothing moves. So a
fill is booked once, an earmark freed once, and a closed position never reopens: no step
leads out of ``closed``. A repeat of a result already recorded is answered before the
table (`services.agent.signals`): it moves nothing.
"""

from __future__ import annotations

from enum import StrEnum
from itertools import product

from tradertape.domain.signals import SignalStatus


class Leg(StrEnum):
    """Which placement a result is about."""

    ENTRY = "entry"  # an entry's (or an add-on's) BUY
    EXIT = "exit"  # an exit signal's SELL
    STOP = "stop"  # the stop GTT the agent placed once the entry filled


class Outcome(StrEnum):
    """What the agent may report."""

    PLACED = "placed"
    TRIGGERED = "triggered"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"
    REJECTED = "rejected"


class Held(StrEnum):
    """The state of the signal's position (``none``: an entry's is not opened yet)."""

    NONE = "none"
    OPEN = "open"
    EXIT_PENDING = "exit_pending"
    CLOSED = "closed"


class Step(StrEnum):
    """What an allowed result does."""

    PLACE = "place"  # → approved: an entry's amount earmarked, an exit's position exit_pending
    NOTE = "note"  # the GTT's status only (placed again, triggered)
    FILL = "fill"  # (placed on the way) an entry opens or grows its position; an exit sells it
    LET_GO = "let_go"  # → failed/expired: an entry's earmark freed, an exit's position open again
    REJECT = "reject"  # → rejected: as let_go
    ARM = "arm"  # the stop's GTT id kept on the position
    STOP_FILL = "stop_fill"  # the stop sold the position (atr_stop)
    DISARM = "disarm"  # the stop's GTT id cleared
    NOTHING = "nothing"  # allowed, changes nothing (answered as a duplicate)


OC, S, H = Outcome, SignalStatus, Held
_ENDS = (OC.CANCELLED, OC.EXPIRED, OC.FAILED)
_LIVE = (H.OPEN, H.EXIT_PENDING)

#: The signal's own placement, from the cart or once placed, before the position's guard.
_OWN: dict[SignalStatus, dict[Outcome, Step]] = {
    S.IN_CART: {
        OC.PLACED: Step.PLACE,
        OC.TRIGGERED: Step.PLACE,
        OC.FILLED: Step.FILL,
        **dict.fromkeys(_ENDS, Step.LET_GO),
        OC.REJECTED: Step.REJECT,
    },
    S.APPROVED: {
        OC.PLACED: Step.NOTE,
        OC.TRIGGERED: Step.NOTE,
        OC.FILLED: Step.FILL,
        **dict.fromkeys(_ENDS, Step.LET_GO),
        OC.REJECTED: Step.REJECT,
    },
}
#: The stop GTT of an executed entry, by its position's state.
_STOP: dict[Held, dict[Outcome, Step]] = {
    state: {
        OC.PLACED: Step.ARM,
        OC.TRIGGERED: Step.NOTHING,
        OC.FILLED: Step.STOP_FILL,
        **dict.fromkeys((*_ENDS, OC.REJECTED), Step.DISARM),
    }
    for state in _LIVE
} | {H.CLOSED: dict.fromkeys((*_ENDS, OC.REJECTED), Step.DISARM)}


def _own(leg: Leg, status: SignalStatus, held: Held, outcome: Outcome) -> Step | None:
    step = _OWN.get(status, {}).get(outcome)
    if step is None:
        return None
    if leg is Leg.EXIT:  # an exit sells a position that is still held, once
        if step in (Step.LET_GO, Step.REJECT):
            return step if held is not H.NONE else None  # a closed position stays closed
        wanted = (H.OPEN,) if status is S.IN_CART else _LIVE
        return step if held in wanted else None
    if held is H.NONE or held in _LIVE:  # an entry, or an add-on to a position still held
        return step
    return step if step in (Step.LET_GO, Step.REJECT) else None


def _build() -> dict[tuple[Leg, SignalStatus, Held, Outcome], Step]:
    table: dict[tuple[Leg, SignalStatus, Held, Outcome], Step] = {}
    for leg, status, held, outcome in product(Leg, SignalStatus, Held, Outcome):
        if leg is Leg.STOP:
            step = _STOP.get(held, {}).get(outcome) if status is S.EXECUTED else None
        else:
            step = _own(leg, status, held, outcome)
        if step is not None:
            table[leg, status, held, outcome] = step
    return table


TABLE: dict[tuple[Leg, SignalStatus, Held, Outcome], Step] = _build()


class Refused(ValueError):
    """The result does not fit where the signal and its position are (a 409)."""


def step(leg: Leg, status: SignalStatus, held: Held, outcome: Outcome) -> Step:
    """The step `TABLE` allows, or `Refused` saying why not."""
    found = TABLE.get((leg, status, held, outcome))
    if found is not None:
        return found
    if leg is Leg.STOP and status is not S.EXECUTED:
        raise Refused(f"no stop before the entry fills (the signal is {status.value})")
    where = f"the signal is {status.value}"
    if held is not H.NONE:
        where += f", its position {held.value}"
    raise Refused(f"cannot report {outcome.value} of its {leg.value} leg: {where}")

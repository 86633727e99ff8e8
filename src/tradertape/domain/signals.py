"""The model-signal lifecycle: which status a signal may move to, and on what.

``pending_approval → in_cart → approved → executed``: ``approved`` once sent to the broker
(its GTT or order working, as ``gtt_status`` says), ``executed`` only once that order has
filled. ``rejected`` and ``expired`` from the first two, ``rejected`` also when the risk
rules refuse an approved entry (its reason in ``error``), ``expired`` when its GTT lapses
untriggered, ``failed`` when the broker refuses, cancels or rejects it, and ``dropped`` for a
candidate a cap kept out (recorded for the record, never actionable). Anything else is an
`IllegalTransition`, which the API answers with a 409 naming the current status.
"""

from __future__ import annotations

from enum import StrEnum

#: `ModelPortfolio.executor` of a portfolio the user's local agent places (seed 000): the
#: server places nothing for it.
AGENT = "agent"


class SignalStatus(StrEnum):
    """Where a signal is in its life."""

    PENDING_APPROVAL = "pending_approval"
    IN_CART = "in_cart"
    APPROVED = "approved"
    EXECUTED = "executed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"
    DROPPED = "dropped"


class SignalEvent(StrEnum):
    """What can happen to a signal."""

    APPROVE = "approve"  # the user accepts it into the cart
    REMOVE = "remove"  # back out of the cart
    PLACE = "place"  # the cart (or auto-place) sends it: approved on the way to the broker
    EXECUTE = "execute"  # its order filled (at the broker, or a paper fill)
    FAIL = "fail"
    REJECT = "reject"
    EXPIRE = "expire"  # the user lets a signal they have not sent go
    LAPSE = "lapse"  # a sent signal's GTT lapsed untriggered (never the user's action)


S, E = SignalStatus, SignalEvent

TRANSITIONS: dict[tuple[SignalStatus, SignalEvent], SignalStatus] = {
    (S.PENDING_APPROVAL, E.APPROVE): S.IN_CART,
    (S.IN_CART, E.REMOVE): S.PENDING_APPROVAL,
    (S.IN_CART, E.PLACE): S.APPROVED,
    (S.PENDING_APPROVAL, E.PLACE): S.APPROVED,  # auto_place_signals skips the cart
    (S.APPROVED, E.EXECUTE): S.EXECUTED,
    (S.APPROVED, E.FAIL): S.FAILED,
    (S.APPROVED, E.REJECT): S.REJECTED,  # the pre-trade risk check refused it
    (S.APPROVED, E.LAPSE): S.EXPIRED,  # its GTT lapsed, or the open never reached it
    (S.PENDING_APPROVAL, E.REJECT): S.REJECTED,
    (S.IN_CART, E.REJECT): S.REJECTED,
    (S.PENDING_APPROVAL, E.EXPIRE): S.EXPIRED,
    (S.IN_CART, E.EXPIRE): S.EXPIRED,
}

#: Signals the user may still act on.
ACTIONABLE = (S.PENDING_APPROVAL.value, S.IN_CART.value)


class IllegalTransition(ValueError):
    """The event is not allowed from the signal's current status."""

    def __init__(self, status: SignalStatus, event: SignalEvent) -> None:
        super().__init__(f"cannot {event.value} a signal that is {status.value}")
        self.status = status
        self.event = event


def next_status(status: str, event: SignalEvent) -> SignalStatus:
    """The status after ``event``, or `IllegalTransition`."""
    current = SignalStatus(status)
    try:
        return TRANSITIONS[current, event]
    except KeyError:
        raise IllegalTransition(current, event) from None

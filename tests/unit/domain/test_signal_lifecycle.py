"""The model-signal lifecycle: every legal move, and every other one refused by name."""

from __future__ import annotations

import itertools

import pytest

from tradertape.domain.signals import (
    IllegalTransition,
    SignalEvent,
    SignalStatus,
    next_status,
)

S, E = SignalStatus, SignalEvent
LEGAL = {
    (S.PENDING_APPROVAL, E.APPROVE): S.IN_CART,
    (S.IN_CART, E.REMOVE): S.PENDING_APPROVAL,
    (S.IN_CART, E.PLACE): S.APPROVED,
    (S.PENDING_APPROVAL, E.PLACE): S.APPROVED,
    (S.APPROVED, E.EXECUTE): S.EXECUTED,
    (S.APPROVED, E.FAIL): S.FAILED,
    (S.APPROVED, E.REJECT): S.REJECTED,
    (S.APPROVED, E.LAPSE): S.EXPIRED,
    (S.PENDING_APPROVAL, E.REJECT): S.REJECTED,
    (S.IN_CART, E.REJECT): S.REJECTED,
    (S.PENDING_APPROVAL, E.EXPIRE): S.EXPIRED,
    (S.IN_CART, E.EXPIRE): S.EXPIRED,
}


@pytest.mark.parametrize(("status", "event"), list(itertools.product(S, E)))
def test_each_move_is_legal_exactly_when_listed(status: SignalStatus, event: SignalEvent):
    if (status, event) in LEGAL:
        assert next_status(status.value, event) is LEGAL[status, event]
    else:
        with pytest.raises(IllegalTransition, match=f"cannot {event.value} .* {status.value}"):
            next_status(status.value, event)


def test_finished_signals_never_move_again():
    for status in (S.EXECUTED, S.REJECTED, S.EXPIRED, S.FAILED, S.DROPPED):
        assert not any(s is status for s, _ in LEGAL)

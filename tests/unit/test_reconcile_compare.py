"""Reconciliation's pure comparisons: positions, holdings and trades, exact quantities; and
the `missing` event, which notes a lost order without moving it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradertape.domain.order_state import (
    EventKind,
    IllegalTransition,
    OrderEvent,
    OrderState,
    OrderStatus,
    apply,
)
from tradertape.oms.live.reconcile_compare import (
    DriftItem,
    DriftKind,
    compare_holdings,
    compare_positions,
    compare_trades,
)

NOW = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)


def _pos(symbol: str, product: str, quantity: int) -> dict[str, object]:
    return {"exchange": "NSE", "tradingsymbol": symbol, "product": product, "quantity": quantity}


def test_positions_differ_only_where_the_net_quantities_do():
    broker = [_pos("INFY", "MIS", 10), _pos("SBIN", "CNC", 0), _pos("TCS", "NRML", -5)]
    ours = {("NSE", "INFY", "MIS"): 10, ("NSE", "SBIN", "CNC"): 0, ("NSE", "ITC", "MIS"): 3}

    assert compare_positions(broker, ours) == [
        DriftItem(
            DriftKind.POSITION,
            "NSE:ITC:MIS",
            3,
            0,
            "NSE:ITC:MIS: net 3 in TraderTape, 0 at the broker",
        ),
        DriftItem(
            DriftKind.POSITION,
            "NSE:TCS:NRML",
            0,
            -5,
            "NSE:TCS:NRML: net 0 in TraderTape, -5 at the broker",
        ),
    ]


def test_holdings_beyond_ours_are_information_and_fewer_are_drift():
    broker = [
        {"tradingsymbol": "INFY", "quantity": 10, "t1_quantity": 10},  # 10 before us, 10 ours
        {"tradingsymbol": "SBIN", "quantity": 5, "t1_quantity": 0},
    ]

    items = compare_holdings(broker, {"INFY": 20, "SBIN": 8, "ITC": 0})

    assert [(i.kind, i.key, i.ours, i.broker) for i in items] == [
        (DriftKind.HOLDING_SHORT, "SBIN", 8, 5),
    ]
    [held] = compare_holdings(broker, {"INFY": 10})[:1]
    assert (held.kind, held.ours, held.broker) == (DriftKind.HELD_OUTSIDE, 10, 20)


def test_trades_compare_quantities_per_order_of_ours_not_counts():
    broker = [
        {"order_id": "1", "quantity": 4},
        {"order_id": "1", "quantity": 6},  # two exchange trades, one booking of ours
        {"order_id": "2", "quantity": 5},
        {"order_id": "9", "quantity": 1},  # not ours (another account's, or not adopted)
    ]

    items = compare_trades(broker, {"1": 10, "2": 3, "3": 7}, our_orders={"1", "2", "3"})

    assert [(i.key, i.ours, i.broker) for i in items] == [("2", 3, 5), ("3", 7, 0)]


@pytest.mark.parametrize(
    "status", [OrderStatus.OPEN, OrderStatus.TRIGGER_PENDING, OrderStatus.AMO_REQ_RECEIVED]
)
def test_a_missing_order_keeps_its_status_with_the_message(status: OrderStatus):
    state = OrderState(status=status, quantity=10)

    after = apply(state, OrderEvent(EventKind.MISSING, NOW, message="gone"))

    assert (after.status, after.filled_quantity, after.status_message) == (status, 0, "gone")


def test_a_finished_order_cannot_go_missing():
    with pytest.raises(IllegalTransition):
        apply(
            OrderState(status=OrderStatus.COMPLETE, quantity=10), OrderEvent(EventKind.MISSING, NOW)
        )

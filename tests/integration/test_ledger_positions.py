"""`Ledger`'s positions: a fill reads only the position it moves (`book_totals.load_position`),
and a later read of every open position keeps what the transaction moved, not the stored row."""

from __future__ import annotations

from decimal import Decimal

from tests.delivery_kit import contract, lot_order, seed_contract_fill
from tests.helpers import make_user
from tradertape.domain.order_state import EventKind, OrderEvent, OrderStatus
from tradertape.oms.book_totals import load_positions
from tradertape.oms.ledger import Ledger
from tradertape.oms.order_log import apply_event, claim, new_order, store_history
from tradertape.runtime import Runtime

FUT = "RELIANCE26DECFUT"
CALL = "RELIANCE26DEC1300CE"


def test_a_fill_read_alone_keeps_its_move_when_every_open_position_is_read(
    runtime: Runtime,
) -> None:
    user_id = make_user(runtime, "ledger@x.in")
    seed_contract_fill(runtime, user_id, CALL, "BUY", "40")  # stored, open: 500 long
    seed_contract_fill(runtime, user_id, FUT, "BUY", "1300")  # stored, open: 500 long
    spec, future = lot_order(FUT, "SELL"), contract(FUT)
    now = runtime.clock.now()
    fut_key = ("NFO", FUT, "NRML")
    call_key = ("NFO", CALL, "NRML")
    with runtime.db.session() as db:
        order = new_order(
            user_id, spec, future, client_key=None, source="api", attribution=None, now=now
        )
        ledger = Ledger(db, rows=False)
        ledger.lock(user_id)  # no trade date: nothing read yet
        accepted = OrderEvent(EventKind.ACCEPTED, now, status_after=OrderStatus.OPEN)
        filled = OrderEvent(EventKind.FILLED, now, fill_quantity=500, fill_price=Decimal(1310))
        history = [
            apply_event(order, accepted, now),
            ledger.fill(order, future, filled, now, own_note=Decimal(0)),
        ]
        # the sale moved the future read alone; every open one read now (the call's key)
        positions = ledger.positions(user_id, call_key)
        assert positions[fut_key].quantity == 0  # this transaction's move, not the stored 500
        assert positions[fut_key].sell_value == Decimal(1310) * 500
        assert positions[call_key].quantity == 500  # read from its stored row
        claim(db, order)
        store_history(db, order, history)
        ledger.write()
        db.commit()
    with runtime.db.session() as db:
        stored = load_positions(db, user_id=user_id, broker="paper", also=fut_key)
        assert stored[fut_key].quantity == 0
        assert stored[call_key].quantity == 500

"""The one admission sequence (`oms.admission.admit`), told by a venue that only records
which of its steps it is asked for: the steps come in one order whatever the venue, a
refusal (the venue's or the gate's) is stored and never accepted, exits never wait on the
gate, a held key answers the first order and books nothing, and the children sent with a
sliced order each claim their own key, or none of them stays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import PaperDesk
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order, OrderEventRow
from tradertape.domain.instruments import Exchange, Instrument, InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.errors import InvalidField
from tradertape.oms.admission import admit
from tradertape.oms.commands import Checked, SubmitOrder
from tradertape.oms.gate import PreTradeVerdict
from tradertape.oms.order_log import UNPLACED, new_order
from tradertape.oms.slicing import SliceOf

pytestmark = pytest.mark.db


@dataclass
class Steps:
    """What one order's steps shared: the steps asked for, and the children to send."""

    asked: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # the other children's keys
    made: list[Order] = field(default_factory=list)


class Recording:
    """A venue that refuses what it is told to and records each step it is asked for."""

    judges_session = False

    def __init__(self, refusal: str | None = None) -> None:
        self._refusal = refusal

    def take(
        self,
        db: Session,
        command: SubmitOrder,
        order: Order,
        instrument: Instrument,
        catalog: InstrumentCatalog,
        state: Steps,
        now: datetime,
        gated: bool,
    ) -> str | None:
        state.asked.append(f"take {'stored' if order.id else 'new'} {'gated' if gated else ''}")
        state.made = [
            new_order(
                command.user_id,
                command.spec,
                instrument,
                client_key=key,
                source=command.source,
                attribution=None,
                now=now,
                slice_parent=order.slice_parent,
            )
            for key in state.children
        ]
        return self._refusal

    def accept(
        self,
        command: SubmitOrder,
        order: Order,
        instrument: Instrument,
        state: Steps,
        history: list[dict[str, Any]],
        now: datetime,
    ) -> dict[str, Any] | None:
        state.asked.append("accept")
        return None

    def siblings(self, state: Steps) -> Sequence[Order]:
        state.asked.append("siblings")
        return state.made

    def book(self, db: Session, order: Order, instrument: Instrument, state: Steps) -> None:
        state.asked.append(f"book {'stored' if order.id else 'new'} {order.status}")


def _command(user_id: int, key: str | None, price: str = "1300", **kw: Any) -> SubmitOrder:
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=1,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=Decimal(price),
    )
    return SubmitOrder(user_id=user_id, spec=spec, client_key=key, **kw)


def _tick(at: datetime) -> Tick:
    price = Decimal(1300)
    return Tick("NSE:INFY", 408065, at, price, 1, 1, price, price, price, price)


def _stored(database: Database) -> list[tuple[str | None, str]]:
    with database.session() as db:
        return [(o.client_key, o.status) for o in db.scalars(select(Order).order_by(Order.id))]


def test_the_venue_takes_accepts_and_books_around_one_claim_and_all_is_committed(
    paper: PaperDesk, database: Database
):
    steps = Steps()
    with database.session() as db:
        order, claimed = admit(
            paper.exchange.context, db, _command(paper.user_id, "a-1"), Recording(), steps
        )

    assert claimed
    assert steps.asked == ["take new gated", "accept", f"book stored {UNPLACED}"]
    assert _stored(database) == [("a-1", UNPLACED)]  # committed: another session reads it


def test_a_refusal_of_the_venue_is_stored_rejected_and_never_accepted(
    paper: PaperDesk, database: Database
):
    steps = Steps()
    with database.session() as db:
        order, claimed = admit(
            paper.exchange.context,
            db,
            _command(paper.user_id, "r-1"),
            Recording(refusal="Insufficient funds."),
            steps,
        )
        history = db.scalars(select(OrderEventRow.kind).where(OrderEventRow.order_pk == order.id))

        assert (claimed, order.status, order.status_message) == (
            True,
            "REJECTED",
            "Insufficient funds.",
        )
        assert list(history) == ["rejected"]
    assert steps.asked == ["take new gated", "book stored REJECTED"]


def test_the_gate_judges_what_the_venue_lets_through_but_never_an_exit(
    paper: PaperDesk, database: Database
):
    paper.exchange.register_pre_trade(
        lambda _db, _order, _instrument, _last: PreTradeVerdict("Order rejected by risk rule: x")
    )
    entry, exit_ = Steps(), Steps()
    with database.session() as db:
        context = paper.exchange.context
        refused, _ = admit(context, db, _command(paper.user_id, "g-1"), Recording(), entry)
        closing, _ = admit(
            context, db, _command(paper.user_id, "g-2", exit_only=True), Recording(), exit_
        )
        assert (refused.status, closing.status) == ("REJECTED", UNPLACED)

    assert entry.asked == ["take new gated", "book stored REJECTED"]
    assert exit_.asked == ["take new ", "accept", f"book stored {UNPLACED}"]


def test_a_held_key_answers_the_first_order_and_books_nothing(paper: PaperDesk, database: Database):
    context = paper.exchange.context
    with database.session() as db:
        first, _ = admit(context, db, _command(paper.user_id, "k-1"), Recording(), Steps())
        raced, again = Steps(), Steps()
        answer, claimed = admit(context, db, _command(paper.user_id, "k-1"), Recording(), raced)
        # Refused by the rules now (off the tick grid): a replay still answers the first.
        replay, replayed = admit(
            context, db, _command(paper.user_id, "k-1", price="1300.03"), Recording(), again
        )
        assert (answer.id, claimed, replay.id, replayed) == (first.id, False, first.id, False)
        with pytest.raises(InvalidField):  # no key held: the rules' 422
            admit(context, db, _command(paper.user_id, "k-2", price="1300.03"), Recording(), again)

    assert raced.asked == ["take new gated", "accept"]  # lost the claim: nothing booked
    assert again.asked == []
    assert _stored(database) == [("k-1", UNPLACED)]


def test_the_children_sent_with_a_sliced_order_each_claim_their_key_or_none_stays(
    paper: PaperDesk, database: Database
):
    context = paper.exchange.context
    whole = Steps(children=["p#2", "p#3"])
    with database.session() as db:
        first, claimed = admit(
            context,
            db,
            _command(paper.user_id, "p-1", slice_of=SliceOf("p", 1, 3, 3)),
            Recording(),
            whole,
        )
        assert claimed
        assert {o.slice_parent for o in whole.made} == {"p"}
    assert whole.asked == ["take new gated", "accept", "siblings", f"book stored {UNPLACED}"]

    with database.session() as db:  # another order holds the third child's key
        admit(context, db, _command(paper.user_id, "q#3"), Recording(), Steps())
        held = Steps(children=["q#2", "q#3"])
        answer, claimed = admit(
            context,
            db,
            _command(paper.user_id, "q-1", slice_of=SliceOf("q", 1, 3, 3)),
            Recording(),
            held,
        )
        assert (answer.client_key, claimed) == ("q#3", False)

    assert held.asked == ["take new gated", "accept", "siblings"]
    assert _stored(database) == [
        ("p-1", UNPLACED),
        ("p#2", UNPLACED),
        ("p#3", UNPLACED),
        ("q#3", UNPLACED),
    ]


def test_a_callers_check_of_this_very_spec_and_tick_is_not_asked_again(
    paper: PaperDesk, database: Database
):
    context = paper.exchange.context
    off_grid = _command(paper.user_id, None, price="1300.03")  # the rules refuse it (422)
    with database.session() as db:
        instrument = context.catalog(db).get(off_grid.spec.key)
        # What the caller judged is trusted as judged (a worker's intent checks first) ...
        vouched = replace(off_grid, checked=Checked(off_grid.spec, None, instrument, False))
        order, claimed = admit(context, db, vouched, Recording(), Steps())
        assert (claimed, order.status) == (True, UNPLACED)
        # ... but not for another spec, another tick or a rule it did not ask.
        for command in (
            replace(vouched, spec=replace(off_grid.spec)),
            replace(vouched, last=_tick(order.placed_at)),
        ):
            with pytest.raises(InvalidField):
                admit(context, db, command, Recording(), Steps())
        session = Recording()
        session.judges_session = True
        with pytest.raises(InvalidField):
            admit(context, db, vouched, session, Steps())

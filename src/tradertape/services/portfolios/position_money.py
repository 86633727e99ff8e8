"""A model position's money, read from the ledger: what its fills cost, fetched and paid.

The position row keeps only its life (quantity, entry price, stops, add-ons, exit); its
charges and realised P&L are the ledger's trades of the orders that belong to it, read here,
so the ledger stays the one record of money and the figures cannot drift from it. The orders
of a position are those whose attribution names one of its signals (its entry, its add-ons,
its exit: an agent's, a virtual and a server-placed fill all carry the signal's id), those
its signals name (``order_id``), and the order its stop GTT (or exit GTT) placed.

- ``charges``: what those trades were charged (the ledger's figure, each fill charged once);
- ``realised`` (a closed position): proceeds − cost − the round trip's charges, as its exit
  booked it to the portfolio's row (`positions.fill_exit` takes its cost and entry charges
  from here). A position whose fills left no trade of its own (seeded straight into a
  book, or booked before its orders named their signal) is valued at its entry and exit
  prices instead, as its row has them.

`of_positions` reads a page of positions in four statements, whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tradertape.db.models import Gtt, ModelPosition, ModelSignal, Order, Trade
from tradertape.domain.money import paise

ZERO = Decimal(0)


@dataclass(slots=True)
class PositionMoney:
    """A position's trades in the ledger, summed: its buys, its sales and their charges."""

    bought: int = 0  # shares
    cost: Decimal = ZERO  # what the buys cost (price × quantity, each trade)
    buy_charges: Decimal = ZERO
    sold: int = 0
    proceeds: Decimal = ZERO
    sell_charges: Decimal = ZERO

    @property
    def charges(self) -> Decimal:
        """What all its fills were charged."""
        return self.buy_charges + self.sell_charges

    def add(self, *, buy: bool, quantity: int, price: Decimal, charges: Decimal) -> None:
        """One more trade of the position."""
        if buy:
            self.bought += quantity
            self.cost += price * quantity
            self.buy_charges += charges
        else:
            self.sold += quantity
            self.proceeds += price * quantity
            self.sell_charges += charges

    def share(self, position: ModelPosition) -> Decimal:
        """The part of its buys the position still holds: all of them, unless another hand
        sold some (an MTM exit, a manual exit: `fills.sold_by_other`), whose share of the
        cost and buy charges went with them (average cost)."""
        if self.bought > position.quantity > 0:
            return Decimal(position.quantity) / self.bought
        return Decimal(1)

    def entry_cost(self, position: ModelPosition) -> Decimal:
        """What the position (what it holds now) cost: its buys, when they are its whole
        quantity or the part of them it still holds (else its average entry price's worth:
        a position with no trades of its own)."""
        if self.bought == position.quantity:
            return self.cost
        if self.bought > position.quantity > 0:
            return self.cost * self.share(position)
        return position.entry_price * position.quantity

    def round_trip(
        self, position: ModelPosition, *, proceeds: Decimal, sale_charges: Decimal
    ) -> Decimal:
        """What selling the whole position (what it holds now) for `proceeds`, charged
        `sale_charges`, realises: proceeds − its cost − its buys' charges − the sale's
        (unrounded). The one rule for a position's P&L: its exit books it
        (`positions.fill_exit`, `sell_part` for a part), `realised` reads it."""
        held_charges = self.buy_charges * self.share(position)
        return proceeds - self.entry_cost(position) - held_charges - sale_charges

    def realised(self, position: ModelPosition) -> Decimal | None:
        """The P&L its round trip realised, net of its charges (None while it is held)."""
        if position.status != "closed":
            return None
        if self.sold == self.bought > position.quantity:  # sold in parts, every share gone
            whole = self.proceeds - self.cost - self.buy_charges - self.sell_charges
            return paise(whole)
        proceeds = self.proceeds
        if self.sold != position.quantity:
            proceeds = (position.exit_price or ZERO) * position.quantity
        return paise(self.round_trip(position, proceeds=proceeds, sale_charges=self.sell_charges))


def of_position(db: Session, position: ModelPosition) -> PositionMoney:
    """One position's money (see the module)."""
    return of_positions(db, [position])[position.id]


def of_positions(db: Session, positions: Sequence[ModelPosition]) -> dict[int, PositionMoney]:
    """The money of each of `positions`, by position id (four reads, however many)."""
    found = {p.id: PositionMoney() for p in positions}
    if not positions:
        return found
    by_signal: dict[int, int] = {p.signal_id: p.id for p in positions if p.signal_id is not None}
    by_order_id: dict[str, int] = {}
    for signal_id, position_id, order_id in db.execute(
        select(ModelSignal.id, ModelSignal.position_id, ModelSignal.order_id).where(
            ModelSignal.position_id.in_(list(found))
        )
    ):
        if position_id is None:
            continue
        by_signal[signal_id] = position_id
        if order_id:
            by_order_id[order_id] = position_id
    by_gtt = {
        gtt: p.id for p in positions for gtt in (p.stop_gtt_id, p.exit_gtt_id) if gtt is not None
    }
    by_pk: dict[int, int] = {}
    if by_gtt:
        rows = db.execute(select(Gtt.id, Gtt.order_pk).where(Gtt.id.in_(list(by_gtt))))
        by_pk = {pk: by_gtt[gtt] for gtt, pk in rows if pk is not None}
    owners = sorted({p.user_id for p in positions})
    named = Order.attribution["signal_id"].as_integer()
    orders = db.execute(
        select(Order.id, Order.order_id, named).where(
            Order.user_id.in_(owners),
            or_(
                named.in_(list(by_signal)),
                Order.order_id.in_(list(by_order_id)),
                Order.id.in_(list(by_pk)),
            ),
        )
    ).all()
    owner_of = {
        pk: _owner(pk, order_id, signal_id, by_signal, by_order_id, by_pk)
        for pk, order_id, signal_id in orders
    }
    if not owner_of:
        return found
    for order_pk, side, quantity, price, charges in db.execute(
        select(Trade.order_pk, Trade.transaction_type, Trade.quantity, Trade.price, Trade.charges)
        .where(Trade.order_pk.in_(list(owner_of)))
        .order_by(Trade.id)
    ):
        found[owner_of[order_pk]].add(
            buy=side == "BUY", quantity=quantity, price=price, charges=charges
        )
    return found


def _owner(
    pk: int,
    order_id: str,
    signal_id: int | None,
    by_signal: dict[int, int],
    by_order_id: dict[str, int],
    by_pk: dict[int, int],
) -> int:
    if signal_id is not None and signal_id in by_signal:
        return by_signal[signal_id]
    if order_id in by_order_id:
        return by_order_id[order_id]
    return by_pk[pk]

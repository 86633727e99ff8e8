"""The pre-trade gate: the one check every order that may open exposure passes.

The OMS knows nothing of risk rules; it knows that a check exists. The check (the risk
monitor's `pre_trade`) is registered on the context once, when the runtime is built, and
the one admission sequence every new order passes (`oms.admission.admit`, paper or live),
the one modify sequence (`oms.modification.modify`, paper or live) and GTT creation
(`gtt.GttBook.create`) all consult it, so a new way of placing cannot forget it. Until one
is registered (a bare exchange in a unit test) every order passes.

The gate also holds SEBI's per-client order-rate ceiling (`oms.order_rate`): a new order
takes its slot with its key's claim in `oms.admission.admit` (`ask`, then `settle`), and
both modifications call `admit` on an order about to be changed. A refusal leaves nothing
of the order (the transaction is rolled back), records why, and raises
`OrderRateExceeded` (a 429).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tradertape.db import rate_window
from tradertape.db.models.trading import Order
from tradertape.db.prepared import deferring
from tradertape.db.rate_window import SlotAsk
from tradertape.domain.instruments import Instrument
from tradertape.domain.market import Tick
from tradertape.errors import OrderRateExceeded
from tradertape.oms.order_rate import OrderRateCeiling


@dataclass(frozen=True, slots=True)
class PreTradeVerdict:
    """A pre-trade check's answer: a refusal (Kite-style status message) or None, and
    what to record once the order is stored (the stored order is passed in)."""

    refusal: str | None
    record: Callable[[Session, Order], None] | None = None


# (session, order as it would stand, instrument, last tick) → verdict, or None when nothing
# applies. The order is unstored when new; a stored order (it has an ``id``) is being
# modified, and its old terms no longer count among the book's working entries.
PreTrade = Callable[[Session, Order, Instrument, Tick | None], PreTradeVerdict | None]

# (session, order about to be checked) → nothing; sends the reads the check will make with
# the transaction's next round trip (`db.prepared.Prepared.prefetch`).
ReadAhead = Callable[[Session, Order], None]

# (order refused by the rate ceiling, message) → what records the refusal once the order's
# transaction is rolled back; it reads the order before the rollback.
RateRefusal = Callable[[Order, str], Callable[[Session], None]]


class PreTradeGate:
    """Holds the registered check; consulted by every path that places or enlarges."""

    __slots__ = ("_ahead", "_ceiling", "_check", "_on_rate_refusal")

    def __init__(self) -> None:
        self._check: PreTrade | None = None
        self._ahead: ReadAhead | None = None
        self._ceiling: OrderRateCeiling | None = None
        self._on_rate_refusal: RateRefusal | None = None

    def register(self, check: PreTrade, *, ahead: ReadAhead | None = None) -> None:
        """Make `check` the gate's check (the runtime registers the risk monitor's); `ahead`
        sends the reads it will make early (`read_ahead`)."""
        self._check, self._ahead = check, ahead

    def read_ahead(self, db: Session, order: Order) -> None:
        """Send the reads `check` will make on `order` with the transaction's next round
        trip: a placement asks once its ledger lock is on its way, so on PostgreSQL the
        risk rules and the book ride with the lock and the ledger's read. Where a read is
        no round trip (SQLite: `deferring` is false) nothing is sent ahead, so the check's
        own reads are not worked out twice (about 35 µs of a SQLite placement's CPU)."""
        if self._ahead is not None and deferring(db.get_bind().dialect):
            self._ahead(db, order)

    def check(
        self, db: Session, order: Order, instrument: Instrument, last: Tick | None
    ) -> PreTradeVerdict | None:
        """The registered check's verdict on `order`; None when none is registered."""
        return None if self._check is None else self._check(db, order, instrument, last)

    def locks(self, user_id: int) -> tuple[str, ...]:
        """The locks `admit` takes for `user_id`'s orders: a placement takes them with its
        ledger lock, in one call (on PostgreSQL, one round trip for both)."""
        return () if self._ceiling is None else (self._ceiling.lock(user_id),)

    def limit_rate(self, ceiling: OrderRateCeiling, *, on_refusal: RateRefusal | None) -> None:
        """Enforce `ceiling` in `admit`; `on_refusal` records each refused order."""
        self._ceiling, self._on_rate_refusal = ceiling, on_refusal

    def ask(self, user_id: int, *, exit_only: bool = False) -> SlotAsk | None:
        """The order-rate slot an order of `user_id` takes now (None: no ceiling). A new
        order takes it with its claim (`oms.admission.claim_counted`), then is `settle`d."""
        return None if self._ceiling is None else self._ceiling.ask(user_id, force=exit_only)

    def admit(self, db: Session, order: Order, *, exit_only: bool = False) -> None:
        """Count `order` (about to be accepted or sent, or a modification) against its
        client's order-rate ceiling, in the caller's transaction, then `settle` it."""
        ask = self.ask(order.user_id, exit_only=exit_only)
        if ask is not None:
            self.settle(db, order, ask, rate_window.take(db, ask))

    def settle(self, db: Session, order: Order, ask: SlotAsk, taken: int | None) -> None:
        """After `order`'s slot was asked for (`taken`: its id, None when the window was
        full). Past the ceiling the transaction is rolled back (nothing of the order stays;
        a caller's own rows go too, as with any refusal it raises), the refusal is recorded
        and committed, and `OrderRateExceeded` is raised. An exit is counted, never refused.
        """
        ceiling = self._ceiling
        assert ceiling is not None  # a slot was asked of it
        wait = rate_window.settle(db, ask, taken)
        if wait is None:
            return
        retry_after_s = max(1, math.ceil(wait.total_seconds()))
        message = ceiling.message(retry_after_s)
        record = None if self._on_rate_refusal is None else self._on_rate_refusal(order, message)
        db.rollback()
        if record is not None:
            record(db)
            db.commit()
        raise OrderRateExceeded(message, retry_after_s, limit=ceiling.per_sec)

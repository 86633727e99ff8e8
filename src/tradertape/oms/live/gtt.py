"""Live GTTs: triggers at the user's broker, recorded here first, through the one gate.

A live trigger is a `Gtt` row like a paper one (``broker`` names the broker,
``broker_trigger_id`` its id there); validation and the pre-trade gate are the paper
book's (`GttBook.create`, each leg's order through ``context.gate.check``). The row is
committed (status ``placing``) before the broker hears of it; a definite refusal stores
``rejected``. Kite GTTs carry no tag, so after a timeout the trigger is looked up among
the broker's active ones by what it says (instrument, trigger values, legs) and never
placed a second time; a placement whose outcome stays unknown keeps ``placing`` until
`resolve_unplaced` finds it or marks it ``rejected``.

The broker fires the trigger, not us. `sync` reads each user's triggers; a fired one
is claimed (``active`` → ``triggered``, a compare-and-set), the broker's order becomes our
`Order` row (client key ``gtt:<id>``, so once) and its fill is booked by
`LiveOrders.apply_report`, exactly once, like every other live order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Gtt, Order
from tradertape.domain.books import live_book
from tradertape.domain.gtt_states import ACTIVE, PLACING
from tradertape.domain.order_state import EventKind, OrderEvent, OrderStatus
from tradertape.errors import BadRequest, Conflict, ServiceUnavailable
from tradertape.oms import emitter
from tradertape.oms.context import BROKER as PAPER
from tradertape.oms.job_guard import UNGUARDED, Guard
from tradertape.oms.live.orders import (
    SEND_GRACE,
    UNREACHABLE,
    LiveBroker,
    LiveBrokers,
    LiveOrders,
    kite_report,
)
from tradertape.oms.order_log import claim, new_order, record
from tradertape.oms.paper.gtt import GttBook, leg_spec
from tradertape.ports.broker import BrokerError, GttSpec, SessionExpired, TransientBrokerError
from tradertape.ports.clock import Clock

log = logging.getLogger("tradertape.oms.live.gtt")

# Rows another layer writes when a fired trigger's order is adopted (a worker run's link),
# in the adoption's transaction, before the order's fill is booked.
Adopted = Callable[[Session, Gtt, Order], None]

GTT_BROKER = "kite"
# What the broker's trigger statuses become here (``triggered`` is adopted by `sync`).
_ENDED = {"deleted", "expired", "cancelled", "rejected", "disabled"}


def broker_spec(gtt: Gtt) -> GttSpec:
    """The trigger as the broker takes it, from our stored (validated) row."""
    orders = [dict(leg) | {"price": Decimal(leg["price"])} for leg in gtt.orders]
    return GttSpec(
        exchange=gtt.exchange,
        tradingsymbol=gtt.tradingsymbol,
        trigger_values=[Decimal(v) for v in gtt.trigger_values],
        last_price=gtt.last_price,
        orders=orders,
    )


class LiveGttBook:
    """Creates, changes, deletes and follows GTTs at the user's broker; paper rows are
    passed to the paper book, so one object serves either."""

    def __init__(
        self,
        *,
        book: GttBook,
        live: LiveOrders,
        brokers: LiveBrokers,
        clock: Clock,
        on_adopted: Sequence[Adopted] = (),
    ) -> None:
        self._book = book
        self._live = live
        self.brokers = brokers
        self._clock = clock
        self._on_adopted = list(on_adopted)

    # -- placing -------------------------------------------------------------------------

    def create(
        self,
        db: Session,
        *,
        user_id: int,
        spec: GttSpec,
        commit: bool = True,
        checked: bool = False,
        attribution: dict[str, Any] | None = None,
    ) -> Gtt:
        """Validate, gate and record a trigger, then place it at the user's broker.

        The row is committed before the broker is called (``commit`` is ignored: a live
        trigger is always recorded first). A refusal by the broker stores ``rejected`` and
        is a 400. An outcome still unknown after the lookup leaves the row ``placing`` and
        returns it, so a portfolio's signal or stop stays linked to it until
        `resolve_unplaced` finds it at the broker (``active``) or marks it ``rejected``.
        `attribution` (a worker run's names) is kept and passed to the order it places.
        """
        # Live GTTs are Kite's (the adapters of the others have none behind the port yet).
        # No session, or another egress IP than the registered one: a 409, nothing stored.
        broker = self._live.sending(db, user_id, GTT_BROKER)
        gtt = self._book.create(
            db, user_id=user_id, spec=spec, commit=False, checked=checked, attribution=attribution
        )
        gtt.broker = broker.name
        gtt.status = PLACING
        db.commit()  # recorded before the broker hears of it
        try:
            trigger_id = str(broker.adapter.place_gtt(broker_spec(gtt)))
        except TransientBrokerError as exc:
            log.warning("live GTT %s: placement outcome unknown (%s)", gtt.id, exc)
            found = self._find(db, broker, gtt)
            if found is None:  # stays `placing`, linked to whoever asked: `resolve_unplaced`
                return gtt
            trigger_id = found
        except BrokerError as exc:
            self._end(db, gtt, "rejected", str(exc))
            raise BadRequest(f"the broker refused the GTT: {exc}") from exc
        gtt.broker_trigger_id = trigger_id
        gtt.status = ACTIVE
        gtt.updated_at = self._clock.now()
        db.commit()
        return gtt

    def _find(self, db: Session, broker: LiveBroker, gtt: Gtt) -> str | None:
        """The broker's active trigger matching `gtt` (newest first, by the adapter's
        `find_gtts`: GTTs carry no tag) that no row of ours holds yet."""
        try:
            remote = broker.adapter.find_gtts(broker_spec(gtt))
        except BrokerError as exc:
            log.warning("live GTT %s: lookup failed (%s)", gtt.id, exc)
            return None
        held = set(
            db.scalars(
                select(Gtt.broker_trigger_id).where(
                    Gtt.broker == broker.name, Gtt.broker_trigger_id.is_not(None)
                )
            )
        )
        return next((str(found) for found in remote if str(found) not in held), None)

    def resolve_unplaced(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Settle rows still ``placing``: found at the broker (active) or ``rejected``.
        Nothing is placed again. Returns the rows settled."""
        cutoff = self._clock.now() - SEND_GRACE  # a placement still under way is left alone
        rows = db.scalars(
            select(Gtt).where(Gtt.status == PLACING, Gtt.broker != PAPER, Gtt.created_at <= cutoff)
        ).all()

        def settle(gtt: Gtt) -> bool:
            key = f"gtt:{gtt.id}"
            try:
                broker = self.brokers(db, gtt.user_id, gtt.broker)
            except UNREACHABLE as exc:  # no session: the next sweep
                guard.note("live_gtt.resolve_unplaced", key, f"no broker ({exc})")
                return False
            guard.note("live_gtt.resolve_unplaced", key, None)
            found = self._find(db, broker, gtt)
            if found is not None:
                gtt.broker_trigger_id, gtt.status = found, ACTIVE
                db.commit()
            else:
                self._end(
                    db, gtt, "rejected", "The broker never received this GTT; not sent again."
                )
            return True

        settled = guard.each(
            rows,
            job="live_gtt.resolve_unplaced",
            key=lambda gtt: f"gtt:{gtt.id}",
            owner=lambda gtt: gtt.user_id,
            work=settle,
            db=db,
        )
        return sum(settled)

    def _end(self, db: Session, gtt: Gtt, status: str, message: str) -> None:
        gtt.status = status
        gtt.updated_at = self._clock.now()
        gtt.result = {
            "order_result": {"status": "failed", "order_id": None, "rejection_reason": message}
        }
        db.commit()

    # -- changing ------------------------------------------------------------------------

    def modify(
        self, db: Session, *, user_id: int, trigger_id: int, spec: GttSpec, gate: bool = False
    ) -> Gtt:
        """Change a trigger here (the paper book's checks, in the caller's transaction) and,
        for a live one, at its broker; a broker's refusal rolls the change back."""
        gtt = self._book.modify(db, user_id=user_id, trigger_id=trigger_id, spec=spec, gate=gate)
        if gtt.broker == PAPER:
            return gtt
        broker = self._live.sending(db, user_id, gtt.broker)  # SEBI's static IP: a 409
        try:
            broker.adapter.modify_gtt(int(gtt.broker_trigger_id or 0), broker_spec(gtt))
        except BrokerError as exc:
            db.rollback()
            if isinstance(exc, TransientBrokerError):
                raise ServiceUnavailable(f"the broker did not answer: {exc}") from exc
            raise BadRequest(f"the broker refused the change: {exc}") from exc
        return gtt

    def delete(self, db: Session, *, user_id: int, trigger_id: int) -> Gtt:
        """The user deletes a trigger: at its broker first, then here (400 once it fired)."""
        gtt = self._book.get(db, user_id=user_id, trigger_id=trigger_id)
        if gtt.broker != PAPER and gtt.status == ACTIVE:
            broker = self.brokers(db, user_id, gtt.broker)
            if not self._delete_at(db, broker, gtt):
                raise BadRequest(f"GTT {trigger_id} is {gtt.status} and cannot be deleted")
        return self._book.delete(db, user_id=user_id, trigger_id=trigger_id)

    def cancel(self, db: Session, *, trigger_id: int) -> bool:
        """The platform retires a trigger (a stop before another exit). A live one is
        deleted at its broker and the row committed at once (it no longer stands there,
        whatever the caller then does); False when it fired or went already."""
        gtt = db.get(Gtt, trigger_id)
        if gtt is None or gtt.broker == PAPER:
            return self._book.cancel(db, trigger_id=trigger_id)
        if gtt.status != ACTIVE:
            return False
        if not self._delete_at(db, self.brokers(db, gtt.user_id, gtt.broker), gtt):
            return False
        retired = self._book.cancel(db, trigger_id=trigger_id)
        db.commit()
        return retired

    def _delete_at(self, db: Session, broker: LiveBroker, gtt: Gtt) -> bool:
        """Delete at the broker; False (with the row brought up to date) if it is gone."""
        try:
            broker.adapter.delete_gtt(int(gtt.broker_trigger_id or 0))
        except TransientBrokerError as exc:
            raise ServiceUnavailable(f"the broker did not answer: {exc}") from exc
        except SessionExpired as exc:
            self._live.session_ended(db, gtt.user_id, broker.name, str(exc))
            raise Conflict(f"your {broker.name} session ended: log in again ({exc})") from exc
        except BrokerError:
            self._follow(db, broker, [gtt])
            db.refresh(gtt)
            return False
        return True

    # -- following -----------------------------------------------------------------------

    def sync(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Follow every active live trigger at its broker: adopt the orders of fired ones
        (and book their fills), mark the ones the broker ended. Returns triggers changed."""
        rows = db.scalars(
            select(Gtt)
            .where(Gtt.broker != PAPER, Gtt.status == ACTIVE, Gtt.broker_trigger_id.is_not(None))
            .order_by(Gtt.id)
        ).all()
        by_user: dict[tuple[int, str], list[Gtt]] = {}
        for gtt in rows:
            by_user.setdefault((gtt.user_id, gtt.broker), []).append(gtt)

        def follow(entry: tuple[tuple[int, str], list[Gtt]]) -> int:
            (user_id, name), gtts = entry
            key = f"user:{user_id}:{name}"
            try:
                broker = self.brokers(db, user_id, name)
            except UNREACHABLE as exc:  # no session: the next sweep
                guard.note("live_gtt.sync", key, f"no broker ({exc})")
                return 0
            guard.note("live_gtt.sync", key, None)
            try:
                return self._follow(db, broker, gtts)
            except SessionExpired as exc:  # logged out at the broker: paused until a login
                self._live.session_ended(db, user_id, name, str(exc))
                guard.note("live_gtt.sync", key, "paused: the broker session ended")
                return 0

        changed = guard.each(
            sorted(by_user.items(), key=lambda entry: entry[0]),
            job="live_gtt.sync",
            key=lambda entry: f"user:{entry[0][0]}:{entry[0][1]}",
            owner=lambda entry: entry[0][0],
            work=follow,
            db=db,
        )
        return sum(changed)

    def _follow(self, db: Session, broker: LiveBroker, gtts: Sequence[Gtt]) -> int:
        try:
            remote = {str(r.get("id")): r for r in broker.adapter.gtts()}
        except SessionExpired:  # the sweep pauses this broker (`sync`)
            raise
        except BrokerError as exc:
            log.warning("live GTT lookup failed (%s)", exc)
            return 0
        changed = 0
        for gtt in gtts:
            theirs = remote.get(str(gtt.broker_trigger_id))
            status = str((theirs or {}).get("status") or "")
            if theirs is not None and status == "triggered":
                changed += self._fired(db, broker, gtt, theirs)
            elif status in _ENDED and self._claim(db, gtt, status, None):
                db.commit()
                changed += 1
        return changed

    def _claim(self, db: Session, gtt: Gtt, status: str, leg: int | None) -> bool:
        now = self._clock.now()
        result = db.execute(
            update(Gtt)
            .where(Gtt.id == gtt.id, Gtt.status == ACTIVE)
            .values(
                status=status,
                updated_at=now,
                triggered_leg=leg,
                triggered_at=now if status == "triggered" else None,
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    def _fired(self, db: Session, broker: LiveBroker, gtt: Gtt, theirs: dict[str, Any]) -> int:
        """Claim the fired trigger and adopt the broker's order as ours (once), then book."""
        legs = theirs.get("orders") or []
        leg = next((i for i, o in enumerate(legs) if o.get("result")), None)
        if leg is None or not self._claim(db, gtt, "triggered", leg):
            return 0
        emitter.gtt_triggered(db, gtt, leg, self._clock.now())
        result = dict(legs[leg]["result"])
        outcome = dict(result.get("order_result") or {})
        broker_order_id = str(outcome.get("order_id") or "")
        db.refresh(gtt)
        if not broker_order_id:  # the broker fired it but its order failed
            gtt.status = "rejected"
            gtt.result = result
            db.commit()
            return 1
        now = self._clock.now()
        spec = leg_spec(gtt.exchange, gtt.tradingsymbol, gtt.orders[leg])
        instrument = self._live.catalog(db).get(f"{gtt.exchange}:{gtt.tradingsymbol}")
        order = new_order(
            gtt.user_id,
            spec,
            instrument,
            client_key=f"gtt:{gtt.id}",
            source="gtt",
            attribution={**(gtt.attribution or {}), "mode": "live", "gtt_id": gtt.id},
            now=now,
        )
        order.broker = broker.name
        order.book = live_book(broker.name)  # a live order is in its broker account's book
        # Reconciliation may have adopted the broker's order already (as external): link
        # that row, so one broker order stays one row of ours and is booked once.
        adopted = db.scalar(
            select(Order).where(
                Order.broker == broker.name, Order.broker_order_id == broker_order_id
            )
        )
        stored = adopted if adopted is not None else claim(db, order)
        if stored is order:
            order.broker_order_id = broker_order_id
            accepted = OrderEvent(EventKind.ACCEPTED, now, status_after=OrderStatus.OPEN)
            record(db, order, accepted, now)
        gtt.order_pk = stored.id
        gtt.result = result | {
            "order_result": outcome
            | {"order_id": stored.order_id, "broker_order_id": broker_order_id}
        }
        for joined in self._on_adopted:
            joined(db, gtt, stored)
        db.commit()
        self._book_order(db, broker, broker_order_id)
        return 1

    def _book_order(self, db: Session, broker: LiveBroker, broker_order_id: str) -> None:
        try:
            rows = broker.adapter.orders()
        except BrokerError:  # the poll, a postback or the socket books it
            return
        reports = [kite_report(r) for r in rows if str(r.get("order_id")) == broker_order_id]
        self._live.apply_reports(db, broker.name, reports)

    # -- reading (both kinds) ------------------------------------------------------------

    def get(self, db: Session, *, user_id: int, trigger_id: int) -> Gtt:
        """One of the user's triggers (404 otherwise)."""
        return self._book.get(db, user_id=user_id, trigger_id=trigger_id)

    def orders_of(self, db: Session, gtts: Sequence[Gtt]) -> dict[int, Order]:
        """The orders the given triggers placed (or adopted), by trigger id."""
        return self._book.orders_of(db, gtts)

"""GTT triggers (reference §1.7, §5.7): single and two-leg (OCO), fired exactly once.

A single trigger fires when the last price reaches its value from the side it started
on (the LTP at creation); a two-leg trigger fires its stop leg at or below the lower
value and its target leg at or above the upper one, and firing one retires the other.
Firing is a compare-and-set on the row (``active`` → ``triggered``), so two processes
or two ticks racing for the same trigger cannot both win. The winner then places the
leg's LIMIT order with the trigger id as idempotency key: a crash between the claim and
the placement is repaired by `recover`, which re-places with the same key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Gtt, Order
from tradertape.domain.calendar import Market, TradingCalendar
from tradertape.domain.calendar import Session as MarketSession
from tradertape.domain.decimal_input import MAX_PRICE, parse_decimal
from tradertape.domain.gtt_states import ACTIVE
from tradertape.domain.instruments import Exchange, Instrument, UnknownInstrumentError
from tradertape.domain.market import Tick
from tradertape.domain.orders import (
    MAX_QUANTITY,
    QUANTITY_RULE,
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    on_grid,
)
from tradertape.domain.ticks import order_tick
from tradertape.domain.utc_times import utc_iso
from tradertape.errors import BadRequest, InvalidField, NotFound, OrderRateExceeded
from tradertape.oms import emitter
from tradertape.oms.context import BROKER as PAPER
from tradertape.oms.job_guard import UNGUARDED, Guard, forget
from tradertape.oms.order_log import new_order
from tradertape.oms.paper.exchange import PaperExchange
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import IST, Clock

VALIDITY = timedelta(days=365)


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = parse_decimal(value)
    except InvalidOperation as exc:
        raise InvalidField(field, f"{value!r}: {exc}") from exc
    if not 0 < number <= MAX_PRICE:
        raise InvalidField(field, f"must be a positive price up to {MAX_PRICE:,}")
    return number


def _on_tick(instrument: Instrument, value: Decimal, last: Decimal, field: str) -> Decimal:
    """A trigger or leg price on the grid it will be placed on. The tick is the one of the
    lower of the value and the last price (cash ticks nest, 0.01 | 0.05 | 0.10 …): the
    price when it fires is near the trigger, not today's; the band waits for the fire."""
    tick = order_tick(instrument, min(value, last))
    if not on_grid(value, tick):
        raise InvalidField(field, f"{value} is not a multiple of the tick {tick}")
    return value


def _leg_order(
    raw: Mapping[str, Any], index: int, instrument: Instrument, last: Decimal
) -> dict[str, Any]:
    field = f"orders[{index}]"
    derivative = instrument.is_derivative
    if str(raw.get("order_type", "LIMIT")) != OrderType.LIMIT.value:
        raise InvalidField(f"{field}.order_type", "GTT legs are LIMIT orders")
    product = str(raw.get("product", ""))
    allowed = Product.NRML.value if derivative else Product.CNC.value
    if product != allowed:
        raise InvalidField(f"{field}.product", f"GTT takes {allowed} here")
    side = str(raw.get("transaction_type", ""))
    if side not in (TransactionType.BUY.value, TransactionType.SELL.value):
        raise InvalidField(f"{field}.transaction_type", "BUY or SELL")
    quantity = raw.get("quantity")
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not 0 < quantity <= MAX_QUANTITY
    ):
        raise InvalidField(f"{field}.quantity", QUANTITY_RULE)
    if derivative and quantity % instrument.lot_size:
        lot = instrument.lot_size
        raise InvalidField(f"{field}.quantity", f"must be a multiple of the lot size {lot}")
    price = _decimal(raw.get("price"), f"{field}.price")
    _on_tick(instrument, price, last, f"{field}.price")
    return {
        "transaction_type": side,
        "quantity": quantity,
        "order_type": "LIMIT",
        "product": product,
        "price": str(price),
    }


def _spec(exchange: Exchange, tradingsymbol: str, leg: Mapping[str, Any]) -> OrderSpec:
    """The LIMIT order a leg places when its trigger fires."""
    return OrderSpec(
        exchange=exchange,
        tradingsymbol=tradingsymbol,
        transaction_type=TransactionType(leg["transaction_type"]),
        quantity=int(leg["quantity"]),
        product=Product(leg["product"]),
        order_type=OrderType.LIMIT,
        price=Decimal(leg["price"]),
    )


def leg_spec(exchange: str, tradingsymbol: str, leg: Mapping[str, Any]) -> OrderSpec:
    """The LIMIT order one stored leg places when its trigger fires."""
    return _spec(Exchange(exchange), tradingsymbol, leg)


def _leg_spec(instrument: Instrument, leg: Mapping[str, Any]) -> OrderSpec:
    return _spec(instrument.exchange, instrument.tradingsymbol, leg)


def item_key(gtt_id: int) -> str:
    """A trigger's name in the job guard's records."""
    return f"gtt:{gtt_id}"


def _item(gtt: Gtt) -> str:
    return item_key(gtt.id)


def _owner(gtt: Gtt) -> int:
    return gtt.user_id


class GttBook:
    """Creates, evaluates and retires GTT triggers on top of the paper exchange."""

    def __init__(self, *, clock: Clock, calendar: TradingCalendar, exchange: PaperExchange):
        self._clock = clock
        self._calendar = calendar
        self._exchange = exchange

    def _validated(
        self, db: Session, spec: GttSpec
    ) -> tuple[Instrument, list[Decimal], list[dict[str, Any]]]:
        """The instrument, trigger values and leg orders of a valid spec (422 naming the field)."""
        try:
            instrument = self._exchange.catalog(db).get(f"{spec.exchange}:{spec.tradingsymbol}")
        except UnknownInstrumentError as exc:
            raise InvalidField("condition.tradingsymbol", str(exc)) from exc
        if not instrument.is_tradable:
            raise InvalidField(
                "condition.tradingsymbol", f"{instrument.key} is an index; it cannot be traded"
            )
        last = _decimal(spec.last_price, "condition.last_price")
        triggers = []
        for i, value in enumerate(spec.trigger_values):
            name = f"condition.trigger_values[{i}]"
            triggers.append(_on_tick(instrument, _decimal(value, name), last, name))
        if len(triggers) not in (1, 2):
            raise InvalidField("condition.trigger_values", "one value (single) or two (two-leg)")
        if len(spec.orders) != len(triggers):
            raise InvalidField("orders", "one order per trigger value")
        if len(triggers) == 2 and not triggers[0] < triggers[1]:
            raise InvalidField("condition.trigger_values", "two-leg: stop-loss value first, lower")
        orders = [_leg_order(o, i, instrument, last) for i, o in enumerate(spec.orders)]
        return instrument, triggers, orders

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
        """Validate and store a trigger; it expires after a year. ``commit=False`` leaves it
        in the caller's transaction (flushed, so it has its id), to be recorded with it.

        Each leg that would open or extend a position passes the pre-trade gate now, as
        the order it places would (and that order passes it again when it fires): a
        refusal is a 400 in the gate's words and stores no trigger. ``checked`` is for a
        caller that ran the same check on the entry itself (a model portfolio's signal,
        with its portfolio's rules). `attribution` names who asks (a worker run), so its
        own rules apply too; it is kept on the trigger.
        """
        instrument, triggers, orders = self._validated(db, spec)
        now = self._clock.now()
        if not checked:
            self._pass_gate(
                db, user_id, instrument, orders, now, commit=commit, attribution=attribution
            )
        gtt = Gtt(
            user_id=user_id,
            broker=PAPER,
            type=spec.kind,
            exchange=instrument.exchange.value,
            tradingsymbol=instrument.tradingsymbol,
            instrument_token=instrument.instrument_token,
            trigger_values=[str(t) for t in triggers],
            last_price=_decimal(spec.last_price, "condition.last_price"),
            orders=orders,
            status=ACTIVE,
            created_at=now,
            updated_at=now,
            expires_at=now + VALIDITY,
            attribution=attribution,
            provisional_calendar=self._provisional_validity(now),
        )
        db.add(gtt)
        if commit:
            db.commit()
        else:
            db.flush()
        return gtt

    def _provisional_validity(self, now: datetime) -> bool:
        """Whether a trigger made at ``now`` may fire on days past the NSE holiday list
        (sessions assumed on every weekday): its whole validity is not known to trade."""
        start, end = (moment.astimezone(IST).date() for moment in (now, now + VALIDITY))
        return self._calendar.uses_provisional(start, end)

    def _pass_gate(
        self,
        db: Session,
        user_id: int,
        instrument: Instrument,
        orders: list[dict[str, Any]],
        now: datetime,
        *,
        commit: bool,
        attribution: dict[str, Any] | None = None,
    ) -> None:
        """Each leg's order through the pre-trade gate; a refusal raises (400) after its
        breaches are recorded (committed only when the trigger would have been)."""
        last = self._exchange.last_tick(instrument.key)
        for leg in orders:
            order = new_order(
                user_id,
                _leg_spec(instrument, leg),
                instrument,
                client_key=None,
                source="gtt",
                attribution=attribution,
                now=now,
            )
            verdict = self._exchange.pre_trade(db, order, instrument, last)
            if verdict is None or verdict.refusal is None:
                continue
            if verdict.record is not None:  # the breach is logged, with no order to name
                verdict.record(db, order)
                if commit:
                    db.commit()
            raise BadRequest(verdict.refusal)

    def modify(
        self, db: Session, *, user_id: int, trigger_id: int, spec: GttSpec, gate: bool = False
    ) -> Gtt:
        """Change an active trigger's values, orders and reference price in place (Kite's
        modify keeps the id), in the caller's transaction. A compare-and-set on ``active``:
        400 once it has fired, expired or been deleted, so a trigger is never changed under
        the order it placed. ``gate``: the new legs pass the pre-trade gate as a new
        trigger's do (a user's edit; a stop the platform moves is an exit and skips it)."""
        gtt = self.get(db, user_id=user_id, trigger_id=trigger_id)
        instrument, triggers, orders = self._validated(db, spec)
        if instrument.key != f"{gtt.exchange}:{gtt.tradingsymbol}":
            raise InvalidField("condition.tradingsymbol", "a GTT's instrument cannot change")
        if gate:
            self._pass_gate(db, user_id, instrument, orders, self._clock.now(), commit=True)
        result = db.execute(
            update(Gtt)
            .where(Gtt.id == gtt.id, Gtt.status == ACTIVE)
            .values(
                type=spec.kind,
                trigger_values=[str(t) for t in triggers],
                last_price=_decimal(spec.last_price, "condition.last_price"),
                orders=orders,
                updated_at=self._clock.now(),
            )
            .execution_options(synchronize_session=False)
        )
        db.refresh(gtt)
        if int(getattr(result, "rowcount", 0) or 0) != 1:
            raise BadRequest(f"GTT {trigger_id} is {gtt.status} and cannot be modified")
        return gtt

    def cancel(self, db: Session, *, trigger_id: int) -> bool:
        """Retire an active trigger in the caller's transaction (status ``cancelled``: by the
        platform, where ``deleted`` is the user's). False when it is no longer active: it
        fired, expired or went, and the caller must not act as if it still stood."""
        return self._claim(db, trigger_id, status="cancelled", leg=None)

    def get(self, db: Session, *, user_id: int, trigger_id: int) -> Gtt:
        """One of the user's triggers (404 otherwise)."""
        gtt = db.get(Gtt, trigger_id)
        if gtt is None or gtt.user_id != user_id:
            raise NotFound(f"GTT {trigger_id} not found")
        return gtt

    def delete(self, db: Session, *, user_id: int, trigger_id: int) -> Gtt:
        """Retire an active trigger, or one stuck after firing (its order never placed:
        the owner can always remove it); 400 once it placed its order or expired."""
        gtt = self.get(db, user_id=user_id, trigger_id=trigger_id)
        claimed = self._claim(db, gtt.id, status="deleted", leg=None) or self._unstick(db, gtt.id)
        if not claimed:
            db.refresh(gtt)
            raise BadRequest(f"GTT {trigger_id} is {gtt.status} and cannot be deleted")
        forget(db, item=item_key(gtt.id))
        db.commit()
        db.refresh(gtt)
        return gtt

    def _unstick(self, db: Session, gtt_id: int) -> bool:
        """Delete a trigger that fired but whose order was never placed (a compare-and-set:
        `recover` places an order only for a trigger still in that state)."""
        result = db.execute(
            update(Gtt)
            .where(
                Gtt.id == gtt_id,
                Gtt.status == "triggered",
                Gtt.order_pk.is_(None),
                Gtt.broker == PAPER,  # a live trigger's order is adopted from its broker
            )
            .values(status="deleted", updated_at=self._clock.now())
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    def _claim(self, db: Session, gtt_id: int, *, status: str, leg: int | None) -> bool:
        now = self._clock.now()
        result = db.execute(
            update(Gtt)
            .where(Gtt.id == gtt_id, Gtt.status == ACTIVE)
            .values(
                status=status,
                updated_at=now,
                triggered_leg=leg,
                triggered_at=now if status == "triggered" else None,
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    @staticmethod
    def _leg_hit(gtt: Gtt, price: Decimal) -> int | None:
        values = [Decimal(v) for v in gtt.trigger_values]
        if len(values) == 2:
            if price <= values[0]:
                return 0
            return 1 if price >= values[1] else None
        trigger = values[0]
        rising = trigger >= gtt.last_price
        return 0 if (price >= trigger if rising else price <= trigger) else None

    def on_tick(self, db: Session, tick: Tick, guard: Guard = UNGUARDED) -> list[Gtt]:
        """Fire every active trigger of the ticked instrument that the price reached, each
        through `guard` (a trigger whose order cannot be placed fails alone)."""
        if self._calendar.session_at(tick.ts, Market.EQUITY) is not MarketSession.NORMAL:
            return []  # evaluated only during market hours
        exchange, _, symbol = tick.key.partition(":")
        candidates = db.scalars(
            select(Gtt).where(
                Gtt.exchange == exchange,
                Gtt.tradingsymbol == symbol,
                Gtt.status == ACTIVE,
                Gtt.broker == PAPER,  # a live trigger fires at its broker (oms/live/gtt.py)
            )
        ).all()

        def fire(gtt: Gtt) -> Gtt | None:
            leg = self._leg_hit(gtt, tick.last_price)
            if leg is None or not self._claim(db, gtt.id, status="triggered", leg=leg):
                return None
            emitter.gtt_triggered(db, gtt, leg, self._clock.now())
            db.commit()  # fired once, whatever placing its order does
            db.refresh(gtt)
            self._place_leg(db, gtt, tick)
            return gtt

        fired = guard.each(candidates, job="gtt.fire", key=_item, owner=_owner, work=fire, db=db)
        return [gtt for gtt in fired if gtt is not None]

    def _place_leg(self, db: Session, gtt: Gtt, tick: Tick | None) -> None:
        assert gtt.triggered_leg is not None
        leg = gtt.orders[gtt.triggered_leg]
        spec = _spec(Exchange(gtt.exchange), gtt.tradingsymbol, leg)
        try:
            order = self._exchange.place(
                db,
                user_id=gtt.user_id,
                spec=spec,
                client_key=f"gtt:{gtt.id}",
                source="gtt",
                last=tick,
                # the portfolio or run that set the trigger: its order is in that book
                attribution=gtt.attribution,
            )
        except OrderRateExceeded:
            return  # past the client's order-rate ceiling: `recover` places it on its next run
        except InvalidField as exc:
            gtt.status = "rejected"
            gtt.result = {
                "order_result": {
                    "status": "failed",
                    "order_id": None,
                    "rejection_reason": exc.detail,
                }
            }
        else:
            gtt.order_pk = order.id
            gtt.result = {
                "triggered_at": utc_iso(self._clock.now()),
                "order_result": {
                    "status": "success" if order.status != "REJECTED" else "failed",
                    "order_id": order.order_id,
                    "rejection_reason": order.status_message if order.status == "REJECTED" else "",
                },
            }
        db.commit()

    def recover(self, db: Session, guard: Guard = UNGUARDED) -> int:
        """Place the order of every trigger claimed but never placed (after a crash, or
        when placing failed), each through `guard`; how many were placed."""
        orphans = db.scalars(
            select(Gtt).where(
                Gtt.status == "triggered", Gtt.order_pk.is_(None), Gtt.broker == PAPER
            )
        ).all()

        def place(gtt: Gtt) -> None:
            db.refresh(gtt)  # its owner may have deleted it since
            if gtt.status == "triggered" and gtt.order_pk is None:
                self._place_leg(db, gtt, None)

        # the same item as its firing: a trigger that failed there is quarantined here too
        return len(guard.each(orphans, job="gtt.fire", key=_item, owner=_owner, work=place, db=db))

    def expire_due(self, db: Session) -> int:
        """Mark triggers past their one-year validity as expired."""
        result = db.execute(
            update(Gtt)
            .where(Gtt.status == ACTIVE, Gtt.expires_at <= self._clock.now(), Gtt.broker == PAPER)
            .values(status="expired", updated_at=self._clock.now())
        )
        db.commit()
        return int(getattr(result, "rowcount", 0) or 0)

    def orders_of(self, db: Session, gtts: Sequence[Gtt]) -> dict[int, Order]:
        """The orders the given triggers placed, by trigger id."""
        ids = [g.order_pk for g in gtts if g.order_pk is not None]
        rows = db.scalars(select(Order).where(Order.id.in_(ids))).all() if ids else []
        by_pk = {o.id: o for o in rows}
        return {g.id: by_pk[g.order_pk] for g in gtts if g.order_pk in by_pk}

"""The paper exchange: orders placed here are matched against the live (simulated) feed.

Placement validates with the same domain rules a real broker adapter uses, claims the
client's idempotency key through a unique constraint (a replay or a racing duplicate
gets the first order back), applies the session rule (outside market hours only AMO),
checks funds and holdings (a shortfall is stored as REJECTED with Kite's wording), and
matches at once when a tick is known. `on_tick` advances every working order of the
ticked instrument; each fill books a trade, its share of the day's contract-note
charges and the cash movements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order, OrderEventRow, Trade
from tradertape.domain.calendar import Market, TradingCalendar
from tradertape.domain.calendar import Session as MarketSession
from tradertape.domain.charges import Exchange as ChargeExchange
from tradertape.domain.charges import Fill, Side, charge_segment
from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    UnknownInstrumentError,
)
from tradertape.domain.market import Tick
from tradertape.domain.order_state import (
    WORKING as _WORKING,
)
from tradertape.domain.order_state import EventKind, OrderEvent, OrderState, OrderStatus, apply
from tradertape.domain.orders import (
    OrderFieldError,
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Validity,
    Variety,
    validate_order,
)
from tradertape.domain.ticks import tick_size
from tradertape.engines.matching import MatchConfig, WorkingOrder, match
from tradertape.errors import BadRequest, InvalidField, NotFound
from tradertape.oms.books import add_fill_charges, cash, lock_user_books, post_cash
from tradertape.oms.ids import new_order_id, new_trade_id
from tradertape.oms.ledger import net_quantity
from tradertape.ports.clock import IST, Clock

BROKER = "paper"
SQUAREOFF = "squareoff"  # the source of the broker's own square-off orders
CatalogSource = Callable[[Session], InstrumentCatalog]
_MARGIN_RATE = {Product.CNC: Decimal(1), Product.MTF: Decimal(1), Product.MIS: Decimal("0.2")}


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """Knobs of the simulated exchange."""

    match: MatchConfig = field(default_factory=MatchConfig)
    nrml_margin_rate: Decimal = Decimal("0.15")  # a flat SPAN+exposure stand-in for futures
    # Zerodha's auto square-off (reference §5.5); new MIS orders are refused from then on.
    squareoff_equity: time = time(15, 20)
    squareoff_fno: time = time(15, 25)

    def squareoff_time(self, derivative: bool) -> time:
        """When MIS positions of this kind are closed by the broker."""
        return self.squareoff_fno if derivative else self.squareoff_equity


def _rupees(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


class PaperExchange:
    """Places, matches and books paper orders for every user."""

    def __init__(
        self,
        *,
        clock: Clock,
        calendar: TradingCalendar,
        catalog: InstrumentCatalog | CatalogSource,
        config: PaperConfig | None = None,
    ) -> None:
        """``catalog`` is fixed, or read per session so imported instruments are seen."""
        self._clock = clock
        self._calendar = calendar
        if isinstance(catalog, InstrumentCatalog):
            fixed = catalog
            self._catalog_source: CatalogSource = lambda _db: fixed
        else:
            self._catalog_source = catalog
        self._config = config or PaperConfig()

    @property
    def config(self) -> PaperConfig:
        """The exchange's knobs."""
        return self._config

    def catalog(self, db: Session) -> InstrumentCatalog:
        """The instruments this exchange lists, as of this session."""
        return self._catalog_source(db)

    def deposit(self, db: Session, *, user_id: int, amount: Decimal, note: str = "") -> None:
        """Add funds to the user's paper account (commits)."""
        if amount <= 0:
            raise InvalidField("amount", "must be positive")
        lock_user_books(db, user_id=user_id, broker=BROKER)
        post_cash(
            db,
            user_id=user_id,
            broker=BROKER,
            at=self._clock.now(),
            kind="deposit",
            amount=amount,
            note=note or None,
        )
        db.commit()

    def _instrument(self, db: Session, spec: OrderSpec) -> Instrument:
        try:
            return self.catalog(db).get(spec.key)
        except UnknownInstrumentError as exc:
            raise InvalidField("tradingsymbol", str(exc)) from exc

    def _tick_for(self, instrument: Instrument, spec: OrderSpec, last: Tick | None) -> Decimal:
        if instrument.is_derivative:
            return instrument.tick_size
        reference = last.last_price if last else (spec.price or spec.trigger_price)
        return tick_size(reference) if reference else instrument.tick_size

    def _check_session(
        self, spec: OrderSpec, instrument: Instrument, now: datetime, source: str
    ) -> None:
        market = Market.FUTURES if instrument.is_derivative else Market.EQUITY
        is_open = self._calendar.session_at(now, market) is MarketSession.NORMAL
        if spec.variety is Variety.AMO and is_open:
            raise InvalidField("variety", "AMO is for outside market hours; use regular")
        if spec.variety is not Variety.AMO and not is_open:
            raise InvalidField(
                "variety", "markets are closed: place an AMO (variety 'amo') or a GTT"
            )
        cutoff = self._config.squareoff_time(instrument.is_derivative)
        late = now.astimezone(IST).time() >= cutoff
        if spec.product is Product.MIS and is_open and late and source != SQUAREOFF:
            raise InvalidField(
                "product", f"MIS orders are blocked after the {cutoff:%H:%M} square-off"
            )

    def blocked(self, db: Session, user_id: int) -> Decimal:
        """Margin held by the user's working and queued buy orders."""
        rows = db.scalars(
            select(Order).where(
                Order.user_id == user_id,
                Order.broker == BROKER,
                Order.transaction_type == TransactionType.BUY.value,
                Order.status.in_([*_WORKING, OrderStatus.AMO_REQ_RECEIVED.value]),
            )
        )
        return sum((self._required(o, o.price or o.average_price) for o in rows), Decimal(0))

    def _required(self, order: Order, price: Decimal) -> Decimal:
        rate = _MARGIN_RATE.get(Product(order.product), self._config.nrml_margin_rate)
        return (order.quantity - order.filled_quantity) * price * rate

    def _funding_problem(
        self, db: Session, order: Order, instrument: Instrument, last: Tick | None
    ) -> str | None:
        if order.transaction_type == TransactionType.SELL.value:
            if order.product != Product.CNC.value:
                return None
            held = net_quantity(
                db, user_id=order.user_id, broker=BROKER, key=instrument.key, product="CNC"
            )
            if held < order.quantity:
                return f"Insufficient holdings: {held} of {instrument.tradingsymbol} held."
            return None
        price = order.price or order.trigger_price or (last.last_price if last else None)
        if price is None:
            return "No price available to compute the required margin."
        required = self._required(order, price)
        available = cash(db, user_id=order.user_id, broker=BROKER) - self.blocked(db, order.user_id)
        if required > available:
            return (
                f"Insufficient funds. Required margin is {_rupees(required)} "
                f"but available margin is {_rupees(max(available, Decimal(0)))}."
            )
        return None

    def place(
        self,
        db: Session,
        *,
        user_id: int,
        spec: OrderSpec,
        client_key: str | None = None,
        source: str = "api",
        attribution: dict[str, Any] | None = None,
        last: Tick | None = None,
    ) -> Order:
        """Validate, claim the idempotency key, store, and match at once if possible."""
        if client_key is not None:
            existing = self._by_key(db, user_id, client_key)
            if existing is not None:
                return existing
        instrument = self._instrument(db, spec)
        try:
            validate_order(spec, instrument, tick=self._tick_for(instrument, spec, last))
        except OrderFieldError as exc:
            raise InvalidField(exc.field, exc.message) from exc
        now = self._clock.now()
        self._check_session(spec, instrument, now, source)
        order = self._new_order(user_id, spec, instrument, client_key, source, attribution, now)
        db.add(order)
        try:
            db.flush()
        except IntegrityError:
            # A concurrent request claimed the same key first: answer with its order.
            db.rollback()
            winner = self._by_key(db, user_id, client_key) if client_key else None
            if winner is None:
                raise
            return winner
        # The broker's own square-off closes risk; it is never refused for margin.
        problem = (
            None if source == SQUAREOFF else self._funding_problem(db, order, instrument, last)
        )
        if problem:
            self.record(db, order, OrderEvent(EventKind.REJECTED, now, message=problem))
        else:
            self.record(
                db,
                order,
                OrderEvent(EventKind.ACCEPTED, now, status_after=self._entry_status(spec)),
            )
        db.commit()
        if last is not None and order.status in _WORKING:
            self.advance(db, order, instrument, last, traded_volume=last.last_quantity)
            self._expire_ioc(db, order)
            db.commit()
        return order

    def _by_key(self, db: Session, user_id: int, client_key: str) -> Order | None:
        query = select(Order).where(Order.user_id == user_id, Order.client_key == client_key)
        return db.scalar(query)

    @staticmethod
    def _entry_status(spec: OrderSpec) -> OrderStatus:
        if spec.variety is Variety.AMO:
            return OrderStatus.AMO_REQ_RECEIVED
        if spec.order_type in (OrderType.SL, OrderType.SL_M):
            return OrderStatus.TRIGGER_PENDING
        return OrderStatus.OPEN

    @staticmethod
    def _new_order(
        user_id: int,
        spec: OrderSpec,
        instrument: Instrument,
        client_key: str | None,
        source: str,
        attribution: dict[str, Any] | None,
        now: datetime,
    ) -> Order:
        return Order(
            user_id=user_id,
            order_id=new_order_id(now),
            broker=BROKER,
            client_key=client_key,
            exchange=spec.exchange.value,
            tradingsymbol=spec.tradingsymbol,
            instrument_token=instrument.instrument_token,
            transaction_type=spec.transaction_type.value,
            product=spec.product.value,
            order_type=spec.order_type.value,
            variety=spec.variety.value,
            validity=spec.validity.value,
            validity_ttl=spec.validity_ttl,
            quantity=spec.quantity,
            price=spec.price,
            trigger_price=spec.trigger_price,
            disclosed_quantity=spec.disclosed_quantity,
            market_protection=spec.market_protection,
            iceberg_legs=spec.iceberg_legs,
            iceberg_quantity=spec.iceberg_quantity,
            status="PUT ORDER REQ RECEIVED",
            filled_quantity=0,
            average_price=Decimal(0),
            source=source,
            attribution=dict(attribution or {}),
            placed_at=now,
            updated_at=now,
            expires_at=now + timedelta(minutes=spec.validity_ttl) if spec.validity_ttl else None,
        )

    def record(self, db: Session, order: Order, event: OrderEvent) -> None:
        """Apply an event to an order through the status machine and log it (no commit)."""
        state = OrderState(
            status=None if order.status == "PUT ORDER REQ RECEIVED" else OrderStatus(order.status),
            quantity=order.quantity,
            filled_quantity=order.filled_quantity,
            average_price=order.average_price,
            status_message=order.status_message,
        )
        after = apply(state, event)
        assert after.status is not None
        order.status = after.status.value
        order.filled_quantity = after.filled_quantity
        order.average_price = after.average_price
        order.status_message = after.status_message
        order.updated_at = event.ts_event
        if event.kind is EventKind.TRIGGERED:
            order.triggered = True
        db.add(
            OrderEventRow(
                order_pk=order.id,
                kind=event.kind.value,
                status_after=order.status,
                ts_event=event.ts_event,
                ts_init=self._clock.now(),
                fill_quantity=event.fill_quantity,
                fill_price=event.fill_price,
                message=event.message,
            )
        )

    def cancel(self, db: Session, *, user_id: int, order_id: str) -> Order:
        """Cancel a working order (404 if not the user's; 400 if already final)."""
        order = self.own_order(db, user_id=user_id, order_id=order_id)
        if OrderStatus(order.status).is_terminal:
            raise BadRequest(f"order {order_id} is {order.status} and cannot be cancelled")
        self.record(
            db,
            order,
            OrderEvent(EventKind.CANCELLED, self._clock.now(), message="Cancelled by user."),
        )
        db.commit()
        return order

    def modify(
        self,
        db: Session,
        *,
        user_id: int,
        order_id: str,
        changes: dict[str, Any],
        last: Tick | None = None,
    ) -> Order:
        """Change a live order's quantity, prices, type or validity (Kite's modify).

        The result is validated like a new order; the quantity cannot drop below what has
        filled, and a stop cannot turn into a plain order (or back) once placed.
        """
        order = self.own_order(db, user_id=user_id, order_id=order_id)
        status = OrderStatus(order.status)
        if status.is_terminal:
            raise BadRequest(f"order {order_id} is {order.status} and cannot be modified")
        spec = replace(self._spec_of(order), **changes)
        stops = (OrderType.SL, OrderType.SL_M)
        if (OrderType(order.order_type) in stops) != (spec.order_type in stops):
            raise InvalidField("order_type", "cannot switch between stop and non-stop orders")
        if spec.quantity <= order.filled_quantity:
            raise InvalidField(
                "quantity",
                f"must exceed the {order.filled_quantity} already filled; cancel instead",
            )
        instrument = self._instrument(db, spec)
        try:
            validate_order(spec, instrument, tick=self._tick_for(instrument, spec, last))
        except OrderFieldError as exc:
            raise InvalidField(exc.field, exc.message) from exc
        order.quantity, order.price, order.trigger_price = (
            spec.quantity,
            spec.price,
            spec.trigger_price,
        )
        order.order_type, order.validity = spec.order_type.value, spec.validity.value
        order.disclosed_quantity = spec.disclosed_quantity
        order.validity_ttl = spec.validity_ttl
        self.record(db, order, OrderEvent(EventKind.MODIFIED, self._clock.now()))
        if last is not None and order.status in _WORKING:
            self.advance(db, order, instrument, last, traded_volume=last.last_quantity)
        db.commit()
        return order

    def own_order(self, db: Session, *, user_id: int, order_id: str) -> Order:
        """One of the user's orders by its order id (404 for anyone else's)."""
        order = db.scalar(select(Order).where(Order.order_id == order_id, Order.user_id == user_id))
        if order is None:
            raise NotFound(f"order {order_id} not found")
        return order

    @staticmethod
    def _spec_of(order: Order) -> OrderSpec:
        return OrderSpec(
            exchange=Exchange(order.exchange),
            tradingsymbol=order.tradingsymbol,
            transaction_type=TransactionType(order.transaction_type),
            quantity=order.quantity,
            product=Product(order.product),
            order_type=OrderType(order.order_type),
            variety=Variety(order.variety),
            validity=Validity(order.validity),
            price=order.price,
            trigger_price=order.trigger_price,
            disclosed_quantity=order.disclosed_quantity,
            validity_ttl=order.validity_ttl,
            market_protection=order.market_protection,
            iceberg_legs=order.iceberg_legs,
            iceberg_quantity=order.iceberg_quantity,
        )

    def on_tick(self, db: Session, tick: Tick, *, traded_volume: int) -> list[Trade]:
        """Advance every working paper order of the ticked instrument (commits)."""
        exchange, _, symbol = tick.key.partition(":")
        orders = db.scalars(
            select(Order)
            .where(
                Order.broker == BROKER,
                Order.exchange == exchange,
                Order.tradingsymbol == symbol,
                Order.status.in_(_WORKING),
            )
            .order_by(Order.id)
        ).all()
        if not orders:
            return []
        instrument = self.catalog(db).get(tick.key)
        trades: list[Trade] = []
        for order in orders:
            trades.extend(self.advance(db, order, instrument, tick, traded_volume=traded_volume))
        db.commit()
        return trades

    def advance(
        self, db: Session, order: Order, instrument: Instrument, tick: Tick, *, traded_volume: int
    ) -> list[Trade]:
        """Match one working order against one tick and book what fills (no commit)."""
        working = WorkingOrder(
            side=TransactionType(order.transaction_type),
            order_type=OrderType(order.order_type),
            pending_quantity=order.quantity - order.filled_quantity,
            price=order.price,
            trigger_price=order.trigger_price,
            triggered=order.triggered,
            market_protection=order.market_protection,
            leg_quantity=order.iceberg_quantity,
            lot_size=instrument.lot_size,
        )
        config = self._config.match
        result = match(working, tick, traded_volume=traded_volume, config=config)
        if result.triggered:
            self.record(db, order, OrderEvent(EventKind.TRIGGERED, tick.ts))
        if not result.fill_quantity or result.fill_price is None:
            return []
        self.record(
            db,
            order,
            OrderEvent(
                EventKind.FILLED,
                tick.ts,
                fill_quantity=result.fill_quantity,
                fill_price=result.fill_price,
            ),
        )
        return [
            self._book_trade(
                db, order, instrument, result.fill_quantity, result.fill_price, tick.ts
            )
        ]

    def _expire_ioc(self, db: Session, order: Order) -> None:
        if order.validity == Validity.IOC.value and order.status in _WORKING:
            self.record(
                db,
                order,
                OrderEvent(
                    EventKind.EXPIRED, self._clock.now(), message="IOC remainder cancelled."
                ),
            )

    def _book_trade(
        self,
        db: Session,
        order: Order,
        instrument: Instrument,
        quantity: int,
        price: Decimal,
        at: datetime,
    ) -> Trade:
        trade_date = at.astimezone(IST).date()
        trade = Trade(
            user_id=order.user_id,
            trade_id=new_trade_id(at),
            order_pk=order.id,
            broker=BROKER,
            exchange=order.exchange,
            tradingsymbol=order.tradingsymbol,
            instrument_token=order.instrument_token,
            product=order.product,
            transaction_type=order.transaction_type,
            quantity=quantity,
            price=price,
            filled_at=at,
            trade_date=trade_date.isoformat(),
            charges=Decimal(0),
        )
        db.add(trade)
        db.flush()
        lock_user_books(db, user_id=order.user_id, broker=BROKER)
        value = price * quantity
        trade.charges = add_fill_charges(
            db,
            user_id=order.user_id,
            broker=BROKER,
            trade_date=trade_date,
            fill=self._fill(self.catalog(db), trade),
            order_value_before=order.filled_value,
        )
        order.filled_value = order.filled_value + value
        buy = order.transaction_type == TransactionType.BUY.value
        post_cash(
            db,
            user_id=order.user_id,
            broker=BROKER,
            at=at,
            kind="buy" if buy else "sell",
            amount=-value if buy else value,
            trade_pk=trade.id,
        )
        if trade.charges:
            post_cash(
                db,
                user_id=order.user_id,
                broker=BROKER,
                at=at,
                kind="charges",
                amount=-trade.charges,
                trade_pk=trade.id,
            )
        return trade

    @staticmethod
    def _fill(catalog: InstrumentCatalog, trade: Trade) -> Fill:
        instrument = catalog.get(f"{trade.exchange}:{trade.tradingsymbol}")
        derivative = instrument.instrument_type.value if instrument.is_derivative else None
        exchange = Exchange(trade.exchange)
        return Fill(
            order_id=str(trade.order_pk),
            segment=charge_segment(derivative_kind=derivative, intraday=trade.product == "MIS"),
            side=Side(trade.transaction_type),
            quantity=trade.quantity,
            price=trade.price,
            exchange=ChargeExchange.BSE
            if exchange in (Exchange.BSE, Exchange.BFO)
            else ChargeExchange.NSE,
            instrument=instrument.isin or instrument.key,
        )

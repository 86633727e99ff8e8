"""Acting on signals: approve into the cart, reject, expire, and place the cart.

Placement follows the portfolio's ``paper_fill``: ``gtt`` (the default, and the only one for
a live portfolio, whose GTTs and orders the one order pipeline sends to the user's broker,
by the same calls and with the same attribution as a paper portfolio's) sends an entry as a
BUY GTT at the signal's trigger and limit, and an exit as a SELL order (an AMO outside
market hours) once the position's standing stop GTT is cancelled (when the stop already
fired, the exit is refused: one sell per position); ``close`` fills at the signal's close
price at once, as TraderTape's virtual paper fills do. Every placement is one signal at a
time, committed as it goes, so a failure leaves the earlier ones placed and says which one
failed. A paper portfolio's virtual fills (``close``, ``next_open``) send nothing anywhere,
so a run of its signals is placed in one transaction (one lock, one read of its row, one
commit: `_together`) once nothing in it can fail before its fill but a risk refusal, which
commits what was placed before it as one by one does: the same rows commit either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.domain.books import PAPER_BROKER, own_book
from tradertape.domain.calendar import Market
from tradertape.domain.calendar import Session as MarketSession
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import (
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Variety,
)
from tradertape.domain.signals import AGENT as AGENT  # its callers' name for it
from tradertape.domain.signals import (
    IllegalTransition,
    SignalEvent,
    SignalStatus,
    next_status,
)
from tradertape.errors import BadRequest, Conflict, TraderTapeError
from tradertape.oms import (
    PAPER_ACCOUNT,
    Account,
    CreateGtt,
    OrderPipeline,
    PortfolioBooks,
    SubmitOrder,
)
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.notifications import events as notifications
from tradertape.services.portfolios import fills, money
from tradertape.services.portfolios.fills import book_virtual
from tradertape.services.portfolios.positions import exit_signal as exit_signal  # callers'
from tradertape.services.portfolios.positions import filled as filled  # its callers' name
from tradertape.services.portfolios.positions import of_portfolios
from tradertape.services.portfolios.stops import REASON as STOP
from tradertape.services.portfolios.stops import PortfolioStops, exit_spec
from tradertape.services.risk.exposure import RiskScope
from tradertape.services.risk.monitor import RiskMonitor


@dataclass(frozen=True, slots=True)
class PortfolioTrading:
    """What a portfolio's orders go through: the one order pipeline (a portfolio with
    ``paper_mode`` off trades at the user's broker), the exchange's prices and calendar,
    and the user's risk rules every new entry passes first."""

    orders: OrderPipeline
    exchange: PortfolioBooks  # last prices and the trading calendar
    clock: Clock  # market time: the orders placed and the signals' moves
    risk: RiskMonitor | None = None
    # How a live portfolio's exit leaves: "gtt" (a SELL GTT: the cloud places GTTs only) or
    # "order" (the server's IP is the one registered with the broker) (settings.py)
    live_exits: str = "gtt"
    # Real time: what the notices of its placements are stamped with (docs: "Clocks"), so a
    # replay's auto-placement is news now, not a day old; the market clock when not given.
    notice_clock: Clock | None = None

    @property
    def notices(self) -> Clock:
        """The clock of this trading's notices (real time)."""
        return self.notice_clock or self.clock


def account(portfolio: ModelPortfolio) -> Account:
    """The account a portfolio's orders use: paper, or the user's broker."""
    return PAPER_ACCOUNT if portfolio.paper_mode else Account(live=True)


def attribution(portfolio: ModelPortfolio, signal: ModelSignal) -> dict[str, int]:
    """Whose an order of a signal is, paper or live alike: the book it fills in follows
    from it and the account (a paper one is the portfolio's book, a live one its broker's:
    `domain.books.book_of`), and its events name the portfolio and the signal."""
    return {"portfolio_id": portfolio.id, "signal_id": signal.id}


def stops_of(trading: PortfolioTrading, portfolio: ModelPortfolio) -> PortfolioStops:
    """The stop GTTs of the portfolio's positions, in its account, on the exchange's prices."""
    return PortfolioStops(
        orders=trading.orders,
        account=account(portfolio),
        clock=trading.clock,
        last_tick=trading.exchange.last_tick,
    )


@dataclass(slots=True)
class Placement:
    """What a cart placement did."""

    placed: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    # Signals of agent-run portfolios: left in the cart for the agent (nothing is sent)
    for_agent: list[int] = field(default_factory=list)


def get(db: Session, signal_id: int, *, user_id: int) -> ModelSignal:
    """One of the user's signals (404 if missing or someone else's)."""
    return get_owned(db, ModelSignal, signal_id, user_id=user_id, label="signal")


def listing(
    db: Session,
    *,
    user_id: int,
    portfolio_id: int | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[ModelSignal]:
    """The user's signals, newest first, best conviction first within a scan."""
    query = of_portfolios(ModelSignal, user_id=user_id, portfolio_id=portfolio_id, status=status)
    order = (
        ModelSignal.signal_date.desc(),
        ModelSignal.conviction_rank.is_(None),
        ModelSignal.conviction_rank,
        ModelSignal.id,
    )
    return list(db.scalars(query.order_by(*order).limit(limit).offset(offset)))


def transition(
    db: Session, signal_id: int, event: SignalEvent, *, user_id: int, clock: Clock
) -> ModelSignal:
    """Apply a user's event; an illegal one is a 409 naming the current status."""
    signal = get(db, signal_id, user_id=user_id)
    _move(signal, event)
    if event is SignalEvent.APPROVE:
        signal.approved_at = clock.now()
    db.commit()
    return signal


def _move(signal: ModelSignal, event: SignalEvent) -> None:
    try:
        signal.status = next_status(signal.status, event).value
    except IllegalTransition as exc:
        raise Conflict(f"signal {signal.id} is {signal.status}: {exc}") from None


def place_cart(
    db: Session, *, user_id: int, portfolio_id: int | None, trading: PortfolioTrading
) -> Placement:
    """Place every ``in_cart`` signal of the user (or of one portfolio: 404 unless theirs)."""
    query = owned(ModelSignal, user_id=user_id).where(
        ModelSignal.status == SignalStatus.IN_CART.value
    )
    if portfolio_id is not None:
        get_owned(db, ModelPortfolio, portfolio_id, user_id=user_id, label="portfolio")
        query = query.where(ModelSignal.portfolio_id == portfolio_id)
    signals = list(db.scalars(query.order_by(ModelSignal.signal_type.desc(), ModelSignal.id)))
    return place(db, signals, trading=trading)


def place(
    db: Session, signals: list[ModelSignal], *, trading: PortfolioTrading, auto: bool = False
) -> Placement:
    """Send signals to the broker (exits first, so their cash is there for entries);
    ``auto`` (auto-placement) notifies each outcome in the transaction that records it."""
    result = Placement()
    exits_first = sorted(signals, key=lambda s: (s.signal_type != "exit", s.id))
    for run in _runs(db, exits_first):
        if len(run) > 1 and _together(db, run, trading=trading, auto=auto, result=result):
            continue
        _one_by_one(db, run, trading=trading, auto=auto, result=result)
    return result


def _runs(db: Session, ordered: list[ModelSignal]) -> list[list[ModelSignal]]:
    """`ordered` cut into runs placed alike: consecutive signals of one paper portfolio
    that fills virtually (placeable together), and every other signal alone."""
    runs: list[list[ModelSignal]] = []
    together: int | None = None  # the portfolio of the last run, if it is placeable together
    for signal in ordered:
        portfolio = db.get(ModelPortfolio, signal.portfolio_id)
        assert portfolio is not None
        virtual = (
            portfolio.paper_mode
            and portfolio.paper_fill in _VIRTUAL
            and portfolio.executor != AGENT
            and portfolio.status == "active"
        )
        if virtual and together == portfolio.id:
            runs[-1].append(signal)
            continue
        runs.append([signal])
        together = portfolio.id if virtual else None
    return runs


_VIRTUAL = ("close", "next_open")  # fills booked here, in the placement's transaction


def _placeable(db: Session, portfolio: ModelPortfolio, run: list[ModelSignal]) -> bool:
    """Whether `run` can be placed together: under the portfolio's lock (held), nothing a
    signal of it would fail on before its fill (the portfolio paused, an exit's position
    not open, two exits of one position), so the one failure left mid-run is a risk
    refusal, which commits what was placed before it (`_check_risk`), as one by one does."""
    money.hold(db, portfolio)
    if portfolio.status != "active":
        return False
    exits = [s.position_id for s in run if s.signal_type == "exit"]
    if len(set(exits)) != len(exits):
        return False
    for signal in run:
        if signal.signal_type == "exit":
            try:
                _position(db, signal)
            except Conflict:
                return False
    return True


def _together(
    db: Session,
    run: list[ModelSignal],
    *,
    trading: PortfolioTrading,
    auto: bool,
    result: Placement,
) -> bool:
    """Place one virtually filled paper portfolio's `run` as `_one_by_one` would, in one
    transaction (one commit, the portfolio's row read once); False, with nothing placed,
    if it cannot be (`_placeable`). A risk refusal commits the signals placed before it,
    its events and its rejection (as one by one does), and the rest go on together."""
    portfolio = db.get(ModelPortfolio, run[0].portfolio_id)
    assert portfolio is not None
    if not _placeable(db, portfolio, run):
        return False
    pending: list[int] = []  # placed in this transaction, not committed yet
    for k, signal in enumerate(run):
        money.hold(db, portfolio)  # read once: the lock is held to the commit
        _move(signal, SignalEvent.PLACE)
        try:
            _send(db, portfolio, signal, trading)
        except RiskRefusal as exc:  # it committed the run so far, and its events
            result.placed.extend(pending)
            pending.clear()
            _failed(db, portfolio, signal, exc, trading=trading, auto=auto, result=result)
            continue
        except TraderTapeError:  # none is known to come (`_placeable`): if one does, the
            db.rollback()  # rest of the run is placed again one by one, which says why
            _one_by_one(db, run[k - len(pending) :], trading=trading, auto=auto, result=result)
            return True
        if auto:  # notify: auto_place placed
            notifications.auto_placed(db, portfolio, signal, error=None, at=trading.notices.now())
        pending.append(signal.id)
    db.commit()
    result.placed.extend(pending)
    return True


def _one_by_one(
    db: Session,
    signals: list[ModelSignal],
    *,
    trading: PortfolioTrading,
    auto: bool,
    result: Placement,
) -> None:
    """Place each signal in its own transaction (see the module)."""
    for signal in signals:
        portfolio = db.get(ModelPortfolio, signal.portfolio_id)
        assert portfolio is not None
        # a paused agent portfolio's signal fails below, as a paused server portfolio's does:
        # its agent takes nothing from it
        if portfolio.executor == AGENT and portfolio.status == "active":
            _for_agent(signal, clock=trading.clock)
            db.commit()
            result.for_agent.append(signal.id)
            continue
        money.hold(db, portfolio)  # before the OMS's locks: its money moves as it is sent
        _move(signal, SignalEvent.PLACE)
        try:
            if portfolio.status != "active":
                raise Conflict(f"portfolio {portfolio.id} is {portfolio.status}")
            _send(db, portfolio, signal, trading)
        except TraderTapeError as exc:
            _failed(db, portfolio, signal, exc, trading=trading, auto=auto, result=result)
            continue
        if auto:  # notify: auto_place placed
            notifications.auto_placed(db, portfolio, signal, error=None, at=trading.notices.now())
        db.commit()
        result.placed.append(signal.id)


def _failed(
    db: Session,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    exc: TraderTapeError,
    *,
    trading: PortfolioTrading,
    auto: bool,
    result: Placement,
) -> None:
    """A signal that could not be placed: its work rolled back, it is rejected (a risk
    refusal) or failed, with why, and committed."""
    db.rollback()
    found = db.get(ModelSignal, signal.id)
    assert found is not None
    event = SignalEvent.REJECT if isinstance(exc, RiskRefusal) else SignalEvent.FAIL
    found.status = next_status(SignalStatus.APPROVED, event).value
    found.error = exc.detail[:400]
    result.failed[found.id] = found.error
    if auto:  # notify: auto_place failed
        notifications.auto_placed(db, portfolio, found, error=found.error, at=trading.notices.now())
    db.commit()


def _for_agent(signal: ModelSignal, *, clock: Clock) -> None:
    """An agent-run portfolio's signal is never sent from here: it waits in the cart,
    where the agent's poll finds it (`services.agent.signals`)."""
    if signal.status == SignalStatus.PENDING_APPROVAL.value:
        _move(signal, SignalEvent.APPROVE)
        signal.approved_at = clock.now()


#: Why a waiting entry was let go, as its gtt_status says; the rest are failures.
_LAPSED = frozenset({"expired", "not_triggered", "no_bar"})


def let_go(signal: ModelSignal, gtt_status: str) -> None:
    """A sent signal whose GTT or order will never fill: ``expired`` if it lapsed,
    ``failed`` (with the reason) if it was cancelled, rejected or could not be funded."""
    signal.gtt_status = gtt_status
    if signal.status != SignalStatus.APPROVED.value:
        return  # signals sent before statuses followed fills stay as they were recorded
    lapsed = gtt_status in _LAPSED
    signal.status = next_status(
        signal.status, SignalEvent.LAPSE if lapsed else SignalEvent.FAIL
    ).value
    if not lapsed:
        signal.error = f"its order was {gtt_status.replace('_', ' ')}"


class RiskRefusal(BadRequest):
    """A risk rule refused the entry: the signal is rejected (not failed: no broker saw it)."""


def _check_risk(
    db: Session, portfolio: ModelPortfolio, signal: ModelSignal, trading: PortfolioTrading
) -> None:
    """The same pre-trade check as every other entry; a breach rejects the signal, logged."""
    if trading.risk is None or signal.signal_type == "exit":
        return
    decision = trading.risk.check_entry(
        db,
        user_id=portfolio.user_id,
        symbol=signal.symbol,
        side="BUY",
        quantity=signal.quantity,
        price=signal.limit_price or signal.close_price,
        sector=signal.sector,
        scope=RiskScope(portfolio_id=portfolio.id),
        origin="portfolio",
        context={"signal_id": signal.id},
        book=own_book(
            PAPER_BROKER if portfolio.paper_mode else portfolio.broker,
            {"portfolio_id": portfolio.id},
        ),
    )
    if not decision.allowed:
        db.commit()  # the risk events stay, whatever happens to the signal
        raise RiskRefusal(decision.refusal or "rejected by a risk rule")


def _send(
    db: Session, portfolio: ModelPortfolio, signal: ModelSignal, trading: PortfolioTrading
) -> None:
    _check_risk(db, portfolio, signal, trading)
    if portfolio.paper_fill == "close":
        _fill_at_close(db, portfolio, signal, trading)
    elif portfolio.paper_fill == "next_open":
        _wait_for_open(db, portfolio, signal)
    elif signal.signal_type == "exit":
        _sell(db, portfolio, signal, trading)
    else:
        _buy_gtt(db, portfolio, signal, trading)


def _fill_at_close(
    db: Session, portfolio: ModelPortfolio, signal: ModelSignal, trading: PortfolioTrading
) -> None:
    clock = trading.clock
    day = signal.signal_date
    price = signal.close_price
    if signal.signal_type == "exit":
        position = _position(db, signal)
        book_virtual(  # its fill event sells the position (`portfolios.fills`)
            trading.exchange,
            db,
            portfolio,
            symbol=position.symbol,
            buy=False,
            quantity=position.quantity,
            price=price,
            day=day,
            at_open=False,
            signal_id=signal.id,
            position_id=position.id,
            reason=signal.reason or "exit",
        )
    else:
        book_virtual(  # its fill event opens (or adds to) the position (`portfolios.fills`)
            trading.exchange,
            db,
            portfolio,
            symbol=signal.symbol,
            buy=True,
            quantity=signal.quantity,
            price=price,
            day=day,
            at_open=False,
            signal_id=signal.id,
        )
        opened = fills.opened(db, signal)  # the fill's subscriber opened it, or raised
        # a close fill is held from the next bar, as in a `fill_at: close` backtest
        opened.held_from = trading.exchange.calendar.next_trading_day(day)
    filled(signal, clock=clock)


def _wait_for_open(db: Session, portfolio: ModelPortfolio, signal: ModelSignal) -> None:
    """``paper_fill: next_open``: the next session's open fills it, by the backtest's rules
    (`reconcile.open_fills`); entries earmark their amount until then."""
    if signal.signal_type == "exit":
        _position(db, signal).status = "exit_pending"
    else:
        money.earmark(portfolio, signal.amount)
    signal.gtt_status = "waiting_open"


def _position(db: Session, signal: ModelSignal) -> ModelPosition:
    position = db.get(ModelPosition, signal.position_id) if signal.position_id else None
    if position is not None and position.status == "closed" and position.exit_reason == STOP:
        # its stop's sell filled, and its fill closed the position at once (`fills`)
        raise Conflict(
            f"position {position.id}: its stop-loss GTT {position.stop_gtt_id} already fired"
        )
    if position is None or position.status == "closed":
        raise Conflict(f"signal {signal.id}: its position is already closed")
    if position.status != "open":  # another exit (a fired stop, say) is already selling it
        raise Conflict(f"signal {signal.id}: its position is {position.status}")
    return position


def _buy_gtt(
    db: Session, portfolio: ModelPortfolio, signal: ModelSignal, trading: PortfolioTrading
) -> None:
    exchange, _, symbol = signal.symbol.partition(":")
    assert signal.trigger_price is not None
    assert signal.limit_price is not None
    order = {
        "transaction_type": "BUY",
        "quantity": signal.quantity,
        "price": str(signal.limit_price),
        "order_type": "LIMIT",
        "product": "CNC",
    }
    spec = GttSpec(
        exchange=exchange,
        tradingsymbol=symbol,
        trigger_values=[signal.trigger_price],
        last_price=signal.close_price,
        orders=[order],
    )
    # `_check_risk` ran the gate's check with the portfolio's own rules too.
    checked = trading.risk is not None
    command = CreateGtt(
        user_id=portfolio.user_id,
        spec=spec,
        account=account(portfolio),
        commit=False,
        checked=checked,
        switches=False,  # deployed live with both switches on (`deploy`)
        attribution=attribution(portfolio, signal),
    )
    gtt = trading.orders.create_gtt(db, command)
    signal.gtt_id = gtt.id  # committed with the GTT: a restart never places it again
    signal.gtt_status = "active"
    money.hold(db, portfolio)  # again: a live trigger was committed before it was sent
    money.earmark(portfolio, signal.amount)


def _sell(
    db: Session, portfolio: ModelPortfolio, signal: ModelSignal, trading: PortfolioTrading
) -> None:
    position = _position(db, signal)
    stops_of(trading, portfolio).cancel(db, position)  # committed with the order (or rolled back)
    exchange, _, symbol = signal.symbol.partition(":")
    now = trading.clock.now()
    open_now = trading.exchange.calendar.session_at(now, Market.EQUITY) is MarketSession.NORMAL
    spec = OrderSpec(
        exchange=Exchange(exchange),
        tradingsymbol=symbol,
        transaction_type=TransactionType.SELL,
        quantity=position.quantity,
        product=Product.CNC,
        order_type=OrderType.MARKET,
        variety=Variety.REGULAR if open_now else Variety.AMO,
    )
    key = f"portfolio-{portfolio.id}-signal-{signal.id}"
    if not portfolio.paper_mode and trading.live_exits == "gtt":
        _sell_gtt(db, portfolio, signal, position, trading)
        return
    # A market sell has no price to judge on a last tick: the paper venue fills it on the
    # next one, the live venue records it and sends it (a refusal is stored, never resent).
    order = trading.orders.submit(
        db,
        SubmitOrder(
            user_id=portfolio.user_id,
            spec=spec,
            last=None,
            account=account(portfolio),
            client_key=key,
            source="portfolio",
            attribution=attribution(portfolio, signal),
            exit_only=True,  # it sells what the position holds: exits are never blocked
            switches=False,
        ),
    ).order
    signal.order_id = order.order_id
    signal.gtt_status = "order_placed"
    position.status = "exit_pending"


def _sell_gtt(
    db: Session,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    position: ModelPosition,
    trading: PortfolioTrading,
) -> None:
    """A live exit as a SELL GTT bracketing the last price (`stops.exit_spec`); the
    reconciliation follows it to its order as it follows an entry's."""
    tick = trading.exchange.last_tick(signal.symbol)
    last = tick.last_price if tick is not None else signal.close_price
    spec = exit_spec(position, last)
    command = CreateGtt(
        user_id=portfolio.user_id,
        spec=spec,
        account=account(portfolio),
        commit=False,
        checked=True,
        switches=False,  # an exit of a position already open
        attribution=attribution(portfolio, signal),
    )
    gtt = trading.orders.create_gtt(db, command)
    signal.gtt_id = gtt.id
    signal.gtt_status = "active"
    position.status = "exit_pending"


def expire_all(db: Session, portfolio_id: int) -> int:
    """Expire the portfolio's actionable signals (the next scan does this too)."""
    count = 0
    for signal in db.scalars(
        select(ModelSignal).where(
            ModelSignal.portfolio_id == portfolio_id,
            ModelSignal.status.in_(
                (SignalStatus.PENDING_APPROVAL.value, SignalStatus.IN_CART.value)
            ),
        )
    ):
        _move(signal, SignalEvent.EXPIRE)
        count += 1
    return count

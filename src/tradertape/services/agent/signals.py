"""Signals through the agent: what it is handed (after the one pre-trade gate), what it
reports back, and the quantities it should find at each broker.

A portfolio with ``executor: "agent"`` is placed by nobody but the agent: the server's
auto-placement puts its new signals in the cart instead of sending them, and its
reconciliation leaves it alone. The agent polls the cart of the owner's active agent
portfolios (exits first), each entry checked by the user's risk rules against the agent's
live book (`book.AgentBook`); a refused entry is rejected with the rule's words, handed
back once so the agent can log and show them. Results move the signal as the cloud's own
placements do (`placed` → approved, `filled` → executed) and are idempotent on signal and
outcome. A fill is handed to the OMS (`live_fills`: the ledger books and charges it once);
its position and the portfolio's money are booked from its fill event, in the same
transaction (`portfolios.fills`, through `positions.fill_entry`/`fill_exit`, which
notify).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models import AgentSignalResult, ModelPortfolio, ModelPosition, ModelSignal
from tradertape.domain import agent_results
from tradertape.domain.agent_results import Held, Leg, Outcome, Refused, Step
from tradertape.domain.money import paise
from tradertape.domain.risk import RuleTerms, RuleType
from tradertape.domain.signals import IllegalTransition, SignalEvent, SignalStatus, next_status
from tradertape.errors import Conflict, InvalidField
from tradertape.oms import OrderPipeline
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned
from tradertape.services.agent.book import AgentBook, working_entry
from tradertape.services.agent.fill_checks import FillMarket, check_at, check_price
from tradertape.services.agent.live_fills import book_agent_fill
from tradertape.services.portfolios import money
from tradertape.services.portfolios import signals as portfolio_signals
from tradertape.services.portfolios.fills import ENTRY, EXIT, STOP, booked
from tradertape.services.portfolios.scanner import LIMIT_PAD
from tradertape.services.portfolios.signals import AGENT
from tradertape.services.portfolios.stops import REASON as STOP_REASON
from tradertape.services.portfolios.stops import exit_spec
from tradertape.services.risk.check import check_entry
from tradertape.services.risk.exposure import RiskBooks, RiskScope, ScopeKind
from tradertape.services.risk.rules import applicable, kill_switches, terms

#: What the agent may report, and the ``gtt_status`` each leaves on the signal.
OUTCOMES: dict[str, str] = {
    "placed": "active",  # "order_placed" when the agent placed an order, not a GTT
    "triggered": "triggered",
    "filled": "filled",
    "cancelled": "cancelled",
    "expired": "expired",
    "failed": "failed",
    "rejected": "rejected",
}
#: Rules the gate can still check on an obfuscated book: counts and switches, and the
#: order's own value (the signal's quantity and price are the cloud's, never scaled).
COUNTS_ONLY = frozenset(
    {
        RuleType.KILL_SWITCH.value,
        RuleType.MTM_EXIT.value,  # its pause: a switch, not a figure
        RuleType.MAX_OPEN_POSITIONS.value,
        RuleType.MAX_ORDER_VALUE.value,
    }
)
#: Rules in rupees or % of capital: on an obfuscated book the agent applies them on its
#: real figures before it places (the poll sends them as ``risk.rules``).
LOCAL_RULES = frozenset(
    {
        RuleType.DAILY_LOSS_LIMIT.value,
        RuleType.MAX_EXPOSURE.value,
        RuleType.MAX_SECTOR_EXPOSURE_PCT.value,
        RuleType.MAX_SYMBOL_EXPOSURE.value,
        RuleType.MAX_ORDER_VALUE.value,
    }
)


@dataclass(frozen=True, slots=True)
class Handout:
    """One signal as the agent receives it, and what the gate said."""

    signal: ModelSignal
    portfolio: ModelPortfolio
    position: ModelPosition | None
    allowed: bool
    refusal: str | None
    warnings: tuple[str, ...]
    checked: str  # "all" | "counts" (obfuscated book: the agent checks rupees)
    #: The rupee and % rules the agent applies on its real figures ("counts" only).
    local_rules: tuple[RuleTerms, ...] = ()
    sector: str | None = None


def _agent_portfolio(db: Session, signal: ModelSignal) -> ModelPortfolio:
    portfolio = db.get(ModelPortfolio, signal.portfolio_id)
    assert portfolio is not None
    if portfolio.executor != AGENT:
        raise Conflict(
            f"signal {signal.id}: portfolio {portfolio.id} is executed by the server, not the agent"
        )
    return portfolio


def kill_switch_on(db: Session, *, user_id: int) -> bool:
    """Whether the user's account-wide kill switch is on (no entry is handed out)."""
    return any(rule.enabled for rule in kill_switches(db, user_id=user_id))


def carted(
    db: Session, *, user_id: int, status: SignalStatus = SignalStatus.IN_CART
) -> list[ModelSignal]:
    """The cart of the user's active agent portfolios (or their signals in another
    `status`), exits first, oldest first."""
    query = (
        select(ModelSignal)
        .join(ModelPortfolio, ModelPortfolio.id == ModelSignal.portfolio_id)
        .where(
            ModelPortfolio.user_id == user_id,
            ModelPortfolio.executor == AGENT,
            ModelPortfolio.status == "active",
            ModelSignal.status == status.value,
        )
    )
    rows = list(db.scalars(query.order_by(ModelSignal.id)))
    return sorted(rows, key=lambda s: (s.signal_type != "exit", s.id))


def pending(
    db: Session, *, user_id: int, clock: Clock, sector_of: Callable[[str], str | None]
) -> list[Handout]:
    """Check and hand out the cart (commits the refusals and their risk events)."""
    book = AgentBook(sector_of=sector_of)
    counts_only = book.obfuscated(db, user_id=user_id)
    books = RiskBooks(book)
    books.register(ScopeKind.PORTFOLIO, book.scoped)  # a portfolio's rules: its own book
    out: list[Handout] = []
    for signal in carted(db, user_id=user_id):
        portfolio = db.get(ModelPortfolio, signal.portfolio_id)
        assert portfolio is not None
        position = db.get(ModelPosition, signal.position_id) if signal.position_id else None
        checked = "counts" if counts_only else "all"
        sector = signal.sector or sector_of(signal.symbol)
        if signal.signal_type == "exit":  # exits are never blocked
            out.append(Handout(signal, portfolio, position, True, None, (), checked, (), sector))
            continue
        scope = RiskScope(portfolio_id=portfolio.id)
        rules = None
        local: tuple[RuleTerms, ...] = ()
        if counts_only:
            every = applicable(db, user_id=user_id, scope=scope)
            rules = [r for r in every if r.type in COUNTS_ONLY]
            local = tuple(terms(r) for r in every if r.type in LOCAL_RULES)
        decision = check_entry(
            db,
            clock=clock,
            books=books,
            user_id=user_id,
            symbol=signal.symbol,
            sector=sector,
            side=signal.side,
            quantity=signal.quantity,
            price=signal.limit_price or signal.close_price,
            scope=scope,
            origin=AGENT,
            context={"signal_id": signal.id},
            rules=rules,
        )
        warnings = tuple(b.message for b in decision.warnings)
        if not decision.allowed:
            signal.status = next_status(signal.status, SignalEvent.REJECT).value
            signal.error = (decision.refusal or "rejected by a risk rule")[:400]
            refused = Handout(
                signal, portfolio, position, False, signal.error, warnings, checked, (), sector
            )
            out.append(refused)
            continue
        book.pass_entry(portfolio.id, working_entry(signal))
        out.append(
            Handout(signal, portfolio, position, True, None, warnings, checked, local, sector)
        )
    db.commit()
    return out


def awaiting(db: Session, *, user_id: int, sector_of: Callable[[str], str | None]) -> list[Handout]:
    """The signals of the user's active agent portfolios waiting for the user's approval
    (``pending_approval``): the agent lists them with Approve and Reject. Nothing is
    checked yet: the gate checks an entry once it is approved into the cart."""
    out = []
    for signal in carted(db, user_id=user_id, status=SignalStatus.PENDING_APPROVAL):
        portfolio = db.get(ModelPortfolio, signal.portfolio_id)
        assert portfolio is not None
        position = db.get(ModelPosition, signal.position_id) if signal.position_id else None
        sector = signal.sector or sector_of(signal.symbol)
        out.append(Handout(signal, portfolio, position, True, None, (), "none", (), sector))
    return out


def placement(
    signal: ModelSignal, position: ModelPosition | None, portfolio: ModelPortfolio
) -> dict[str, Any]:
    """What the agent places, as the cloud would: with the portfolio's ``agent_placement``
    ``gtt``, an entry's BUY GTT at its trigger and limit, an exit's two-leg SELL GTT
    bracketing the signal's price (`stops.exit_spec`); with ``limit`` or ``market``, an
    immediate order (seed 000's SEBI case): a BUY of the signal's quantity at its limit, a
    SELL of the whole position at the signal's price (MARKET: at the market)."""
    if portfolio.agent_placement in ("limit", "market"):
        return _order(signal, position, market=portfolio.agent_placement == "market")
    if signal.signal_type == "exit" and position is not None:
        spec = exit_spec(position, signal.close_price)
        return {
            "kind": "gtt",
            "gtt_type": "two-leg",
            "trigger_values": [str(v) for v in spec.trigger_values],
            "legs": [{**leg, "price": str(leg["price"])} for leg in spec.orders],
        }
    trigger = signal.trigger_price or signal.close_price
    limit = signal.limit_price or trigger
    leg = {
        "transaction_type": signal.side,
        "quantity": signal.quantity,
        "price": str(limit),
        "order_type": "LIMIT",
        "product": "CNC",
    }
    return {"kind": "gtt", "gtt_type": "single", "trigger_values": [str(trigger)], "legs": [leg]}


def _order(signal: ModelSignal, position: ModelPosition | None, *, market: bool) -> dict[str, Any]:
    """An immediate order: one leg; ``trigger_values`` is its price (the contract's shape)."""
    exit_ = signal.signal_type == "exit" and position is not None
    quantity = position.quantity if exit_ and position is not None else signal.quantity
    price = signal.close_price if exit_ else signal.limit_price or signal.close_price
    leg = {
        "transaction_type": signal.side,
        "quantity": quantity,
        "price": str(price),  # a MARKET order's reference price (the agent sends none)
        "order_type": "MARKET" if market else "LIMIT",
        "product": "CNC",
    }
    return {"kind": "order", "gtt_type": "single", "trigger_values": [str(price)], "legs": [leg]}


def entry_buffer_pct(portfolio: ModelPortfolio) -> Decimal:
    """The strategy's entry buffer (% above the close the BUY triggers at)."""
    config = portfolio.strategy_snapshot.get("config") or {}
    return Decimal(str(config.get("entry_buffer_pct") or 0))


def limit_pad_pct() -> Decimal:
    """How far above its trigger an entry GTT's limit sits, in %."""
    return LIMIT_PAD * 100


def stop(signal: ModelSignal, portfolio: ModelPortfolio) -> dict[str, Any] | None:
    """Where the stop GTT goes once the entry fills: ``atr_multiplier × atr`` below the
    fill (``price`` is that, from the limit; the agent recomputes it from the real fill).
    None when the portfolio keeps no ATR stop: the agent's ``stop_loss_pct`` applies."""
    mult = portfolio.atr_stop_multiplier
    if signal.signal_type == "exit" or signal.atr is None or mult <= 0:
        return None
    base = signal.limit_price or signal.close_price
    return {
        "price": str(paise(base - mult * signal.atr)),
        "atr": str(signal.atr),
        "atr_multiplier": str(mult),
    }


@dataclass(frozen=True, slots=True)
class Report:
    """What the agent reported (validated by the route)."""

    signal_id: int
    outcome: str
    leg: str | None = None  # entry | exit (the signal's own, default) | stop
    broker: str | None = None
    kind: str | None = None  # gtt | order
    order_id: str | None = None
    gtt_id: str | None = None
    fill_price: Decimal | None = None
    filled_quantity: int | None = None
    reason: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    """The signal after a report, and whether the report was a repeat."""

    signal: ModelSignal
    position: ModelPosition | None
    duplicate: bool


@dataclass(frozen=True, slots=True)
class Reported:
    """Where the agent said a signal went: the broker, its GTT id and its order id (each
    the latest report that named one; the stop GTT is its position's, not here)."""

    broker: str | None
    gtt_id: str | None
    order_id: str | None


def reported(db: Session, signal_ids: Collection[int]) -> dict[int, Reported]:
    """What the agent reported of each of `signal_ids` (those it never reported are
    absent), from its results as kept: one query for a whole list of signals."""
    if not signal_ids:
        return {}
    rows = db.execute(
        select(
            AgentSignalResult.signal_id,
            AgentSignalResult.broker,
            AgentSignalResult.gtt_id,
            AgentSignalResult.order_id,
        )
        .where(AgentSignalResult.signal_id.in_(sorted(set(signal_ids))))
        .order_by(AgentSignalResult.id)
    )
    found: dict[int, Reported] = {}
    for signal_id, broker, gtt_id, order_id in rows:
        seen = found.get(signal_id, Reported(None, None, None))
        found[signal_id] = Reported(
            broker or seen.broker, gtt_id or seen.gtt_id, order_id or seen.order_id
        )
    return found


def _move(signal: ModelSignal, event: SignalEvent) -> None:
    try:
        signal.status = next_status(signal.status, event).value
    except IllegalTransition as exc:
        raise Conflict(f"signal {signal.id} is {signal.status}: {exc}") from None


def _held(position: ModelPosition | None) -> Held:
    return Held.NONE if position is None else Held(position.status)


def _leg(body: Report, signal: ModelSignal) -> Leg:
    if body.leg == "stop":
        if signal.signal_type == "exit":
            raise Conflict(f"signal {signal.id} is an exit: a stop belongs to its entry")
        return Leg.STOP
    return Leg.EXIT if signal.signal_type == "exit" else Leg.ENTRY


def _place(portfolio: ModelPortfolio, signal: ModelSignal, position: ModelPosition | None) -> None:
    """In the cart → approved, its amount earmarked (an entry) or its position selling."""
    _move(signal, SignalEvent.PLACE)
    if signal.signal_type == "exit":
        assert position is not None  # the table places an exit only while it is open
        position.status = "exit_pending"
    else:
        money.earmark(portfolio, signal.amount)


def _unplace(
    portfolio: ModelPortfolio, signal: ModelSignal, position: ModelPosition | None
) -> None:
    """A placed signal that will never fill: an entry's earmark back to free cash, an
    exit's position (if still selling) open again. A closed position stays closed."""
    if signal.signal_type == "exit":
        if position is not None and position.status == "exit_pending":
            position.status = "open"
    else:
        money.release(portfolio, signal.amount)


class _Booking:
    """Hands one reported fill to the OMS (`live_fills`), in the report's transaction; its
    fill event books the position and the portfolio's money (`portfolios.fills`)."""

    def __init__(
        self,
        db: Session,
        orders: OrderPipeline,
        portfolio: ModelPortfolio,
        signal: ModelSignal,
        report: Report,
        clock: Clock,
    ) -> None:
        self._db, self._orders, self._portfolio = db, orders, portfolio
        self._signal, self._report, self._clock = signal, report, clock

    def __call__(self, leg: str, quantity: int, price: Decimal) -> None:
        """Book `quantity` of the signal's `leg` (entry, exit or stop) filled at `price`."""
        report = self._report
        book_agent_fill(
            self._db,
            self._orders,
            portfolio=self._portfolio,
            signal=self._signal,
            leg=leg,
            quantity=quantity,
            price=price,
            broker_order_id=report.order_id,
            now=report.at or self._clock.now(),
        )
        if not booked(self._db, self._signal.id, leg):
            # Its subscriber is wired wherever the OMS is (the composition root): a fill
            # it did not hear is a wiring fault, and the report's transaction (the
            # ledger's fill with it) must not commit without the portfolio's side.
            raise RuntimeError(
                f"signal {self._signal.id}: its {leg} fill was not booked to its portfolio"
                " (no PortfolioFills watcher on the OMS's events)"
            )


def _fill(
    db: Session,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    position: ModelPosition | None,
    report: Report,
    clock: Clock,
    book: _Booking,
) -> ModelPosition | None:
    assert report.fill_price is not None  # checked before any step
    price = report.fill_price
    if signal.signal_type == "exit":
        assert position is not None
        book(EXIT, position.quantity, price)
    else:
        quantity = report.filled_quantity or signal.quantity
        if quantity != signal.quantity:  # a part fill books what filled, frees the rest
            money.release(portfolio, signal.amount)
            signal.amount = paise(signal.amount * quantity / signal.quantity)
            signal.quantity = quantity
            money.earmark(portfolio, signal.amount)
        book(ENTRY, quantity, price)
        position = db.get(ModelPosition, signal.position_id) if signal.position_id else None
        assert position is not None  # the fill event opened it (or added to it)
        position.entry_order_id = report.order_id
    portfolio_signals.filled(signal, clock=clock)
    return position


def _end(
    step: Step,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    position: ModelPosition | None,
    report: Report,
) -> None:
    """A signal the broker will never fill: rejected (the agent's own risk re-check, or
    the user in its UI) or let go (cancelled, expired, failed)."""
    if signal.status == SignalStatus.APPROVED.value:
        _unplace(portfolio, signal, position)
    elif step is Step.LET_GO:
        _move(signal, SignalEvent.PLACE)  # straight from the cart: nothing was earmarked
    if step is Step.REJECT:
        _move(signal, SignalEvent.REJECT)
        signal.gtt_status = "rejected"
        signal.error = (report.reason or "rejected by the agent")[:400]
        return
    portfolio_signals.let_go(signal, OUTCOMES[report.outcome])
    if report.reason:
        signal.error = report.reason[:400]


def _own_step(
    db: Session,
    step: Step,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    position: ModelPosition | None,
    report: Report,
    clock: Clock,
    book: _Booking,
) -> ModelPosition | None:
    """Do what the table allowed a result of the signal's own placement to do."""
    placed = signal.status == SignalStatus.APPROVED.value
    if step in (Step.REJECT, Step.LET_GO):
        _end(step, portfolio, signal, position, report)
        return position
    if not placed:
        _place(portfolio, signal, position)
    if report.order_id:
        signal.order_id = report.order_id[:32]
    if step is Step.FILL:
        return _fill(db, portfolio, signal, position, report, clock, book)
    if report.outcome == "triggered":
        signal.gtt_status = "triggered"
    elif signal.gtt_status != "triggered":  # a late "placed" does not undo a trigger
        signal.gtt_status = "order_placed" if report.kind == "order" else "active"
    return position


def _gtt_number(gtt_id: str | None) -> int | None:
    return int(gtt_id) if gtt_id is not None and gtt_id.isdigit() else None


def _stop_step(step: Step, position: ModelPosition, body: Report, book: _Booking) -> bool:
    """Do what the table allowed a result of the stop GTT to do; whether it changed
    anything (one that did not is answered as a duplicate)."""
    gtt = _gtt_number(body.gtt_id)
    if step is Step.ARM:
        if gtt is None:
            raise InvalidField("gtt_id", "a placed stop needs its GTT id")
        if position.stop_gtt_id == gtt:
            return False
        position.stop_gtt_id = gtt
        return True
    if step is Step.STOP_FILL:
        assert body.fill_price is not None  # checked before any step
        book(STOP, position.quantity, body.fill_price)
        return True
    known = position.stop_gtt_id
    if step is Step.DISARM and known is not None and gtt in (None, known):
        position.stop_gtt_id = None
        return True
    return False


def _same_fill(seen: AgentSignalResult, body: Report, booked: int) -> bool:
    """Whether `body` is the fill `seen` (a quantity left out is the one `booked`)."""
    same_quantity = (seen.filled_quantity or booked) == (body.filled_quantity or booked)
    return seen.fill_price == body.fill_price and same_quantity


def _repeat(
    db: Session, leg: Leg, signal: ModelSignal, position: ModelPosition | None, body: Report
) -> bool:
    """Whether `body` repeats a result already booked (then nothing moves). A fill that
    repeats an earlier one with another price or quantity is a 409: one fill books once."""
    if leg is Leg.STOP:
        if body.outcome != "filled" or position is None or position.status != "closed":
            return False
        same = position.exit_reason == STOP_REASON and position.exit_price == body.fill_price
        if not same:
            raise Conflict(f"signal {signal.id}: its position {position.id} is already closed")
        return True
    seen = db.scalar(
        select(AgentSignalResult).where(
            AgentSignalResult.signal_id == signal.id, AgentSignalResult.outcome == body.outcome
        )
    )
    if seen is None:
        return False
    if body.outcome == "filled" and not _same_fill(seen, body, signal.quantity):
        raise Conflict(
            f"signal {signal.id} already filled at {seen.fill_price}"
            f" ({seen.filled_quantity or signal.quantity} units): a fill is booked once"
        )
    return True


def _validate(body: Report, signal: ModelSignal, *, wall: Clock) -> None:
    """The result's own fields (422s), before anything is looked up or moved; its ``at``
    in real time (`wall`), as the agent's machine stamps it."""
    if body.at is not None:
        check_at(body.at, first_day=signal.signal_date, now=wall.now())
    if body.outcome != "filled":
        return
    if body.fill_price is None:
        raise InvalidField("fill_price", "a fill needs its price")
    quantity = body.filled_quantity
    if body.leg != "stop" and quantity is not None and quantity > signal.quantity:
        raise InvalidField("filled_quantity", f"more than the signal's {signal.quantity}")


def _check_fill_price(
    body: Report, signal: ModelSignal, position: ModelPosition | None, market: FillMarket | None
) -> None:
    if market is None or body.fill_price is None:
        return
    reference = signal.close_price
    quantity = body.filled_quantity or signal.quantity
    if body.leg == "stop" and position is not None:
        quantity = body.filled_quantity or position.quantity
        if position.stop_price:
            reference = position.stop_price  # a stop fills near its stop, maybe days later
    check_price(
        body.fill_price, quantity=quantity, symbol=signal.symbol, reference=reference, market=market
    )


def _locked(db: Session, signal: ModelSignal, portfolio: ModelPortfolio) -> ModelPosition | None:
    """Hold the portfolio's lock to the commit and read the signal, the portfolio and the
    position as they are now: two results of one portfolio are booked one after the other,
    each on the other's figures (no lost update)."""
    money.hold(db, portfolio)
    db.refresh(signal)
    if signal.position_id is None:
        return None
    return db.scalar(
        select(ModelPosition)
        .where(ModelPosition.id == signal.position_id)
        .execution_options(populate_existing=True)
    )


def report(
    db: Session,
    body: Report,
    *,
    user_id: int,
    clock: Clock,
    wall: Clock,
    orders: OrderPipeline,
    market: FillMarket | None = None,
) -> Recorded:
    """Record one outcome of one of the user's agent signals (commits), as the table of
    `domain.agent_results` allows from where the signal and its position are now (else a
    409, nothing moved). A repeat of a result already booked changes nothing and says so.
    A fill's price is checked against `market` (`fill_checks`); a fill is booked in the
    live book of the portfolio's broker (through `orders`, the OMS; docs/books.md), and
    its event books the position and the portfolio's money, with the charges the ledger
    booked, in the same transaction. `clock` is market time (what the books record);
    `wall` is real time, on which the result's ``at`` is judged."""
    signal = get_owned(db, ModelSignal, body.signal_id, user_id=user_id, label="signal")
    portfolio = _agent_portfolio(db, signal)
    position = _locked(db, signal, portfolio)
    _validate(body, signal, wall=wall)
    leg = _leg(body, signal)
    if _repeat(db, leg, signal, position, body):
        db.commit()  # the lock goes back
        return Recorded(signal, position, duplicate=True)
    try:
        step = agent_results.step(
            leg, SignalStatus(signal.status), _held(position), Outcome(body.outcome)
        )
    except Refused as exc:
        raise Conflict(f"signal {signal.id}: {exc}") from None
    if step in (Step.FILL, Step.STOP_FILL):
        _check_fill_price(body, signal, position, market)
    book = _Booking(db, orders, portfolio, signal, body, clock)
    if leg is Leg.STOP:
        assert position is not None  # the table allows a stop only with its position
        changed = _stop_step(step, position, body, book)
        db.commit()
        return Recorded(signal, position, duplicate=not changed)
    position = _own_step(db, step, portfolio, signal, position, body, clock, book)
    db.add(
        AgentSignalResult(
            user_id=user_id,
            signal_id=signal.id,
            outcome=body.outcome,
            broker=body.broker,
            kind=body.kind,
            order_id=body.order_id,
            gtt_id=body.gtt_id,
            fill_price=body.fill_price,
            filled_quantity=body.filled_quantity,
            reason=body.reason[:400] if body.reason else None,
            reported_at=clock.now(),
        )
    )
    try:
        db.commit()
    except IntegrityError:  # the same report, a moment earlier, from another request
        db.rollback()
        again = get_owned(db, ModelSignal, body.signal_id, user_id=user_id, label="signal")
        position = db.get(ModelPosition, again.position_id) if again.position_id else None
        return Recorded(again, position, duplicate=True)
    return Recorded(signal, position, duplicate=False)


def transition(
    db: Session, signal_id: int, event: SignalEvent, *, user_id: int, clock: Clock
) -> ModelSignal:
    """Approve or reject one of the user's agent-portfolio signals from the agent's UI. A
    repeat (the agent's outbox sends a decision again after a crash) changes nothing."""
    signal = get_owned(db, ModelSignal, signal_id, user_id=user_id, label="signal")
    _agent_portfolio(db, signal)
    if signal.status == DECIDED[event].value:
        return signal
    return portfolio_signals.transition(db, signal_id, event, user_id=user_id, clock=clock)


#: Where each of the agent's decisions leaves a signal (a repeat finds it there).
DECIDED = {SignalEvent.APPROVE: SignalStatus.IN_CART, SignalEvent.REJECT: SignalStatus.REJECTED}


@dataclass(frozen=True, slots=True)
class Expected:
    """Units the cloud expects at one broker in one instrument."""

    broker: str
    symbol: str
    quantity: int
    portfolio_ids: tuple[int, ...]


def expected(db: Session, *, user_id: int) -> list[Expected]:
    """Open model positions of the user's agent portfolios, per broker and instrument."""
    rows = db.execute(
        select(ModelPosition, ModelPortfolio.broker)
        .join(ModelPortfolio, ModelPortfolio.id == ModelPosition.portfolio_id)
        .where(
            ModelPortfolio.user_id == user_id,
            ModelPortfolio.executor == AGENT,
            ModelPosition.status.in_(("open", "exit_pending")),
        )
        .order_by(ModelPortfolio.broker, ModelPosition.symbol, ModelPosition.id)
    ).all()
    totals: dict[tuple[str, str], tuple[int, list[int]]] = {}
    for position, broker in rows:
        quantity, ids = totals.get((broker, position.symbol), (0, []))
        if position.portfolio_id not in ids:
            ids.append(position.portfolio_id)
        totals[broker, position.symbol] = (quantity + position.quantity, ids)
    return [Expected(b, s, q, tuple(ids)) for (b, s), (q, ids) in totals.items()]

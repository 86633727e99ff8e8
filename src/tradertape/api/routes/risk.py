"""Risk rules (seed 001): list, create, replace, delete; the kill switch; state and events."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from tradertape.api.deps import CurrentUser, DbDep, DeskDep, PageDep, RuntimeDep
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.risk import (
    Exposure,
    KillSwitchIn,
    KillSwitchOut,
    MtmPreviewOut,
    MtmStateOut,
    PnlToday,
    RiskEventOut,
    RiskStateOut,
    RuleIn,
    RuleOut,
    RuleReplace,
    RuleStateOut,
)
from tradertape.db.models.risk import RiskEvent, RiskRule
from tradertape.domain.money import ZERO, paise, shown_paise
from tradertape.domain.mtm_exit import words
from tradertape.domain.risk import HUNDRED, RuleAction, RuleType
from tradertape.errors import Conflict, InvalidField
from tradertape.runtime import Runtime
from tradertape.services.accounts.sessions import SignedIn
from tradertape.services.books.summary import book_labels
from tradertape.services.mtm_exits import exits as mtm_exits
from tradertape.services.mtm_exits.exits import MtmState
from tradertape.services.risk import check, rules
from tradertape.services.risk.state import RiskState

router = APIRouter(prefix="/risk", tags=["risk"])


def rule_out(row: RiskRule, keys: dict[int, str]) -> RuleOut:
    """The response shape of a rule (`keys`: run keys by run row id, `rules.run_keys`)."""
    return RuleOut(
        id=row.id,
        type=RuleType(row.type),
        action=RuleAction(row.action),
        enabled=row.enabled,
        threshold_amount=shown_paise(row.threshold_amount),
        threshold_pct=row.threshold_pct,
        threshold_count=row.threshold_count,
        scope=rules.scope_of(row).kind,
        portfolio_id=row.portfolio_id,
        worker_run_id=row.worker_run_id,
        strategy_run_id=keys.get(row.worker_run_id) if row.worker_run_id is not None else None,
        target_amount=shown_paise(row.target_amount),
        trail_amount=shown_paise(row.trail_amount),
        book=row.book,
        paused=row.paused,
        tripped_at=row.tripped_at,
        trip_reason=row.trip_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.get("/rules", response_model=list[RuleOut])
def list_rules(
    user: CurrentUser, db: DbDep, page: PageDep, include_disabled: bool = False
) -> list[RuleOut]:
    """Your active rules, oldest first (``include_disabled=true`` lists the others too)."""
    rows = rules.list_rules(
        db,
        user_id=user.id,
        include_disabled=include_disabled,
        limit=page.limit,
        offset=page.offset,
    )
    keys = rules.run_keys(db, rows)
    return [rule_out(row, keys) for row in rows]


def _arm(runtime: Runtime, db: Session, confirmed: bool) -> rules.Arm:
    """Refuse (409) to save an mtm_exit rule its book's MTM already trips, unless confirmed."""

    def arm(row: RiskRule) -> None:
        if row.type != RuleType.MTM_EXIT.value or confirmed:
            return
        state = runtime.risk.arming(db, row)
        if state is not None:
            scope = book_labels(db, row.user_id, [state.book]).get(state.book, state.book)
            mtm_exits.refuse_unconfirmed_trip(row, state, scope=scope)

    return arm


@router.post("/rules", response_model=RuleOut, status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> RuleOut:
    """Create a rule (a portfolio or worker run of another user is a 404). An mtm_exit
    rule its book's day MTM already trips would sell every open position of it the moment
    it is saved: that is a 409 saying where it stands, unless ``confirm_trip`` is true."""
    arm = _arm(runtime, db, body.confirm_trip)
    row = rules.create(db, body.fields(), clock=runtime.clock, user_id=user.id, arm=arm)
    return rule_out(row, rules.run_keys(db, [row]))


@router.post("/rules/preview", response_model=MtmPreviewOut)
def preview_rule(body: RuleIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> MtmPreviewOut:
    """Where an mtm_exit rule would stand if saved now (nothing is saved): its book's day
    MTM against the thresholds, and whether saving it would trip it at once."""
    if body.type is not RuleType.MTM_EXIT:
        raise InvalidField("type", "only an mtm_exit rule has an MTM to preview")
    row = rules.draft(db, body.fields(), clock=runtime.clock, user_id=user.id)
    state = runtime.risk.arming(db, row)
    if state is None:
        raise Conflict("no MTM is read on this server")
    trip = state.reading.trip
    return MtmPreviewOut(
        **_mtm_out(row, state).model_dump(),
        would_trip=mtm_exits.would_trip(row, state),
        trip_words=None if trip is None else words(trip, state.reading),
    )


@router.get("/rules/{rule_id}", response_model=RuleOut)
def get_rule(rule_id: RowId, user: CurrentUser, db: DbDep) -> RuleOut:
    """One of your rules."""
    row = rules.get(db, rule_id, user_id=user.id)
    return rule_out(row, rules.run_keys(db, [row]))


@router.put("/rules/{rule_id}", response_model=RuleOut)
def replace_rule(
    rule_id: RowId, body: RuleReplace, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> RuleOut:
    """Replace a rule whole (every field is required; ``confirm_trip`` as for a new rule)."""
    arm = _arm(runtime, db, body.confirm_trip)
    row = rules.replace(db, rule_id, body.fields(), clock=runtime.clock, user_id=user.id, arm=arm)
    return rule_out(row, rules.run_keys(db, [row]))


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete a rule (the events it caused stay, without the link)."""
    rules.delete(db, rule_id, user_id=user.id)


@router.post("/rules/{rule_id}/resume", response_model=RuleOut)
def resume_rule(rule_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> RuleOut:
    """Let an mtm_exit rule's scope enter again after it exited (another type is a 422).
    The rule watches again from the next trading day: today's MTM is still at its limit."""
    row = mtm_exits.resume(db, rule_id, clock=runtime.risk.clock, user_id=user.id)
    return rule_out(row, rules.run_keys(db, [row]))


@router.post("/kill-switch", response_model=KillSwitchOut)
def kill_switch(
    body: KillSwitchIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> KillSwitchOut:
    """Turn your kill switch on (every new entry is refused; exits still go through) or off."""
    rows = rules.set_kill_switch(db, clock=runtime.clock, user_id=user.id, on=body.on)
    return KillSwitchOut(
        on=any(row.enabled for row in rows),
        rule_ids=[row.id for row in rows],
        changed_at=max((row.updated_at for row in rows), default=None),
    )


def _figure(rule: RiskRule, value: Decimal | None) -> Decimal | None:
    """Rupees to the paisa; a count of positions as it is."""
    if value is None or rule.type == RuleType.MAX_OPEN_POSITIONS.value:
        return value
    return shown_paise(value)


def _headroom(rule: RiskRule, value: Decimal | None, limit: Decimal | None) -> Decimal | None:
    """How far the rule's figure is from its limit (what the risk page shows as distance):
    the shown limit minus the shown value, so the three figures on a row always agree."""
    shown_value, shown_limit = _figure(rule, value), _figure(rule, limit)
    if shown_value is None or shown_limit is None:
        return None
    return shown_limit - shown_value


def _mtm_out(rule: RiskRule, state: MtmState) -> MtmStateOut:
    r = state.reading

    def shown(value: Decimal | None) -> Decimal | None:
        return paise(value) if value is not None else None

    return MtmStateOut(
        book=state.book,
        mtm=paise(r.mtm),
        peak=paise(r.peak),
        stop_at=shown(r.stop_at),
        target_at=shown(r.target_at),
        trail_floor=shown(r.trail_floor),
        to_stop=shown(r.to_stop),
        to_target=shown(r.to_target),
        to_trail=shown(r.to_trail),
        paused=state.paused,
        tripped_at=state.tripped_at,
        trip_reason=state.trip_reason,
        quiet_today=state.quiet_today,
    )


def _state_out(state: RiskState, keys: dict[int, str]) -> RiskStateOut:
    book = state.book
    positions = sum((p.value for p in book.held), ZERO)
    exposure = book.exposure
    total, realised = paise(book.pnl_today), paise(state.pnl.realised_today)
    return RiskStateOut(
        as_of=state.as_of.astimezone(UTC),  # docs/api-conventions.md: timestamps in UTC
        book="live" if state.live else "paper",
        capital=paise(book.capital),
        capital_unknown=book.capital_unknown,
        pnl_today=PnlToday(
            realised=realised,
            unrealised=total - realised,
            total=total,
            loss=paise(book.loss_today),
        ),
        unrealised_open=paise(state.pnl.unrealised),
        exposure=Exposure(
            total=paise(exposure),
            positions=paise(positions),
            working=paise(exposure - positions),
            pct_of_capital=paise(exposure / book.capital * HUNDRED) if book.capital > 0 else None,
            by_sector={k: paise(v) for k, v in sorted(book.by_sector.items())},
        ),
        open_positions=len({p.key for p in book.held if p.quantity}),
        working_entries=len(book.working),
        kill_switch=state.kill_switch,
        rules=[
            RuleStateOut(
                rule_id=s.rule.id,
                type=RuleType(s.rule.type),
                action=RuleAction(s.rule.action),
                scope=rules.scope_of(s.rule).kind,
                portfolio_id=s.rule.portfolio_id,
                worker_run_id=s.rule.worker_run_id,
                strategy_run_id=keys.get(s.rule.worker_run_id)
                if s.rule.worker_run_id is not None
                else None,
                book=s.rule.book,
                measured_on=s.book,
                value=_figure(s.rule, s.reading.value),
                limit=_figure(s.rule, s.reading.limit),
                headroom=_headroom(s.rule, s.reading.value, s.reading.limit),
                utilisation_pct=s.reading.utilisation_pct,
                near_limit=s.reading.near_limit,
                breached=s.reading.breached,
                detail=s.reading.detail,
                mtm=_mtm_out(s.rule, s.mtm) if s.mtm is not None else None,
            )
            for s in state.rules
        ],
    )


@router.get("/state", response_model=RiskStateOut)
async def risk_state(
    desk: DeskDep,
    book: Annotated[
        Literal["paper", "live"],
        Query(description="the paper account (default) or the live book (live trading on)"),
    ] = "paper",
) -> RiskStateOut:
    """Today's realised and unrealised P&L and loss, exposure (total and by sector), open
    positions, the kill switch, and each active rule's value against its limit.

    ``book=live`` shows the live book, which live orders are measured on: what we book of
    your real brokers, with the capital they report (one cached call per broker). It
    needs live trading on (a 409 otherwise).
    """

    def read(db: Session, user: SignedIn) -> RiskStateOut:
        if book == "live" and not user.live_trading:
            raise Conflict("book: live trading is off for your account (turn it on first)")
        state = desk.runtime.risk.state(db, user_id=user.id, live=book == "live")
        return _state_out(state, rules.run_keys(db, [s.rule for s in state.rules]))

    return await desk.read(read)


def _event_out(row: RiskEvent, keys: dict[int, str]) -> RiskEventOut:
    return RiskEventOut(
        id=row.id,
        at=row.at,
        rule_id=row.rule_id,
        rule_type=row.rule_type,
        action=RuleAction(row.action),
        origin=row.origin,
        portfolio_id=row.portfolio_id,
        worker_run_id=row.worker_run_id,
        strategy_run_id=keys.get(row.worker_run_id) if row.worker_run_id is not None else None,
        symbol=row.symbol,
        side=row.side,
        quantity=row.quantity,
        price=row.price,
        value=shown_paise(row.value),
        threshold=shown_paise(row.threshold),
        message=row.message,
        order_id=row.order_id,
        context=row.context,
    )


@router.get("/events", response_model=list[RiskEventOut])
def list_events(user: CurrentUser, db: DbDep, page: PageDep) -> list[RiskEventOut]:
    """Entries the pre-trade check refused or warned about, newest first."""
    rows = check.list_events(db, user_id=user.id, limit=page.limit, offset=page.offset)
    keys = rules.run_keys(db, rows)
    return [_event_out(row, keys) for row in rows]

"""Risk rules: create, replace, delete, list, the kill switch, and the rules an entry faces.

Which thresholds a type takes is the domain's rule (`domain.risk.threshold_problem`); a
threshold the type does not use is a 422 naming it. A kill switch always blocks (a
warning-only kill switch would be a contradiction), and a rule has at most one scope: one
of the user's portfolios or worker runs (anyone else's is a 404).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from tradertape.db.models.portfolios import ModelPortfolio
from tradertape.db.models.risk import RiskEvent, RiskRule
from tradertape.db.models.workers import WorkerRun
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.domain import books
from tradertape.domain.enum_members import members_of
from tradertape.domain.risk import HUNDRED, RuleAction, RuleTerms, RuleType, threshold_problem
from tradertape.domain.signals import AGENT
from tradertape.domain.values import value_class
from tradertape.errors import Conflict, InvalidField, NotFound
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.risk.exposure import ALL, RiskScope, ScopeKind


@dataclass(frozen=True, slots=True)
class RuleFields:
    """Everything a rule is, as a create or a full replacement gives it."""

    type: RuleType
    action: RuleAction = RuleAction.BLOCK
    enabled: bool = True
    threshold_amount: Decimal | None = None
    threshold_pct: Decimal | None = None
    threshold_count: int | None = None
    portfolio_id: int | None = None
    worker_run_id: int | None = None
    strategy_run_id: str | None = None  # the run's key, as the worker API shows it
    target_amount: Decimal | None = None  # mtm_exit: the day MTM that exits (or arms the trail)
    trail_amount: Decimal | None = None  # mtm_exit: the trail under the peak, with a target
    book: str | None = None  # mtm_exit: "manual" or "live:<broker>" (no portfolio or run)


def check_fields(fields: RuleFields) -> None:
    """Raise `InvalidField` naming the first field that does not fit the rule's type."""
    problem = threshold_problem(
        fields.type,
        amount=fields.threshold_amount,
        pct=fields.threshold_pct,
        count=fields.threshold_count,
    )
    if problem is not None:
        raise InvalidField(*problem)
    pct = fields.threshold_pct
    if fields.type is RuleType.MAX_SECTOR_EXPOSURE_PCT and pct is not None and pct > HUNDRED:
        raise InvalidField("threshold_pct", "a sector's share of capital is at most 100")
    if fields.type is RuleType.KILL_SWITCH and fields.action is not RuleAction.BLOCK:
        raise InvalidField("action", "a kill switch always blocks")
    if fields.portfolio_id is not None and fields.worker_run_id is not None:
        raise InvalidField("worker_run_id", "a rule has one scope: a portfolio or a worker run")
    _check_mtm(fields)


def _check_mtm(fields: RuleFields) -> None:
    """An mtm_exit rule's amounts: a loss or a target (or both), a trail only with a
    target; no other type takes a target or a trail."""
    _check_book(fields)
    if fields.type is not RuleType.MTM_EXIT:
        for name in ("target_amount", "trail_amount"):
            if getattr(fields, name) is not None:
                raise InvalidField(name, f"not used by a {fields.type.value} rule")
        return
    if fields.action is not RuleAction.BLOCK:
        raise InvalidField("action", "an MTM exit always exits and pauses entries")
    if fields.threshold_amount is None and fields.target_amount is None:
        raise InvalidField(
            "threshold_amount", "give a day loss to exit at, a day profit to exit at, or both"
        )
    if fields.trail_amount is not None and fields.target_amount is None:
        raise InvalidField(
            "trail_amount", "a trail starts from the day's profit target: give a target too"
        )


def _check_book(fields: RuleFields) -> None:
    """A book scope: an mtm_exit rule's only, instead of a portfolio or a run, and one the
    rule can watch and exit (the manual book, or a real broker's account)."""
    book = fields.book
    if book is None:
        return
    if fields.type is not RuleType.MTM_EXIT:
        raise InvalidField("book", f"not used by a {fields.type.value} rule")
    if fields.portfolio_id is not None or fields.worker_run_id is not None:
        raise InvalidField("book", "a rule has one scope: a book, a portfolio or a worker run")
    if fields.strategy_run_id is not None:
        raise InvalidField("book", "a rule has one scope: a book, a portfolio or a worker run")
    if book != books.MANUAL and books.live_broker(book) is None:
        raise InvalidField("book", 'the manual book ("manual") or a live one ("live:kite")')


def _owned_scope(db: Session, fields: RuleFields, *, user_id: int) -> RuleFields:
    """The fields with the scope resolved to the user's own portfolio or run.

    A run is named by ``strategy_run_id`` (the key the worker API shows) or, as before,
    by its row id; a portfolio or run that is not the user's is a 404, as a missing one
    is, so the answer tells nothing of other users' ids.
    """
    run_pk = fields.worker_run_id
    if fields.strategy_run_id is not None:
        if fields.portfolio_id is not None:
            raise InvalidField(
                "strategy_run_id", "a rule has one scope: a portfolio or a worker run"
            )
        pks = db.scalars(
            select(WorkerRun.id).where(
                WorkerRun.user_id == user_id, WorkerRun.run_key == fields.strategy_run_id
            )
        ).all()
        if not pks:
            raise NotFound(f"strategy run {fields.strategy_run_id} not found")
        if len(pks) > 1:  # run keys are unique per worker token, not per user
            raise Conflict(
                f"several of your worker tokens have a run {fields.strategy_run_id}; "
                "give worker_run_id instead"
            )
        if run_pk is not None and run_pk != pks[0]:
            raise InvalidField("worker_run_id", "names another run than strategy_run_id")
        run_pk = pks[0]
    elif run_pk is not None:
        run = db.get(WorkerRun, run_pk)
        if run is None or run.user_id != user_id:
            raise NotFound(f"worker run {run_pk} not found")
    if fields.portfolio_id is not None:
        portfolio = db.get(ModelPortfolio, fields.portfolio_id)
        if portfolio is None or portfolio.user_id != user_id:
            raise NotFound(f"portfolio {fields.portfolio_id} not found")
    _check_mtm_measurable(db, fields)
    return dataclasses.replace(fields, worker_run_id=run_pk, strategy_run_id=None)


def _check_mtm_measurable(db: Session, fields: RuleFields) -> None:
    """An MTM exit needs a scope this server measures and exits. A live portfolio's or
    run's day MTM is its part of its broker's book (`mtm_exits.measured_books`), exited
    at the broker through the pipeline; an agent-run portfolio's orders are placed by the
    user's agent, never by this server, so an exit here could not leave: refused (422)."""
    if fields.type is not RuleType.MTM_EXIT or fields.portfolio_id is None:
        return
    portfolio = db.get(ModelPortfolio, fields.portfolio_id)
    if portfolio is not None and portfolio.executor == AGENT:
        raise InvalidField(
            "portfolio_id",
            "an MTM exit cannot exit an agent-run portfolio: your agent places its orders, "
            "not this server",
        )


def run_keys(db: Session, rows: Sequence[RiskRule | RiskEvent]) -> dict[int, str]:
    """The ``strategy_run_id`` of each run the rules (or events) are scoped to, by row id."""
    ids = {row.worker_run_id for row in rows if row.worker_run_id is not None}
    if not ids:
        return {}
    found = db.execute(select(WorkerRun.id, WorkerRun.run_key).where(WorkerRun.id.in_(ids)))
    return {row.id: row.run_key for row in found}


class RuleLike(Protocol):
    """What the checks read of a rule: a stored `RiskRule`, or an `ApplicableRule`."""

    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def threshold_amount(self) -> Decimal | None: ...
    @property
    def threshold_pct(self) -> Decimal | None: ...
    @property
    def threshold_count(self) -> int | None: ...
    @property
    def portfolio_id(self) -> int | None: ...
    @property
    def worker_run_id(self) -> int | None: ...
    @property
    def paused(self) -> bool: ...
    @property
    def book(self) -> str | None: ...


@value_class
class ApplicableRule:
    """An enabled rule as an entry faces it (`applicable`): read as values, not as a
    session object, since every checked order reads its owner's rules."""

    id: int
    type: str
    action: str
    threshold_amount: Decimal | None
    threshold_pct: Decimal | None
    threshold_count: int | None
    portfolio_id: int | None
    worker_run_id: int | None
    paused: bool
    book: str | None


def applies_to(row: RuleLike, book: str | None) -> bool:
    """Whether `row` faces an entry of `book` (None: a model portfolio's signal, of no
    book a rule can name): a rule on one book faces that book's entries only."""
    return row.book is None or row.book == book


# `RuleType(type)` and `RuleAction(action)`, as dict reads (every checked order's rules)
_RULE_TYPE, _RULE_ACTION = members_of(RuleType), members_of(RuleAction)


def scope_of(row: RuleLike) -> RiskScope:
    """The rule's scope."""
    return RiskScope(portfolio_id=row.portfolio_id, worker_run_id=row.worker_run_id)


def terms(row: RuleLike) -> RuleTerms:
    """The rule as the domain's arithmetic takes it."""
    return RuleTerms(
        id=row.id,
        type=_RULE_TYPE(row.type),
        action=_RULE_ACTION(row.action),
        amount=row.threshold_amount,
        pct=row.threshold_pct,
        count=row.threshold_count,
        paused=bool(row.paused),
    )


def _assign(row: RiskRule, fields: RuleFields) -> None:
    row.type = fields.type.value
    row.action = fields.action.value
    row.enabled = fields.enabled
    row.threshold_amount = fields.threshold_amount
    row.threshold_pct = fields.threshold_pct
    row.threshold_count = fields.threshold_count
    row.portfolio_id = fields.portfolio_id
    row.worker_run_id = fields.worker_run_id
    row.target_amount = fields.target_amount
    row.trail_amount = fields.trail_amount
    row.book = fields.book
    if fields.type is not RuleType.MTM_EXIT:  # no MTM exit any more: nothing of its state
        row.paused, row.mtm_day, row.mtm_peak = False, None, None
        row.tripped_at, row.trip_reason = None, None


Arm = Callable[[RiskRule], None]  # a check of a rule about to be saved (an MTM rule's trip)


def draft(db: Session, fields: RuleFields, *, clock: Clock, user_id: int) -> RiskRule:
    """A new rule checked and filled in, not stored (a create, or a preview of one)."""
    check_fields(fields)
    fields = _owned_scope(db, fields, user_id=user_id)
    now = clock.now()
    row = RiskRule(user_id=user_id, created_at=now, updated_at=now, paused=False)
    _assign(row, fields)
    return row


def create(
    db: Session, fields: RuleFields, *, clock: Clock, user_id: int, arm: Arm | None = None
) -> RiskRule:
    """Store a new rule (commits), once `arm` let it be saved as it stands."""
    row = draft(db, fields, clock=clock, user_id=user_id)
    if arm is not None:
        arm(row)
    db.add(row)
    db.commit()
    return row


def get(db: Session, rule_id: int, *, user_id: int) -> RiskRule:
    """One of the user's rules (404 if missing or someone else's)."""
    return get_owned(db, RiskRule, rule_id, user_id=user_id, label="risk rule")


def replace(
    db: Session,
    rule_id: int,
    fields: RuleFields,
    *,
    clock: Clock,
    user_id: int,
    arm: Arm | None = None,
) -> RiskRule:
    """Replace the whole rule (commits), once `arm` let it be saved as it stands (a refusal
    rolls the change back)."""
    row = get(db, rule_id, user_id=user_id)
    check_fields(fields)
    fields = _owned_scope(db, fields, user_id=user_id)
    _assign(row, fields)
    if arm is not None:
        try:
            arm(row)
        except Exception:
            db.rollback()
            raise
    row.updated_at = clock.now()
    db.commit()
    return row


def delete(db: Session, rule_id: int, *, user_id: int) -> None:
    """Delete the rule; its past events keep their type and message (commits)."""
    db.delete(get(db, rule_id, user_id=user_id))
    db.commit()


def list_rules(
    db: Session, *, user_id: int, include_disabled: bool, limit: int, offset: int
) -> list[RiskRule]:
    """The user's rules, oldest first; enabled ones only unless asked."""
    query = owned(RiskRule, user_id=user_id)
    if not include_disabled:
        query = query.where(RiskRule.enabled)
    return list(db.scalars(query.order_by(RiskRule.id).limit(limit).offset(offset)))


def _exactly(scope: RiskScope) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Rules of this very scope (not the user-wide ones as well)."""
    portfolio = (
        RiskRule.portfolio_id.is_(None)
        if scope.portfolio_id is None
        else RiskRule.portfolio_id == scope.portfolio_id
    )
    run = (
        RiskRule.worker_run_id.is_(None)
        if scope.worker_run_id is None
        else RiskRule.worker_run_id == scope.worker_run_id
    )
    return portfolio, run


_RULES = table_of(RiskRule)
# A scope's own rules by a bound id: NULL (the account at large, or the other kind) matches none.
_APPLICABLE = Prepared(
    select(*(_RULES.c[f.name] for f in dataclasses.fields(ApplicableRule)))
    .where(
        _RULES.c.user_id == bindparam("user_id"),
        _RULES.c.enabled,
        or_(
            and_(_RULES.c.portfolio_id.is_(None), _RULES.c.worker_run_id.is_(None)),
            _RULES.c.portfolio_id == bindparam("portfolio_id"),
            _RULES.c.worker_run_id == bindparam("worker_run_id"),
        ),
    )
    .order_by(_RULES.c.id)
)


# Every enabled rule of a user, oldest first: the risk state's read, on every poll of the
# top bar, so a prepared statement (an ORM query of the same rows cost a third of the read).
_ENABLED = Prepared(
    select(*_RULES.c)
    .where(_RULES.c.user_id == bindparam("user_id"), _RULES.c.enabled)
    .order_by(_RULES.c.id)
)


def enabled_rules(db: Session, *, user_id: int) -> list[RiskRule]:
    """Every enabled rule of the user, oldest first, as rows to read (not attached to the
    session: a change to one is not saved)."""
    return _ENABLED.detached(db, RiskRule, {"user_id": user_id})


def applicable(db: Session, *, user_id: int, scope: RiskScope = ALL) -> list[ApplicableRule]:
    """The enabled rules an entry from `scope` faces: the user-wide ones and the scope's own
    (one indexed read: a user without rules costs the gate this much)."""
    return [ApplicableRule(*row) for row in _APPLICABLE.rows(db, _applicable(user_id, scope))]


def read_applicable_ahead(db: Session, *, user_id: int, scope: RiskScope = ALL) -> None:
    """Send `applicable`'s read with the transaction's next round trip (`Prepared.prefetch`)."""
    _APPLICABLE.prefetch(db, _applicable(user_id, scope))


def _applicable(user_id: int, scope: RiskScope) -> dict[str, int | None]:
    kind = scope.kind
    return {
        "user_id": user_id,
        "portfolio_id": scope.portfolio_id if kind is ScopeKind.PORTFOLIO else None,
        "worker_run_id": scope.worker_run_id if kind is ScopeKind.WORKER_RUN else None,
    }


def kill_switches(db: Session, *, user_id: int, scope: RiskScope = ALL) -> list[RiskRule]:
    """The user's kill-switch rows of exactly this scope, on or off."""
    query = owned(RiskRule, user_id=user_id).where(
        RiskRule.type == RuleType.KILL_SWITCH.value, *_exactly(scope)
    )
    return list(db.scalars(query.order_by(RiskRule.id)))


def set_kill_switch(
    db: Session, *, clock: Clock, user_id: int, on: bool, scope: RiskScope = ALL
) -> list[RiskRule]:
    """Turn the scope's kill switch on (creating it the first time) or off (commits).

    Off disables every kill-switch rule of the scope, so one call always leaves it off.
    """
    rows = kill_switches(db, user_id=user_id, scope=scope)
    if not rows and on:
        fields = RuleFields(
            type=RuleType.KILL_SWITCH,
            portfolio_id=scope.portfolio_id,
            worker_run_id=scope.worker_run_id,
        )
        return [create(db, fields, clock=clock, user_id=user_id)]
    now = clock.now()
    for row in rows:
        if row.enabled != on:
            row.enabled = on
            row.updated_at = now
    db.commit()
    return rows

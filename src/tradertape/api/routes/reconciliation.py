"""Reconciliation of your live broker against TraderTape's books: the latest report, and
a run now. Orders placed outside TraderTape are adopted, missing ones marked, drift
reported; nothing is ever sent to the broker."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.reconciliation import ReconciliationOut
from tradertape.domain.brokers import BrokerName
from tradertape.errors import NotFound
from tradertape.services.brokers.reconcile import item_dict, latest

router = APIRouter(tags=["brokers"])


@router.get("/brokers/{broker}/reconciliation", response_model=ReconciliationOut)
def get_reconciliation(broker: BrokerName, user: CurrentUser, db: DbDep) -> ReconciliationOut:
    """The latest reconciliation of this broker (404 before the first one)."""
    row = latest(db, user_id=user.id, broker=broker.value)
    if row is None:
        raise NotFound(f"no reconciliation of {broker.value} yet")
    return ReconciliationOut.of(
        broker=row.broker, ran_at=row.ran_at, drift=row.drift, counts=row.counts, items=row.items
    )


@router.post("/brokers/{broker}/reconciliation", response_model=ReconciliationOut)
def run_reconciliation(
    broker: BrokerName, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> ReconciliationOut:
    """Reconcile this broker now: 403 unless both live switches allow live trading, 409
    without a live session, 503 when the broker does not answer."""
    runtime.orders.require_live(db, user_id=user.id)
    report = runtime.reconciliation.run(db, user_id=user.id, broker=broker.value)
    runtime.account_views.invalidate(user.id)
    return ReconciliationOut.of(
        broker=report.broker,
        ran_at=report.ran_at,
        drift=report.drift,
        counts=asdict(report.counts),
        items=[item_dict(i) for i in report.items],
    )

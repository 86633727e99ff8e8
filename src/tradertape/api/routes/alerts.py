"""Alerts: DSL conditions watched on a symbol or a watchlist (`services.alerts`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.schemas.alerts import (
    AlertBasketMarginOut,
    AlertBasketPreviewIn,
    AlertFireOut,
    AlertIn,
    AlertOut,
    AlertPatch,
)
from tradertape.api.schemas.numbers import RowId
from tradertape.db.models import Alert, AlertFire
from tradertape.oms import Account
from tradertape.runtime import Runtime
from tradertape.services.alerts import alerts, firing, preview
from tradertape.services.alerts.placing import Placer

router = APIRouter(tags=["alerts"])


def _out(row: Alert) -> AlertOut:
    return AlertOut.model_validate(row, from_attributes=True)


def _fire(row: AlertFire) -> AlertFireOut:
    return AlertFireOut.model_validate(row, from_attributes=True)


def _placer(runtime: Runtime) -> Placer:
    return Placer(runtime.orders, runtime.quotes)


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(user: CurrentUser, db: DbDep, page: PageDep) -> list[AlertOut]:
    """Your alerts, newest first."""
    rows = alerts.listing(db, user_id=user.id, limit=page.limit, offset=page.offset)
    return [_out(row) for row in rows]


@router.post("/alerts", response_model=AlertOut, status_code=status.HTTP_201_CREATED)
def create_alert(body: AlertIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> AlertOut:
    """A new alert; a bad field is a 422 naming it (``condition.left.name``), past the cap of
    alerts a 409. An attached order goes through the risk gate when the alert fires."""
    draft = alerts.AlertDraft(
        **body.model_dump(exclude={"order"}),
        order=body.order.model_dump(mode="json", exclude_none=True) if body.order else None,
    )
    return _out(alerts.create(db, runtime.catalog, draft, clock=runtime.clock, user_id=user.id))


@router.post("/alerts/basket/preview", response_model=AlertBasketMarginOut)
def preview_basket(
    body: AlertBasketPreviewIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> AlertBasketMarginOut:
    """The margin and charges of an alert's basket if it were placed now, its hedges
    credited, and what you have to spend: for the alert form, before saving (nothing is
    stored or sent). A leg without a symbol is priced on ``symbol``; a bad leg is a 422
    naming it (``legs[1].quantity``). A basket of options on one underlying has its payoff
    too (maximum profit and loss, breakevens), as the option chain's ticket shows it."""
    account = Account.of(body.mode, body.broker)
    legs = [leg.model_dump(mode="json") for leg in body.legs]
    margin = runtime.baskets.alert_preview(
        db, legs, symbol=body.symbol, user_id=user.id, account=account
    )
    return AlertBasketMarginOut(
        **asdict(margin),
        payoff=preview.structure_payoff(runtime.options, db, legs, body.symbol),
    )


@router.get("/alerts/fires", response_model=list[AlertFireOut])
def list_fires(
    user: CurrentUser, db: DbDep, page: PageDep, alert_id: Annotated[RowId | None, Query()] = None
) -> list[AlertFireOut]:
    """Your alerts' fires, newest first (one alert's with ``alert_id``)."""
    rows = alerts.fires(
        db, user_id=user.id, alert_id=alert_id, limit=page.limit, offset=page.offset
    )
    return [_fire(row) for row in rows]


@router.post("/alerts/fires/{fire_id}/confirm", response_model=AlertFireOut)
def confirm_fire(fire_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> AlertFireOut:
    """Place the order a fire holds for your approval; 409 once decided or expired."""
    row = firing.confirm(db, _placer(runtime), fire_id, clock=runtime.clock, user_id=user.id)
    return _fire(row)


@router.post("/alerts/fires/{fire_id}/dismiss", response_model=AlertFireOut)
def dismiss_fire(fire_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> AlertFireOut:
    """Drop the order a fire holds; 409 once decided or expired."""
    return _fire(firing.dismiss(db, fire_id, clock=runtime.clock, user_id=user.id))


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def get_alert(alert_id: RowId, user: CurrentUser, db: DbDep) -> AlertOut:
    """One of your alerts."""
    return _out(alerts.get(db, alert_id, user_id=user.id))


@router.patch("/alerts/{alert_id}", response_model=AlertOut)
def update_alert(
    alert_id: RowId, body: AlertPatch, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> AlertOut:
    """Pause or resume (``status``), rename, or change the rule."""
    change = alerts.AlertChange(**body.model_dump())
    return _out(alerts.update(db, alert_id, change, clock=runtime.clock, user_id=user.id))


@router.delete("/alerts/{alert_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_alert(alert_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete an alert and its history."""
    alerts.delete(db, alert_id, user_id=user.id)

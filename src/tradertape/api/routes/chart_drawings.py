"""The chart's drawings: trend lines, horizontal levels and Fibonacci retracements, per user
and instrument (`services.market.chart_drawings`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Query, status

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.chart_drawings import AnchorOut, DrawingIn, DrawingKind, DrawingOut
from tradertape.api.schemas.numbers import RowId
from tradertape.db.models.charts import ChartDrawing
from tradertape.services.market import chart_drawings

router = APIRouter(prefix="/market", tags=["market"])


def _out(row: ChartDrawing) -> DrawingOut:
    return DrawingOut(
        id=row.id,
        symbol=row.symbol,
        kind=cast(DrawingKind, row.kind),
        points=[AnchorOut(time=t, price=p) for t, p in chart_drawings.anchors_of(row)],
        created_at=row.created_at,
    )


@router.get("/drawings", response_model=list[DrawingOut])
def list_drawings(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    symbol: Annotated[str, Query(min_length=1, max_length=80, description="e.g. NSE:INFY")],
) -> list[DrawingOut]:
    """Your drawings on one instrument's chart, oldest first."""
    rows = chart_drawings.listing(db, runtime.candles.catalog, user_id=user.id, symbol=symbol)
    return [_out(row) for row in rows]


@router.post("/drawings", response_model=DrawingOut, status_code=status.HTTP_201_CREATED)
def create_drawing(
    body: DrawingIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> DrawingOut:
    """Keep a drawing: a horizontal level (one point), a trend line or a Fibonacci
    retracement (two). The wrong number of points is a 422 on ``points``; an unknown
    instrument a 422 on ``symbol``; a 101st drawing on one chart a 409."""
    row = chart_drawings.create(
        db,
        runtime.candles.catalog,
        clock=runtime.clock,
        user_id=user.id,
        symbol=body.symbol,
        kind=body.kind,
        points=[chart_drawings.Anchor(time=p.time, price=p.price) for p in body.points],
    )
    return _out(row)


@router.delete("/drawings/{drawing_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_drawing(drawing_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete one of your drawings (another user's is a 404)."""
    chart_drawings.delete(db, drawing_id, user_id=user.id)

"""Chart drawings: a user's trend lines, horizontal levels and Fibonacci retracements on an
instrument's chart, kept per user and instrument (another user's drawing is not found).

A drawing is its kind and anchors: each anchor a chart time (seconds, as the chart's time
axis counts them) and a price in rupees. A horizontal level has one anchor (its price; the
time says where it was drawn), a trend line and a retracement two (from, to). The chart
draws them; the server keeps them whole (a drawing is added or deleted, never edited).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.models.charts import ChartDrawing
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned

#: Anchors each kind takes.
ANCHORS = {"trend": 2, "horizontal": 1, "fibonacci": 2}
MAX_PER_CHART = 100  # drawings per user and instrument


@dataclass(frozen=True, slots=True)
class Anchor:
    """One point of a drawing: a chart time (seconds) and a price (₹)."""

    time: int
    price: Decimal


def _key(catalog: InstrumentCatalog, symbol: str) -> str:
    instrument = catalog.find(symbol)
    if instrument is None:
        raise InvalidField("symbol", f"no instrument '{symbol}'")
    return instrument.key


def listing(
    db: Session, catalog: InstrumentCatalog, *, user_id: int, symbol: str
) -> list[ChartDrawing]:
    """The user's drawings on the instrument, oldest first."""
    query = owned(ChartDrawing, user_id=user_id).where(ChartDrawing.symbol == _key(catalog, symbol))
    return list(db.scalars(query.order_by(ChartDrawing.id)))


def create(
    db: Session,
    catalog: InstrumentCatalog,
    *,
    clock: Clock,
    user_id: int,
    symbol: str,
    kind: str,
    points: list[Anchor],
) -> ChartDrawing:
    """A new drawing (commits); the wrong number of anchors is a 422 on ``points``, a
    retracement or trend line whose two anchors are one point too, and a 101st drawing on
    one chart a 409."""
    key = _key(catalog, symbol)
    wanted = ANCHORS[kind]
    if len(points) != wanted:
        words = "one point" if wanted == 1 else f"{wanted} points"
        raise InvalidField("points", f"a {kind} drawing takes {words}, not {len(points)}")
    if wanted == 2 and points[0] == points[1]:
        raise InvalidField("points", "the two points are the same: drag from one to another")
    count = db.scalar(
        select(func.count())
        .select_from(ChartDrawing)
        .where(ChartDrawing.user_id == user_id, ChartDrawing.symbol == key)
    )
    if (count or 0) >= MAX_PER_CHART:
        raise Conflict(f"{key} already has {MAX_PER_CHART} drawings: delete some first")
    row = ChartDrawing(
        user_id=user_id,
        symbol=key,
        kind=kind,
        points=[{"time": p.time, "price": str(p.price)} for p in points],
        created_at=clock.now(),
    )
    db.add(row)
    db.commit()
    return row


def delete(db: Session, drawing_id: int, *, user_id: int) -> None:
    """Delete one of the user's drawings (commits); another's is not found."""
    db.delete(get_owned(db, ChartDrawing, drawing_id, user_id=user_id, label="drawing"))
    db.commit()


def anchors_of(row: ChartDrawing) -> list[tuple[int, Decimal]]:
    """A stored drawing's anchors."""
    return [(int(p["time"]), Decimal(str(p["price"]))) for p in row.points]

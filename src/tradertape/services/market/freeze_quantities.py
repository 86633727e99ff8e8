"""Load NSE's F&O freeze-quantity list into the database (``instruments import-freeze``).

Imported figures override the shipped ones (`domain.freeze_quantities`) underlying by
underlying; the order path reads them in `oms.slicing`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from tradertape.db.models.instruments import FreezeQuantityRow
from tradertape.domain.freeze_quantities import FreezeLimit, parse_freeze_csv
from tradertape.ports.clock import Clock, SystemClock


def import_freeze_csv(
    db: Session, source: str | Path, *, as_of: date | None = None, clock: Clock | None = None
) -> list[FreezeLimit]:
    """Upsert every limit of the CSV at `source` (all or none: a bad line stores nothing);
    the limits stored. Without an ``as_of`` column or argument the figures are of today."""
    now = (clock or SystemClock()).now()
    text = Path(source).read_text(encoding="utf-8-sig")
    limits = parse_freeze_csv(text, as_of=as_of or now.date())
    for limit in limits:
        row = db.get(FreezeQuantityRow, limit.underlying)
        if row is None:
            db.add(
                FreezeQuantityRow(
                    underlying=limit.underlying,
                    freeze_quantity=limit.freeze_quantity,
                    as_of=limit.as_of,
                    imported_at=now,
                )
            )
        else:
            row.freeze_quantity = limit.freeze_quantity
            row.as_of = limit.as_of
            row.imported_at = now
    db.commit()
    return limits

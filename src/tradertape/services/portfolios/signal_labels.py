"""What a signal's answer adds to its row: its symbol's candle source (synthetic data says
so) and, for an agent-run signal, the broker, GTT and order ids the agent reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.db.models import ModelSignal
from tradertape.services.agent.signals import Reported, reported


def _agent_placement(row: ModelSignal, seen: Reported | None) -> dict[str, object]:
    """The broker, GTT and order ids the agent reported for an agent-run signal (the
    server's own GTT and order, where it placed one, stay as they are)."""
    if seen is None:
        return {}
    gtt: int | str | None = row.gtt_id
    if gtt is None and seen.gtt_id is not None:
        gtt = int(seen.gtt_id) if seen.gtt_id.isdigit() else seen.gtt_id
    return {"gtt_id": gtt, "order_id": row.order_id or seen.order_id, "broker": seen.broker}


def signal_labels(
    db: Session, rows: Sequence[ModelSignal], store: CandleStore
) -> list[dict[str, object]]:
    """Each row's additions, in the rows' order."""
    seen = reported(db, [row.id for row in rows])
    labels: dict[str, dict[str, object]] = {}
    out = []
    for row in rows:
        if row.symbol not in labels:
            labels[row.symbol] = asdict(store.label([row.symbol]))
        out.append(labels[row.symbol] | _agent_placement(row, seen.get(row.id)))
    return out

"""The armed alerts, held in memory for the alert watcher: each active alert's condition
parsed and compiled once (`rules.compiled`: kept across reloads while the alert's row is
unchanged, parsed again when it is edited), indexed by the symbols it watches, so a tick
batch judges only the alerts on the symbols that ticked and reads nothing from the
database.

The book is read again when the alerts or the watchlists they watch change, in any
process: each pass asks the database one aggregate question (how many alerts, the sum of
their ids, the latest change; the same of the watched lists), and a different answer
reloads the whole book. It is read again every `RELOAD_EVERY` in any case (a safety net
for two changes within one tick of the clock).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.models import Alert, AlertFire, Watchlist
from tradertape.services.alerts.alerts import ACTIVE
from tradertape.services.alerts.rules import Compiled, compiled, parse_condition
from tradertape.strategies.dsl import Condition

RELOAD_EVERY = timedelta(minutes=1)


@dataclass(slots=True)
class Armed:
    """One active alert as the watcher judges it."""

    alert_id: int
    user_id: int
    timeframe: str  # minute | day
    symbols: tuple[str, ...]
    repeat: str
    cooldown_secs: int
    condition: Condition | None  # None: its stored rule no longer parses (`error` says why)
    error: str | None = None
    compiled: Compiled | None = None
    last_evaluated_day: str | None = None
    last_fired: dict[str, datetime] = field(default_factory=dict)  # by symbol

    def cooled(self, symbol: str, now: datetime) -> bool:
        """Whether it may fire on `symbol` by what this process knows (the database's
        record is asked again before a fire)."""
        last = self.last_fired.get(symbol)
        return last is None or (now - last).total_seconds() >= self.cooldown_secs


def _parse(raw: Any) -> tuple[Compiled | None, str | None]:
    try:
        return compiled(parse_condition(raw)), None
    except Exception as exc:  # a row no request could store: judged as a failure, per item
        return None, f"{type(exc).__name__}: {exc}"


class ArmedBook:
    """The active alerts by symbol (minute alerts) and in a list (day alerts)."""

    def __init__(self) -> None:
        self._signature: tuple[object, ...] | None = None
        self._loaded_at: datetime | None = None
        self._minute: dict[str, list[Armed]] = {}
        self._day: list[Armed] = []
        self._by_id: dict[int, Armed] = {}
        # each alert's compiled condition, by id, with the row's change time it was read at
        self._parsed: dict[int, tuple[datetime, Compiled | None, str | None]] = {}

    def refresh(self, db: Session, now: datetime) -> bool:
        """Read the book again if anything changed (one aggregate query when nothing did);
        whether it was read."""
        signature = _signature(db)
        fresh = self._loaded_at is not None and now - self._loaded_at < RELOAD_EVERY
        if signature == self._signature and fresh:
            return False
        self._load(db)
        self._signature, self._loaded_at = signature, now
        return True

    def _load(self, db: Session) -> None:
        alerts = list(db.scalars(select(Alert).where(Alert.status == ACTIVE).order_by(Alert.id)))
        lists = {a.watchlist_id for a in alerts if a.watchlist_id is not None}
        items: dict[tuple[int, int], list[str]] = {}
        if lists:
            for row in db.scalars(select(Watchlist).where(Watchlist.id.in_(lists))):
                items[(row.user_id, row.id)] = list(row.items)
        fired = _last_fires(db, [a.id for a in alerts if a.repeat == "every"])
        by_id: dict[int, Armed] = {}
        parsed: dict[int, tuple[datetime, Compiled | None, str | None]] = {}
        for alert in alerts:
            if alert.symbol is not None:
                symbols: Iterable[str] = [alert.symbol]
            else:  # a list the alert's owner holds (another's id never matches)
                symbols = items.get((alert.user_id, alert.watchlist_id or 0), [])
            held = self._parsed.get(alert.id)
            if held is None or held[0] != alert.updated_at:  # new or edited: parsed again
                held = (alert.updated_at, *_parse(alert.condition))
            parsed[alert.id] = held
            _, made, error = held
            by_id[alert.id] = Armed(
                alert_id=alert.id,
                user_id=alert.user_id,
                timeframe=alert.timeframe,
                symbols=tuple(dict.fromkeys(symbols)),
                repeat=alert.repeat,
                cooldown_secs=alert.cooldown_secs,
                condition=made.condition if made is not None else None,
                error=error,
                compiled=made,
                last_evaluated_day=alert.last_evaluated_day,
                last_fired=fired.get(alert.id, {}),
            )
        minute: dict[str, list[Armed]] = {}
        for armed in by_id.values():
            if armed.timeframe == "minute":
                for symbol in armed.symbols:
                    minute.setdefault(symbol, []).append(armed)
        self._by_id = by_id
        self._parsed = parsed  # a deleted or paused alert's is dropped
        self._minute = minute
        self._day = [a for a in by_id.values() if a.timeframe == "day"]

    def on(self, symbol: str) -> list[Armed]:
        """The minute alerts watching `symbol`."""
        return self._minute.get(symbol, [])

    def day(self) -> list[Armed]:
        """The day alerts."""
        return list(self._day)

    def get(self, alert_id: int) -> Armed | None:
        """One armed alert, or None once it is not armed."""
        return self._by_id.get(alert_id)

    def disarm(self, alert_id: int) -> None:
        """Stop judging an alert (a once-alert that fired) until the book is read again."""
        armed = self._by_id.pop(alert_id, None)
        if armed is None:
            return
        for symbol in armed.symbols:
            held = self._minute.get(symbol)
            if held is not None:
                held[:] = [a for a in held if a.alert_id != alert_id]
        self._day = [a for a in self._day if a.alert_id != alert_id]

    def __len__(self) -> int:
        return len(self._by_id)


def _signature(db: Session) -> tuple[object, ...]:
    """What changes when an alert is added, deleted or changed, or a watched list is."""
    alerts = db.execute(
        select(func.count(), func.coalesce(func.sum(Alert.id), 0), func.max(Alert.updated_at))
    ).one()
    watched = select(Alert.watchlist_id).where(Alert.watchlist_id.is_not(None))
    lists = db.execute(
        select(
            func.count(), func.coalesce(func.sum(Watchlist.id), 0), func.max(Watchlist.updated_at)
        ).where(Watchlist.id.in_(watched))
    ).one()
    return (*alerts, *lists)


def _last_fires(db: Session, alert_ids: list[int]) -> dict[int, dict[str, datetime]]:
    """Each alert's last fire per symbol (for its cool-down)."""
    if not alert_ids:
        return {}
    rows = db.execute(
        select(AlertFire.alert_id, AlertFire.symbol, func.max(AlertFire.fired_at))
        .where(AlertFire.alert_id.in_(alert_ids))
        .group_by(AlertFire.alert_id, AlertFire.symbol)
    )
    out: dict[int, dict[str, datetime]] = {}
    for alert_id, symbol, at in rows:
        out.setdefault(alert_id, {})[symbol] = at
    return out

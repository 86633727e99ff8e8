"""The daily scan: one close of one portfolio, decided by the backtester's own kernel.

The portfolio's open positions and waiting entries are loaded into a kernel `Book`, and
`kernel.decide_day` runs the same exits → add-ons → entries → conviction → allocation the
backtest runs (with ``max_oversubscription`` on top). Its decisions become signals:
entries with sizing, a tick-rounded GTT trigger and limit, conviction score and rank and an
indicator snapshot; add-ons; exits naming their rule; and the candidates a cap dropped,
with the reason. Unapproved signals of earlier scans expire. A scan of a day past the NSE
holiday list (a provisional session) marks its report, its signals and the portfolio's last scan.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tradertape.backtest import kernel
from tradertape.backtest.day_decision import Loaded
from tradertape.backtest.engine import BacktestSettings, params_of, rules_of
from tradertape.candles import CandleStore
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.db.prepared import Prepared
from tradertape.db.rows import adopt, fresh, loaded_columns, one_of, table_of, value_keys
from tradertape.db.types import EncodedJSON, FastJSON
from tradertape.domain.json_text import dumps
from tradertape.domain.signals import ACTIONABLE, SignalStatus
from tradertape.domain.ticks import RoundDirection, round_to_tick
from tradertape.ports.clock import Clock
from tradertape.services.notifications import events as notifications
from tradertape.services.portfolios import money, position_money
from tradertape.services.research.simulation import WARMUP_DAYS, universe_keys
from tradertape.strategies.dsl import StrategyDocument, referenced_indicators

LIMIT_PAD = Decimal("0.005")  # a GTT's limit sits this far above its trigger
DROP_REASONS = {
    kernel.DROP_SLOTS: "max_positions",
    kernel.DROP_SECTOR: "max_per_sector",
    kernel.DROP_SIZE: "size_below_one_share",
    kernel.DROP_OVERSUBSCRIBED: "max_oversubscription",
    kernel.DROP_FUNDS: "insufficient_funds",
}
FIXED_REASONS = {
    kernel.MAX_HOLD: "max_hold",
    kernel.ATR_STOP: "atr_stop",
    kernel.GAP_DOWN: "gap_down",
}
OPEN_STATUSES = ("open", "exit_pending")
WAITING_GTT = ("active", "triggered")
#: A sent signal: approved while its order works (executed, for signals sent before fills
#: decided that status).
SENT = (SignalStatus.APPROVED.value, SignalStatus.EXECUTED.value)


@dataclass(slots=True)
class ScanReport:
    """What one scan of one portfolio did."""

    portfolio_id: int
    day: date
    skipped: str | None = None
    entries: list[int] = field(default_factory=list)  # signal ids
    addons: list[int] = field(default_factory=list)
    exits: list[int] = field(default_factory=list)
    dropped: int = 0
    expired: int = 0
    equity: float | None = None  # total capital marked at the close
    provisional_calendar: bool = False  # the day is past the NSE holiday list (a guess)


def document_of(portfolio: ModelPortfolio) -> StrategyDocument:
    """The pinned strategy with the portfolio's own hold and stop settings."""
    document = StrategyDocument.model_validate(portfolio.strategy_snapshot)
    config = document.config.model_copy(
        update={
            "min_hold": portfolio.min_hold_days,
            "atr_stop_mult": float(portfolio.atr_stop_multiplier),
        }
    )
    return document.model_copy(update={"config": config})


def settings_of(portfolio: ModelPortfolio) -> BacktestSettings:
    """The backtest settings a portfolio amounts to (its parity backtest uses these)."""
    return BacktestSettings(
        starting_capital=float(portfolio.starting_capital),
        position_size_pct=float(portfolio.position_size_pct),
        max_positions=portfolio.max_positions,
        max_per_sector=portfolio.max_per_sector,
        slippage_bps=float(portfolio.slippage_bps),
        fill_at="next_open",
        charges="none",  # the scan fills nothing
        max_oversubscription=float(portfolio.max_oversubscription),
    )


def _rows(days: np.ndarray[Any, Any], when: date | None) -> int:
    return int(np.searchsorted(days, np.datetime64(when or date.min, "D")))


class ScanMarket:
    """The panels of one batch of scans (one close), loaded once and shared.

    The scheduler's after-close run and ``POST /api/model/scan`` scan many portfolios of the
    same universes; each asks here, and a repeated (instruments, window) is served from memory.
    So is a repeated strategy: portfolios pinned to the same snapshot with the same hold and
    stop settings share one validated document, its compiled rules and its indicator
    snapshots (each column's, computed the first time a scan writes a signal of it).
    """

    def __init__(self, store: CandleStore) -> None:
        self.store = store
        self._loaded: dict[tuple[tuple[str, ...], date, date], Loaded | None] = {}
        self._documents: dict[str, tuple[StrategyDocument, str]] = {}
        self._snapshots: dict[tuple[int, str], Snapshots] = {}
        self._last_closes: dict[int, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}

    def load(
        self, portfolio: ModelPortfolio, held: list[str], oldest: date | None, day: date
    ) -> Loaded | None:
        """The universe (and anything held) up to ``day``, with history for the indicators."""
        store = self.store
        keys, _ = universe_keys(store, portfolio.universe)
        start = day - WARMUP_DAYS
        if oldest is not None:
            start = min(start, oldest)
        start = max(start, store.calendar.first_day)
        wanted = (tuple(sorted(set(keys) | set(held))), start, day)
        if wanted not in self._loaded:
            panel = store.load_panel(wanted[0], start, day)
            usable = panel.shape[0] >= 2 and panel.days[-1] == np.datetime64(day, "D")
            self._loaded[wanted] = Loaded(panel) if usable else None
        return self._loaded[wanted]

    def document(self, portfolio: ModelPortfolio) -> tuple[StrategyDocument, str]:
        """`document_of(portfolio)` and its JSON (the key it is shared by), validated once
        per distinct snapshot and settings of the batch."""
        wanted = json.dumps(
            [
                portfolio.strategy_snapshot,
                portfolio.min_hold_days,
                str(portfolio.atr_stop_multiplier),
            ],
            sort_keys=True,
        )
        if wanted not in self._documents:
            document = document_of(portfolio)
            self._documents[wanted] = (document, document.model_dump_json())
        return self._documents[wanted]

    def last_closes(self, loaded: Loaded) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """The columns of `loaded` priced before its last row, and the last close of each
        (what a book is marked at before today's close), found once per panel."""
        wanted = id(loaded)
        if wanted not in self._last_closes:
            before = loaded.panel.close[: loaded.panel.shape[0] - 1]
            seen = ~np.isnan(before)
            latest = before.shape[0] - 1 - np.argmax(seen[::-1], axis=0)
            priced = np.flatnonzero(seen.any(axis=0))
            self._last_closes[wanted] = (priced, before[latest[priced], priced])
        return self._last_closes[wanted]

    def snapshots(self, loaded: Loaded, document: StrategyDocument, key: str) -> Snapshots:
        """The indicator snapshots of `document`'s signals on `loaded`'s last row."""
        wanted = (id(loaded), key)
        if wanted not in self._snapshots:
            self._snapshots[wanted] = Snapshots(loaded, document)
        return self._snapshots[wanted]


class Snapshots:
    """Each column's indicator snapshot at a panel's last row: the indicators a strategy
    reads, and close; made once per column for all the portfolios of that strategy."""

    def __init__(self, loaded: Loaded, document: StrategyDocument) -> None:
        self._panel = panel = loaded.panel
        self._t = t = panel.shape[0] - 1
        names = sorted(referenced_indicators(document) | {"close"})
        self._rows = {name: loaded.indicators.get(name)[t] for name in names}
        self._made: dict[int, dict[str, Any]] = {}
        self._candidates: dict[int, dict[str, Any]] = {}

    def of(self, j: int) -> dict[str, Any]:
        """Column `j`'s snapshot (a copy: each signal owns its JSON)."""
        made = self._made.get(j)
        if made is None:
            values = {name: row[j] for name, row in self._rows.items()}
            made = self._made[j] = {
                name: (None if np.isnan(v) else round(float(v), 4)) for name, v in values.items()
            }
        return dict(made)

    def candidate(self, j: int) -> dict[str, Any]:
        """Column `j`'s own values in a dropped candidate's row: instrument, close and
        snapshot, the snapshot's JSON text written once (`json_text.dumps`, the text the
        column's own type writes) for every portfolio of the strategy that drops it. The
        scan's other rows hold their snapshot as the ORM does; these are written only."""
        made = self._candidates.get(j)
        if made is None:
            snapshot = self.of(j)
            made = self._candidates[j] = dict(
                zip(
                    _CANDIDATE_KEYS,
                    (
                        self._panel.keys[j],
                        self._panel.sectors[j],
                        _price(self._panel.close[self._t, j]),
                        EncodedJSON(dumps(snapshot).encode(), snapshot),
                    ),
                    strict=True,
                )
            )
        return made


class _Scan:
    """One scan's working state: the panel, the compiled rules and the kernel book."""

    def __init__(
        self,
        db: Session,
        portfolio: ModelPortfolio,
        market: ScanMarket,
        loaded: Loaded,
        day: date,
        positions: Sequence[ModelPosition],
    ) -> None:
        self.db = db
        self.portfolio = portfolio
        self.panel = panel = loaded.panel
        self.day = day
        self.t = panel.shape[0] - 1
        self.document, key = market.document(portfolio)
        self.indicators = loaded.indicators
        self.loaded = loaded
        self.compiled, self.market = loaded.bind(self.document, key)
        self.snapshots = market.snapshots(loaded, self.document, key)
        self.last_closes = market.last_closes(loaded)
        self.column = loaded.column
        self.sector_ids = loaded.sector_ids
        self.positions = list(positions)  # open, as read under the lock
        self.waiting = _WAITING.attached(db, ModelSignal, {"portfolio_id": portfolio.id})
        self.book = self._book()
        self.marked = 0.0

    def _book(self) -> kernel.Book:
        portfolio, panel = self.portfolio, self.panel
        cash = portfolio.current_capital + portfolio.committed_capital
        book = self.loaded.new_book(float(cash))
        priced, closes = self.last_closes
        book.last_close[priced] = closes
        paid = position_money.of_positions(self.db, self.positions)  # the ledger's charges
        for position in self.positions:
            j = self.column[position.symbol]
            row = book.state[j]
            row[kernel.QTY] = position.quantity
            row[kernel.AVG] = float(position.entry_price)
            row[kernel.PAID] = float(paid[position.id].charges)
            row[kernel.FIRST] = _rows(panel.days, position.entry_date)
            row[kernel.HELD_FROM] = _rows(panel.days, position.held_from)
            row[kernel.LAST_ADDON] = _rows(
                panel.days, position.last_addon_date or position.entry_date
            )
            row[kernel.ADDONS] = position.addon_count
            row[kernel.BASE_QTY] = position.base_quantity
            row[kernel.HIGHEST] = float(position.highest_close)
            row[kernel.STOP] = float(position.stop_price or 0)
            row[kernel.CONVICTION] = position.conviction or 0.0
            if np.isnan(book.last_close[j]):
                # No close of it yet (its candles are not loaded): carried at cost, so the
                # day's equity and the sizes it sets stay numbers (a NaN equity point made
                # every dashboard read of the portfolio a 500); the dashboard shows it unpriced.
                book.last_close[j] = float(position.entry_price)
            if self.sector_ids[j] >= 0:
                book.sector_count[self.sector_ids[j]] += 1
            if position.status == "exit_pending":
                book.orders[j, kernel.O_KIND] = kernel.EXIT
        for signal in self.waiting:
            j = self.column[signal.symbol]
            kind = kernel.ENTER if signal.signal_type == "entry" else kernel.ADD
            book.orders[j, kernel.O_KIND] = kind
            book.orders[j, kernel.O_QTY] = signal.quantity
            book.orders[j, kernel.O_CLOSE] = float(signal.close_price)
        return book

    def decide(self) -> None:
        params = params_of(self.document, settings_of(self.portfolio))
        # Waiting entries were queued on earlier days: today's queue starts empty.
        self.book.counts[kernel.C_BUYS] = 0
        self.marked = kernel.decide_day(
            self.market, rules_of(self.compiled), self.book, params, self.t
        )
        for position in self.positions:  # the kernel marked today's close into HIGHEST
            highest = self.book.state[self.column[position.symbol], kernel.HIGHEST]
            position.highest_close = Decimal(str(round(float(highest), 6)))

    def snapshot(self, j: int) -> dict[str, Any]:
        return self.snapshots.of(j)


def _price(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _not_due(portfolio: ModelPortfolio, day: date) -> str | None:
    """Why `portfolio` takes no scan of `day`: stopped, or scanned for it (or later)."""
    if portfolio.status != "active":
        return f"portfolio is {portfolio.status}"
    if portfolio.last_scan_date is not None and portfolio.last_scan_date >= day:
        return f"already scanned {portfolio.last_scan_date}"
    return None


def _open_positions(db: Session, portfolio: ModelPortfolio) -> Sequence[ModelPosition]:
    return _OPEN_POSITIONS.attached(db, ModelPosition, {"portfolio_id": portfolio.id})


# A scan's reads of its portfolio's rows, by precompiled SQL (`Prepared.attached`): each runs
# once or twice for every portfolio of every day's batch, where the ORM's query machinery
# cost more than the statements (issue 69).
_POSITIONS, _SIGNALS = table_of(ModelPosition), table_of(ModelSignal)
_OPEN_POSITIONS = Prepared(
    select(*loaded_columns(ModelPosition)).where(
        _POSITIONS.c.portfolio_id == bindparam("portfolio_id"),
        one_of(_POSITIONS.c.status, OPEN_STATUSES),
    )
)
_WAITING = Prepared(  # entries sent on earlier days, their orders still working
    select(*loaded_columns(ModelSignal)).where(
        _SIGNALS.c.portfolio_id == bindparam("portfolio_id"),
        one_of(_SIGNALS.c.signal_type, ("entry", "addon")),
        one_of(_SIGNALS.c.status, SENT),
        one_of(_SIGNALS.c.gtt_status, WAITING_GTT),
    )
)
_ACTIONABLE = Prepared(  # signals of earlier days a scan expires
    select(*loaded_columns(ModelSignal)).where(
        _SIGNALS.c.portfolio_id == bindparam("portfolio_id"),
        one_of(_SIGNALS.c.status, ACTIONABLE),
    )
)


def entry_prices(close: Decimal, buffer_pct: float) -> tuple[Decimal, Decimal]:
    """A BUY GTT's trigger (close plus the entry buffer) and limit, on the tick grid."""
    trigger = round_to_tick(close * (1 + Decimal(str(buffer_pct)) / 100), RoundDirection.UP)
    limit = round_to_tick(trigger * (1 + LIMIT_PAD), RoundDirection.UP)
    return trigger, limit


def scan(
    db: Session,
    portfolio: ModelPortfolio,
    *,
    store: CandleStore,
    clock: Clock,
    day: date,
    market: ScanMarket | None = None,
    notices: Clock | None = None,
) -> ScanReport:
    """Scan ``portfolio`` at ``day``'s close and write its signals (once per day).

    ``notices``: the clock its "signals ready" notice is stamped with (real time; the
    market clock when not given).

    ``market`` shares panels with the other scans of a batch; without one this scan loads
    its own.
    """
    report = ScanReport(portfolio.id, day)
    report.skipped = _not_due(portfolio, day)
    if report.skipped is not None:
        return report
    locked = money.held(db, portfolio)  # since the reconciliation of the same transaction
    positions = _open_positions(db, portfolio)
    oldest = min((p.entry_date for p in positions), default=None)
    report.provisional_calendar = store.calendar.is_provisional(day)
    market = market or ScanMarket(store)
    loaded = market.load(portfolio, [p.symbol for p in positions], oldest, day)
    if loaded is None:
        report.skipped = f"no candles for {day} (not a trading day, or data not loaded yet)"
        return report
    # Under the portfolio's lock (held to the commit), as it is now: two scans at once (the
    # scheduler's first scan of a fresh deploy and POST /api/model/scan) both found it
    # unscanned and wrote the day's signals twice. Taken here once the candles are loaded
    # (the long part: on SQLite the lock is the one writer), unless the day's
    # reconciliation took it in this transaction already (`runs.run_day`). `money.hold`:
    # the portfolio's lock, the one its money changes under, and a fresh read of the row,
    # what the caller changed and has not written kept (flushed first); not read again
    # when this transaction did both.
    money.hold(db, portfolio)
    report.skipped = _not_due(portfolio, day)
    if report.skipped is not None:
        db.commit()  # nothing of the scan's: the lock goes back at once
        return report
    if not locked:  # read before the lock: what is open now
        positions = _open_positions(db, portfolio)
    work = _Scan(db, portfolio, market, loaded, day, positions)
    work.decide()
    now = clock.now()
    for signal in _ACTIONABLE.attached(db, ModelSignal, {"portfolio_id": portfolio.id}):
        signal.status = SignalStatus.EXPIRED.value
        report.expired += 1
    written = _write_signals(work, report, now)
    report.equity = round(work.marked, 2)
    point = {
        "date": day.isoformat(),
        "equity": report.equity,
        "deployed": float(portfolio.deployed_capital),
        "committed": float(portfolio.committed_capital),
    }
    _scanned(
        db,
        portfolio,
        {
            "equity_curve": [*portfolio.equity_curve, point],
            "last_scan_date": day,
            "last_scan_at": now,
            "last_scan_provisional": report.provisional_calendar,
        },
    )
    # notify: signals_ready, in the scan's own transaction
    notifications.signals_ready(
        db,
        portfolio,
        entries=report.entries,
        addons=report.addons,
        exits=report.exits,
        at=now if notices is None else notices.now(),
        written=written,
    )
    db.commit()
    return report


def _scanned(db: Session, portfolio: ModelPortfolio, values: dict[str, Any]) -> None:
    """The scan's own columns of the portfolio's row, by precompiled SQL, and held by the
    object as written: the unit of work's flush of this one UPDATE at the scan's commit
    cost more than the statement (issue 69). What else of the row the transaction changed
    (the reconciliation's money) is the ORM's to write, as before."""
    _SCANNED.execute(db, {**values, "portfolio_id": portfolio.id})
    for key, value in values.items():
        set_committed_value(portfolio, key, value)


_PORTFOLIOS = table_of(ModelPortfolio)
_SCANNED = Prepared(
    update(_PORTFOLIOS).where(_PORTFOLIOS.c.id == bindparam("portfolio_id")),
    keys=("equity_curve", "last_scan_date", "last_scan_at", "last_scan_provisional"),
)


def _write_signals(work: _Scan, report: ScanReport, now: Any) -> list[ModelSignal]:
    """Add the scan's signals (dropped candidates in bulk); the ones written one by one."""
    book, panel, t = work.book, work.panel, work.t
    orders = book.orders
    held = {p.symbol: p for p in work.positions}
    names = work.compiled.exit_names
    version = work.portfolio.strategy_version
    buffer_pct = work.document.config.entry_buffer_pct

    written: list[ModelSignal] = []

    def row(j: int, kind: str, **fields: Any) -> dict[str, Any]:
        return {
            "user_id": work.portfolio.user_id,
            "portfolio_id": work.portfolio.id,
            "strategy_version": version,
            "symbol": panel.keys[j],
            "sector": panel.sectors[j],
            "signal_date": work.day,
            "signal_type": kind,
            "close_price": _price(panel.close[t, j]),
            "indicator_snapshot": work.snapshot(j),
            "provisional_calendar": report.provisional_calendar,
            "created_at": now,
            **fields,
        }

    def add(j: int, kind: str, into: list[int], **fields: Any) -> None:
        values = {**_NO_SIGNAL, **row(j, kind, **fields)}
        signal = fresh(ModelSignal, values)
        adopt(work.db, signal, _NEW_SIGNAL.scalar(work.db, values))
        into.append(signal.id)
        written.append(signal)

    for j in map(int, np.flatnonzero(book.exit_decided == t)):
        position = held[panel.keys[j]]
        code = int(orders[j, kernel.O_REASON])
        reason = names[code] if code >= 0 else FIXED_REASONS[code]
        add(
            j,
            "exit",
            report.exits,
            side="SELL",
            quantity=position.quantity,
            amount=_price(panel.close[t, j]) * position.quantity,
            reason=reason,
            status=SignalStatus.PENDING_APPROVAL.value,
            position_id=position.id,
        )
    rank = 0
    for k in range(int(book.counts[kernel.C_BUYS])):
        j = int(book.queue[k])
        quantity = int(orders[j, kernel.O_QTY])
        close = _price(panel.close[t, j])
        trigger, limit = entry_prices(close, buffer_pct)
        atr = orders[j, kernel.O_ATR]
        common: dict[str, Any] = {
            "side": "BUY",
            "quantity": quantity,
            "amount": close * quantity,
            "trigger_price": trigger,
            "limit_price": limit,
            "atr": None if np.isnan(atr) else _price(atr),
            "status": SignalStatus.PENDING_APPROVAL.value,
        }
        if orders[j, kernel.O_KIND] == kernel.ADD:
            position = held[panel.keys[j]]
            add(j, "addon", report.addons, position_id=position.id, reason="addon", **common)
            continue
        rank += 1
        score = float(orders[j, kernel.O_SCORE])
        add(j, "entry", report.entries, conviction_score=score, conviction_rank=rank, **common)
    # The candidates a cap dropped: nothing refers to one, so one executemany, no ids back;
    # a scan drops dozens, and their rows differ only in the column's own values (shared
    # by the strategy's portfolios, `Snapshots.candidate`), the score and the reason.
    codes = orders[:, kernel.O_DROP]
    columns = np.flatnonzero(codes != 0)
    common = dict(
        zip(
            _DROPPED_SCAN_KEYS,
            (
                *(work.portfolio.user_id, work.portfolio.id, version, work.day, "entry", "BUY"),
                *(0, Decimal(0), SignalStatus.DROPPED.value, report.provisional_calendar, now),
            ),
            strict=True,
        )
    )
    candidate = work.snapshots.candidate
    dropped = [
        {**common, **candidate(j), _SCORE: score, _REASON: DROP_REASONS[code]}
        for j, score, code in zip(
            columns.tolist(),
            work.compiled.score[t, columns].astype(float).tolist(),
            codes[columns].astype(int).tolist(),
            strict=True,
        )
    ]
    _DROPPED.execute_many(work.db, dropped)
    report.dropped = len(dropped)
    return written


# A scan's signals by precompiled SQL: the written ones one by one for their ids (made as
# loaded rows, `db.rows`: their notice and placement read them), the dropped ones in one
# executemany. Through the unit of work they cost a scan more than its decisions (issue 69).
_NEW_SIGNAL = Prepared(
    insert(table_of(ModelSignal)).returning(table_of(ModelSignal).c.id),
    keys=value_keys(ModelSignal),
)
# A dropped candidate's row: the columns it sets (the rest NULL), named once here: the scan's
# (shared by its dropped rows), the column's own (`Snapshots.candidate`, shared by the
# strategy's portfolios) and its score and reason; its snapshot given as its JSON text
# (`FastJSON` stores an `EncodedJSON`'s text as it is). A key a row sets that the statement
# did not name would be dropped unseen, so both are made from these tuples.
_DROPPED_SCAN_KEYS = (
    *("user_id", "portfolio_id", "strategy_version", "signal_date", "signal_type", "side"),
    *("quantity", "amount", "status", "provisional_calendar", "created_at"),
)
_CANDIDATE_KEYS = ("symbol", "sector", "close_price", "indicator_snapshot")
_SCORE, _REASON = "conviction_score", "reason"
_DROPPED_KEYS = (*_DROPPED_SCAN_KEYS, *_CANDIDATE_KEYS, _SCORE, _REASON)
_DROPPED = Prepared(
    insert(table_of(ModelSignal)).values(
        indicator_snapshot=bindparam("indicator_snapshot", type_=FastJSON())
    ),
    keys=_DROPPED_KEYS,
)
_NO_SIGNAL = dict.fromkeys(value_keys(ModelSignal))  # a column not given is NULL

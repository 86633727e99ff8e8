"""A portfolio's day, as the scheduler and ``POST /api/model/scan`` run it: fills of the
waiting orders first (reconciliation), then the scan, then auto-placement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.db.prepared import Prepared
from tradertape.db.rows import loaded_columns, table_of
from tradertape.domain.signals import SignalStatus
from tradertape.errors import Conflict, InvalidField
from tradertape.services.accounts.ownership import get_owned
from tradertape.services.portfolios import book_held, reconcile, scanner, signals, virtual
from tradertape.services.portfolios.signals import Placement, PortfolioTrading


def run_day(
    db: Session,
    portfolio: ModelPortfolio,
    *,
    store: CandleStore,
    trading: PortfolioTrading,
    day: date,
    market: scanner.ScanMarket | None = None,
) -> scanner.ScanReport:
    """Reconcile, scan at ``day``'s close, and place at once when ``auto_place_signals``.

    A batch passes one ``market`` to all its portfolios so they share panels and indicators.
    A virtually filled portfolio's reconciliation sends nothing anywhere, so it commits with
    the scan (one transaction, the portfolio's lock and row taken once); the placement
    commits on its own after it, as a placement by hand does.
    """
    virtual.open_fills(
        db, portfolio, store=store, day=day, clock=trading.clock, exchange=trading.exchange
    )
    reconcile.reconcile(db, portfolio, trading=trading, commit=False)
    report = scanner.scan(
        db,
        portfolio,
        store=store,
        clock=trading.clock,
        day=day,
        market=market,
        notices=trading.notices,
    )
    if report.skipped is not None:
        db.commit()  # the reconciliation's changes, without a scan
    elif portfolio.auto_place_signals:
        fresh = _FRESH.attached(db, ModelSignal, {"portfolio_id": portfolio.id, "day": day})
        signals.place(db, fresh, trading=trading, auto=True)
    return report


_SIGNALS = table_of(ModelSignal)
_FRESH = Prepared(  # the day's signals a scan just wrote, waiting for approval
    select(*loaded_columns(ModelSignal)).where(
        _SIGNALS.c.portfolio_id == bindparam("portfolio_id"),
        _SIGNALS.c.signal_date == bindparam("day"),
        _SIGNALS.c.status == SignalStatus.PENDING_APPROVAL.value,
    )
)


def scan_user(
    db: Session,
    *,
    user_id: int,
    portfolio_id: int | None,
    store: CandleStore,
    trading: PortfolioTrading,
    day: date,
) -> list[scanner.ScanReport]:
    """Run the day for one of the user's portfolios, or all their active ones."""
    if not store.calendar.covers(day):
        raise InvalidField("date", f"{day} is outside the NSE calendar's known years")
    query = select(ModelPortfolio).where(
        ModelPortfolio.user_id == user_id, ModelPortfolio.status == "active"
    )
    if portfolio_id is not None:
        get_owned(db, ModelPortfolio, portfolio_id, user_id=user_id, label="portfolio")
        query = query.where(ModelPortfolio.id == portfolio_id)
    market = scanner.ScanMarket(store)
    return [
        run_day(db, p, store=store, trading=trading, day=day, market=market)
        for p in db.scalars(query.order_by(ModelPortfolio.id)).all()
    ]


def close_position(
    db: Session,
    position_id: int,
    *,
    user_id: int,
    store: CandleStore,
    trading: PortfolioTrading,
    day: date,
) -> Placement:
    """Close a position by hand: an exit signal (reason ``manual``) placed at once."""
    position = get_owned(db, ModelPosition, position_id, user_id=user_id, label="position")
    if position.status != "open":
        raise Conflict(f"position {position_id} is {position.status}")
    portfolio = db.get(ModelPortfolio, position.portfolio_id)
    assert portfolio is not None
    held = book_held.held(db, portfolio).get(position.symbol, 0)
    if held < position.quantity:  # sold there by another hand, and not booked to it
        raise Conflict(
            f"position {position_id}: its book holds {held} of its {position.quantity}"
            f" {position.symbol.partition(':')[2]} shares; nothing was sent (see the"
            " portfolio's drift)"
        )
    bars = store.load_panel([position.symbol], store.calendar.previous_trading_day(day), day)
    closes = [c for c in bars.close[:, 0].tolist() if c == c]
    close = Decimal(str(closes[-1])) if closes else position.entry_price
    signal = signals.exit_signal(
        db, portfolio, position, close=close, day=day, reason="manual", clock=trading.clock
    )
    return signals.place(db, [signal], trading=trading)

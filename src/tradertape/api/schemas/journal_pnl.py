"""The journal's P&L as the API answers it: `GET /api/journal/pnl` (`pnl_page_out`: a page
of round trips, totals from the kept sums) and the assistant's `journal_pnl` tool
(`pnl_out`: the narrowed books, every trip): `services.journal.round_trips`, totalled."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradertape.api.schemas.journal import (
    MatchedOut,
    OpenPositionOut,
    PnlOut,
    RoundTripOut,
    YearPnlOut,
)
from tradertape.domain.money import paise, shown_paise
from tradertape.journal.expiry import SETTLEMENT_NEEDED
from tradertape.journal.pnl import OpenPosition, RoundTrip
from tradertape.journal.tax import YearPnl, by_financial_year
from tradertape.journal.trip_table import Totals
from tradertape.services.journal.round_trips import PnlBooks, PnlPage

ZERO = Decimal(0)


def trip_out(t: RoundTrip, member: str | None = None) -> RoundTripOut:
    """A round trip as the API answers it."""
    return RoundTripOut(
        member=member,
        account=t.account,
        symbol=t.symbol,
        isin=t.isin,
        segment=t.segment,
        direction=t.direction,
        quantity=t.quantity,
        opened=t.opened,
        closed=t.closed,
        held_days=t.held_days,
        buy_value=paise(t.buy_value),
        sell_value=paise(t.sell_value),
        pnl=paise(t.pnl),
        charges=paise(t.charges),
        net=paise(t.net),
        kind=t.kind,
        via=t.via,
        intraday=t.intraday,
        open_source=t.open_source,
        close_source=t.close_source,
        charges_note=t.charges_note or None,
    )


def _answer(
    *,
    include_paper: bool,
    paper_round_trips: int,
    whole: Totals,
    years: list[YearPnl],
    matched: Totals,
    rows: Iterable[tuple[str | None, RoundTrip]],
    offset: int,
    limit: int | None,
    held: list[tuple[str | None, OpenPosition]],
    applied: list[str],
) -> PnlOut:
    unrealised = sum((p.unrealised for _, p in held if p.unrealised is not None), ZERO)
    return PnlOut(
        include_paper=include_paper,
        paper_round_trips=paper_round_trips,
        realised=paise(whole.realised),
        charges=paise(whole.charges),
        net=paise(whole.net),
        unrealised=paise(unrealised),
        round_trips=[trip_out(t, who) for who, t in rows],
        matched=MatchedOut(
            round_trips=matched.trips,
            realised=paise(matched.realised),
            charges=paise(matched.charges),
            net=paise(matched.net),
        ),
        offset=offset,
        limit=limit,
        open=[
            OpenPositionOut(
                account=p.account,
                symbol=p.symbol,
                isin=p.isin,
                segment=p.segment,
                direction=p.direction,
                quantity=p.quantity,
                cost=paise(p.cost),
                mark=p.mark,
                unrealised=shown_paise(p.unrealised),
                member=who,
                state="open" if p.expired_on is None else SETTLEMENT_NEEDED,
                expired_on=p.expired_on,
            )
            for who, p in held
        ],
        applied_actions=applied,
        years=[
            YearPnlOut(
                fy=y.fy,
                realised=paise(y.realised),
                charges=paise(y.charges),
                net=paise(y.net),
                trips=y.trips,
            )
            for y in years
        ],
    )


def pnl_out(found: PnlBooks) -> PnlOut:
    """Realised, charges and net over the counted round trips (every one of them listed),
    the open positions' unrealised P&L, and each financial year's figures, summed from the
    trips (the assistant's narrowed books)."""
    trips = found.trips
    whole = Totals(
        len(trips), sum((t.pnl for t in trips), ZERO), sum((t.charges for t in trips), ZERO)
    )
    return _answer(
        include_paper=found.include_paper,
        paper_round_trips=found.paper_round_trips,
        whole=whole,
        years=by_financial_year(trips),
        matched=whole,
        rows=[(who, t) for who, b in found.books for t in b.trips],
        offset=0,
        limit=None,
        held=[(who, p) for who, b in found.books for p in b.open],
        applied=[a for _, b in found.books for a in b.applied],
    )


def pnl_page_out(found: PnlPage) -> PnlOut:
    """The P&L page: totals and years from the books' kept sums, the page of round trips
    asked, and the totals of every round trip its filter keeps."""
    return _answer(
        include_paper=found.include_paper,
        paper_round_trips=found.paper_round_trips,
        whole=found.whole,
        years=found.years,
        matched=found.matched,
        rows=found.rows,
        offset=found.query.offset,
        limit=found.query.limit,
        held=found.open,
        applied=found.applied,
    )

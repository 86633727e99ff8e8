"""The journal's P&L as the API answers it (`GET /api/journal/pnl` and the assistant's
`journal_pnl` tool): the counted books of `services.journal.round_trips`, totalled."""

from __future__ import annotations

from decimal import Decimal

from tradertape.api.schemas.journal import OpenPositionOut, PnlOut, RoundTripOut, YearPnlOut
from tradertape.domain.money import paise, shown_paise
from tradertape.journal.expiry import SETTLEMENT_NEEDED
from tradertape.journal.pnl import RoundTrip
from tradertape.journal.tax import by_financial_year
from tradertape.services.journal.round_trips import PnlBooks

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


def pnl_out(found: PnlBooks) -> PnlOut:
    """Realised, charges and net over the counted round trips, the open positions'
    unrealised P&L, and each financial year's figures."""
    books = found.books
    trips = found.trips
    realised = sum((t.pnl for t in trips), ZERO)
    charges = sum((t.charges for t in trips), ZERO)
    unrealised = sum(
        (p.unrealised for _, b in books for p in b.open if p.unrealised is not None), ZERO
    )
    return PnlOut(
        include_paper=found.include_paper,
        paper_round_trips=found.paper_round_trips,
        realised=paise(realised),
        charges=paise(charges),
        net=paise(realised - charges),
        unrealised=paise(unrealised),
        round_trips=[trip_out(t, who) for who, b in books for t in b.trips],
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
            for who, b in books
            for p in b.open
        ],
        applied_actions=[a for _, b in books for a in b.applied],
        years=[
            YearPnlOut(
                fy=y.fy,
                realised=paise(y.realised),
                charges=paise(y.charges),
                net=paise(y.net),
                trips=y.trips,
            )
            for y in by_financial_year(trips)
        ],
    )

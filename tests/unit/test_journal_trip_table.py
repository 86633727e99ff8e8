"""The P&L page's round trips filtered, sorted and paged on the server, and its totals read
from the kept sums: the same trips and figures as filtering, sorting and summing every
round trip one by one (the page's old way, in the browser), from a computed book or from
the kept bytes alike."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.journal import packed, trip_table
from tradertape.journal.pnl import LONG, SHORT, Book, RoundTrip
from tradertape.journal.tax import by_financial_year, fy_of
from tradertape.journal.trip_table import ListTrips, TripQuery

BASE = RoundTrip(
    account="ZX1234",
    symbol="INFY",
    isin=None,
    segment="EQ",
    direction=LONG,
    quantity=Decimal(1),
    opened=date(2023, 1, 2),
    opened_at=None,
    closed=date(2023, 1, 2),
    closed_at=None,
    open_value=Decimal(100),
    close_value=Decimal(110),
    charges=Decimal("1.25"),
    open_source="upload",
    close_source="upload",
)

_MONEY = st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False)
_TRIP = st.builds(
    lambda symbol, segment, side, intraday, days, held, qty, o, c, charges, src: (
        dataclasses.replace(
            BASE,
            symbol=symbol,
            segment=segment,
            direction=side,
            intraday=intraday,
            closed=BASE.closed + timedelta(days=days),
            opened=BASE.closed + timedelta(days=days - held),
            quantity=qty,
            open_value=o,
            close_value=c,
            charges=charges,
            open_source=src[0],
            close_source=src[1],
        )
    ),
    st.sampled_from(["INFY", "TCS", "NIFTY24DEC24000CE", "BANKNIFTY24DECFUT"]),
    st.sampled_from(["EQ", "FO"]),
    st.sampled_from([LONG, SHORT]),
    st.booleans(),
    st.integers(0, 900),  # closes over three financial years
    st.integers(0, 400),
    st.decimals(min_value=1, max_value=500, places=0),
    _MONEY,
    _MONEY,
    st.decimals(min_value=0, max_value=100, places=4),
    st.sampled_from([("upload", "upload"), ("paper", "paper"), ("live", "upload")]),
)
_QUERY = st.builds(
    TripQuery,
    symbol=st.sampled_from([None, "infy", "NIFTY", "X"]),
    fy=st.sampled_from([None, "2022-23", "2023-24", "2024-25", "2019-20"]),
    type=st.sampled_from([None, "delivery", "intraday", "fo"]),
    side=st.sampled_from([None, "long", "short"]),
    sort=st.sampled_from([None, *trip_table.SORT_KEYS]),
    desc=st.booleans(),
    offset=st.integers(0, 30),
    limit=st.sampled_from([None, 1, 7, 50]),
)


def _type(t: RoundTrip) -> str:
    return "fo" if t.segment != "EQ" else "intraday" if t.intraday else "delivery"


def _old_way(trips: list[RoundTrip], q: TripQuery, include_paper: bool) -> list[RoundTrip]:
    """Every trip built, filtered and sorted one by one, as the web page did."""
    kept = [
        t
        for t in trips
        if (include_paper or "paper" not in (t.open_source, t.close_source))
        and (not q.symbol or q.symbol.upper() in t.symbol)
        and (q.fy is None or fy_of(t.closed) == q.fy)
        and (q.type is None or _type(t) == q.type)
        and (q.side is None or t.direction == q.side)
    ]
    if q.sort is not None:
        kept.sort(key=lambda t: getattr(t, q.sort or ""))
    if q.desc:
        kept.reverse()
    return kept


@settings(max_examples=80, deadline=None)
@given(st.lists(_TRIP, max_size=60), _QUERY, st.booleans())
def test_a_page_and_its_totals_are_the_old_ways(
    trips: list[RoundTrip], q: TripQuery, include_paper: bool
):
    expected = _old_way(trips, q, include_paper)
    end = None if q.limit is None else q.offset + q.limit
    data = packed.pack(Book(trips=trips), sums=trip_table.pack_sums(trip_table.sums_of(trips)))
    found = packed.unpack_pages(data)
    assert found is not None
    kept_trips, _, _, kept_sums = found
    sums = trip_table.unpack_sums(kept_sums)
    assert sums == trip_table.sums_of(trips)  # the kept sums read back exactly
    for source in (ListTrips(trips), kept_trips):
        listed = trip_table.page([source], q, include_paper=include_paper)
        assert [t for _, t in listed.rows] == expected[q.offset : end]
        assert listed.matched == len(expected)
    counted = trip_table.counted(sums, include_paper=include_paper)
    matched = trip_table.totals(counted, q)
    assert matched.trips == len(expected)
    assert matched.realised == sum((t.pnl for t in expected), Decimal(0))
    assert matched.charges == sum((t.charges for t in expected), Decimal(0))
    real = [t for t in trips if include_paper or "paper" not in (t.open_source, t.close_source)]
    assert trip_table.years_of(counted) == by_financial_year(real)


@settings(max_examples=30, deadline=None)
@given(st.lists(_TRIP, max_size=30), st.lists(_TRIP, max_size=30), _QUERY)
def test_a_family_page_is_the_members_trips_sorted_together(
    mine: list[RoundTrip], theirs: list[RoundTrip], q: TripQuery
):
    """Two members' books: their trips sorted together, ties in the members' order."""
    expected = _old_way([*mine, *theirs], q, include_paper=True)
    listed = trip_table.page([ListTrips(mine), ListTrips(theirs)], q, include_paper=True)
    end = None if q.limit is None else q.offset + q.limit
    assert [t for _, t in listed.rows] == expected[q.offset : end]
    assert all(t in (mine if n == 0 else theirs) for n, t in listed.rows)


def test_sums_that_are_not_kept_sums_are_a_value_error():
    import pytest

    for data in (b"", b"{}", b'[["2023-24"]]', b'[[1,2,3,4,5,6,7,"x","y"]]'):
        with pytest.raises(ValueError, match="kept sums"):
            trip_table.unpack_sums(data)

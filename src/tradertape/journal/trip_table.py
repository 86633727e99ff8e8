"""The round trips of a book as the P&L page asks for them: filtered, sorted and one page
built, with the totals of everything the filter keeps.

A long history has ~100,000 round trips; a page shows 50. Building every `RoundTrip` to
show 50 was most of a cold P&L page, so a book's trips are read as columns (`Trips`: from
the kept bytes, `journal.packed.PackedTrips`, or from a computed book, `ListTrips`): the
filter and the sort read only the columns they test, and only the page's rows are built.

The totals (realised, charges, count) come from the book's `Sums`: its trips summed once
per group of everything a filter can ask (financial year, symbol, segment, intraday,
side, paper or real), kept beside the book. A filter keeps whole groups, so its totals are
the sums of the groups it keeps, the same figures as summing its trips one by one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from tradertape.journal.pnl import LONG, RoundTrip
from tradertape.journal.tax import YearPnl, fy_of
from tradertape.journal.trades import PAPER

ZERO = Decimal(0)

TripType = Literal["delivery", "intraday", "fo"]
Side = Literal["long", "short"]
SortKey = Literal["closed", "opened", "symbol", "quantity", "pnl", "charges", "net"]
SORT_KEYS: tuple[SortKey, ...] = ("closed", "opened", "symbol", "quantity", "pnl", "charges", "net")


def trip_type(segment: str, intraday: bool) -> TripType:
    """What the page calls a trip: F&O, else intraday or delivery equity."""
    if segment != "EQ":
        return "fo"
    return "intraday" if intraday else "delivery"


class Trips(Protocol):
    """A book's round trips, in the book's order, read a column at a time."""

    def __len__(self) -> int: ...

    def column(self, name: str) -> Sequence[Any]:
        """One field of every trip (a `RoundTrip` field, not a property)."""

    def rows(self, positions: Sequence[int]) -> list[RoundTrip]:
        """The trips at `positions`, built."""


class ListTrips:
    """The trips of a book already computed in this process."""

    def __init__(self, trips: Sequence[RoundTrip]) -> None:
        self.trips = trips

    def __len__(self) -> int:
        return len(self.trips)

    def column(self, name: str) -> list[Any]:
        return [getattr(t, name) for t in self.trips]

    def rows(self, positions: Sequence[int]) -> list[RoundTrip]:
        return [self.trips[i] for i in positions]


@dataclass(frozen=True, slots=True)
class TripQuery:
    """Which round trips a page shows, in what order.

    ``symbol``: symbols containing this text (any case); ``fy``: closed in this financial
    year (``2024-25``); ``type``: delivery, intraday or F&O; ``side``: long or short;
    ``sort``/``desc``: the order (None: the book's, each close as FIFO met it, a family's
    member by member; ties in that order, reversed with `desc`);
    ``offset``/``limit``: the page (no limit: every trip kept).
    """

    symbol: str | None = None
    fy: str | None = None
    type: TripType | None = None
    side: Side | None = None
    sort: SortKey | None = None
    desc: bool = False
    offset: int = 0
    limit: int | None = None

    def keeps(self, symbol: str, fy: str, segment: str, intraday: bool, direction: str) -> bool:
        """Whether a trip (or a group of them) with these values passes the filter."""
        if self.symbol and self.symbol.strip().upper() not in symbol:
            return False
        if self.fy is not None and fy != self.fy:
            return False
        if self.type is not None and trip_type(segment, intraday) != self.type:
            return False
        return self.side is None or direction == self.side


def _is_paper(open_source: str, close_source: str) -> bool:
    return PAPER in (open_source, close_source)  # as `services.journal.ledger.is_paper`


# ----------------------------------------------------------------------------- sums


@dataclass(frozen=True, slots=True)
class Group:
    """The trips of a book sharing every value a filter tests, summed."""

    fy: str
    symbol: str
    segment: str
    intraday: bool
    direction: str
    paper: bool
    trips: int
    realised: Decimal
    charges: Decimal


Sums = list[Group]
_Key = tuple[str, str, str, bool, str, bool]


def sums_of(trips: Iterable[RoundTrip]) -> Sums:
    """A book's trips summed per group (`Group`), once: what its totals are read from."""
    count: dict[_Key, int] = defaultdict(int)
    realised: dict[_Key, Decimal] = defaultdict(Decimal)
    charges: dict[_Key, Decimal] = defaultdict(Decimal)
    years: dict[date, str] = {}
    for t in trips:
        fy = years.get(t.closed)
        if fy is None:
            fy = years[t.closed] = fy_of(t.closed)
        key = (
            fy,
            t.symbol,
            t.segment,
            t.intraday,
            t.direction,
            _is_paper(t.open_source, t.close_source),
        )
        count[key] += 1
        realised[key] += t.pnl
        charges[key] += t.charges
    return [
        Group(fy, symbol, segment, intraday, side, paper, count[key], realised[key], charges[key])
        for key in count
        for fy, symbol, segment, intraday, side, paper in [key]
    ]


def pack_sums(sums: Sums) -> bytes:
    """The groups as JSON (decimals as their text, exactly)."""
    rows = [
        [g.fy, g.symbol, g.segment, g.intraday, g.direction, g.paper, g.trips]
        + [str(g.realised), str(g.charges)]
        for g in sums
    ]
    return json.dumps(rows, separators=(",", ":")).encode()


def unpack_sums(data: bytes) -> Sums:
    """The groups `pack_sums` wrote; `ValueError` for anything else."""
    try:
        rows = json.loads(data)
        if not isinstance(rows, list):
            raise TypeError("a list of groups")
        return [
            Group(str(f), str(s), str(g), bool(i), str(d), bool(p), int(n), Decimal(r), Decimal(c))
            for f, s, g, i, d, p, n, r, c in rows
        ]
    except (TypeError, ValueError, ArithmeticError) as problem:
        raise ValueError(f"not kept sums: {problem}") from None


@dataclass(frozen=True, slots=True)
class Totals:
    """What a set of round trips adds up to."""

    trips: int = 0
    realised: Decimal = ZERO
    charges: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.realised - self.charges

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.trips + other.trips,
            self.realised + other.realised,
            self.charges + other.charges,
        )


def counted(sums: Sums, *, include_paper: bool) -> Sums:
    """The groups the journal's figures count: real trades, paper ones too if asked."""
    return sums if include_paper else [g for g in sums if not g.paper]


def totals(sums: Sums, query: TripQuery | None = None) -> Totals:
    """The totals of the groups `query` keeps (all of them without one)."""
    kept = Totals()
    for g in sums:
        if query is None or query.keeps(g.symbol, g.fy, g.segment, g.intraday, g.direction):
            kept += Totals(g.trips, g.realised, g.charges)
    return kept


def years_of(sums: Sums) -> list[YearPnl]:
    """Realised P&L, charges and count per financial year of the close, newest first (as
    `journal.tax.by_financial_year` of the same trips)."""
    found: dict[str, Totals] = defaultdict(Totals)
    for g in sums:
        found[g.fy] += Totals(g.trips, g.realised, g.charges)
    return [
        YearPnl(fy, found[fy].realised, found[fy].charges, found[fy].trips)
        for fy in sorted(found, reverse=True)
    ]


# ----------------------------------------------------------------------------- the page


def _passing(column: Sequence[Any], test: Callable[[Any], bool], within: list[int]) -> list[int]:
    """The positions of `within` whose value passes `test` (tested once per distinct value)."""
    verdict = {value: test(value) for value in set(column)}
    if all(verdict.values()):
        return within
    return [i for i in within if verdict[column[i]]]


def matching(trips: Trips, query: TripQuery, *, include_paper: bool) -> list[int]:
    """The positions (book order) of the trips counted and kept by `query`'s filter."""
    kept = list(range(len(trips)))
    if not include_paper:
        opened, closed = trips.column("open_source"), trips.column("close_source")
        if PAPER in set(opened) or PAPER in set(closed):
            kept = [i for i in kept if not _is_paper(opened[i], closed[i])]
    if query.symbol:
        wanted = query.symbol.strip().upper()
        kept = _passing(trips.column("symbol"), lambda s: wanted in s, kept)
    if query.fy is not None:
        fy = query.fy
        kept = _passing(trips.column("closed"), lambda d: fy_of(d) == fy, kept)
    if query.type is not None:
        wanted_type = query.type
        segments, intraday = trips.column("segment"), trips.column("intraday")
        kept = [i for i in kept if trip_type(segments[i], intraday[i]) == wanted_type]
    if query.side is not None:
        side = query.side
        kept = _passing(trips.column("direction"), lambda d: d == side, kept)
    return kept


def _sort_values(trips: Trips, key: SortKey) -> Sequence[Any]:
    """Each trip's value of a sort key (the P&L and net from their fields, as `RoundTrip`'s
    properties compute them)."""
    if key not in ("pnl", "net"):
        return trips.column(key)
    opened, closed = trips.column("open_value"), trips.column("close_value")
    direction = trips.column("direction")
    pnl = [c - o if d == LONG else o - c for o, c, d in zip(opened, closed, direction, strict=True)]
    if key == "pnl":
        return pnl
    return [p - c for p, c in zip(pnl, trips.column("charges"), strict=True)]


@dataclass(frozen=True, slots=True)
class Listed:
    """A page of round trips: each with its book's index among `books`, and how many the
    filter kept in all."""

    rows: list[tuple[int, RoundTrip]]
    matched: int


def page(books: Sequence[Trips], query: TripQuery, *, include_paper: bool) -> Listed:
    """One page of the trips of `books` (a family view: several), filtered and sorted."""
    kept = [matching(b, query, include_paper=include_paper) for b in books]
    key = query.sort
    values = [_sort_values(b, key) if kept[n] and key else () for n, b in enumerate(books)]
    # every kept trip as (book, position), sorted stably: ties stay in the books' order
    found: list[tuple[int, int]] | list[int]
    if len(books) == 1:  # one person's journal: positions sorted by their values alone
        found = sorted(kept[0], key=values[0].__getitem__) if key else kept[0]
    else:
        found = [(n, i) for n, positions in enumerate(kept) for i in positions]
        if key:
            found.sort(key=lambda at: values[at[0]][at[1]])
    if query.desc:
        found.reverse()
    end = None if query.limit is None else query.offset + query.limit
    chosen = [at if isinstance(at, tuple) else (0, at) for at in found[query.offset : end]]
    built: dict[tuple[int, int], RoundTrip] = {}
    for n, book in enumerate(books):
        mine = [i for m, i in chosen if m == n]
        if mine:
            built.update(zip([(n, i) for i in mine], book.rows(mine), strict=True))
    return Listed(rows=[(n, built[n, i]) for n, i in chosen], matched=len(found))

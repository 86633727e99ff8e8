"""How a live order's fills are cut from the broker's tradebook and its cumulative reports:
each trade booked once by id, the fallback never booked again, the quantity always the
broker's, whatever order the reports and tradebook reads come in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.oms.live.broker_trades import (
    BrokerTrade,
    PlannedFill,
    Tradebook,
    broker_trade,
    exchange_time,
    plan_fills,
)
from tradertape.ports.clock import IST

T0 = datetime(2026, 11, 20, 10, 0, 5, tzinfo=IST)


def trade(n: int, quantity: int, price: str) -> BrokerTrade:
    return BrokerTrade(f"T{n}", "O1", quantity, Decimal(price), T0 + timedelta(seconds=n))


@dataclass
class Booked:
    """An order's booked rows, as `LiveOrders` keeps them (quantity, price, trade id)."""

    ordered: int
    rows: list[PlannedFill] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(r.quantity for r in self.rows)

    @property
    def value(self) -> Decimal:
        return sum((r.price * r.quantity for r in self.rows), Decimal(0))

    def apply(self, reported: list[BrokerTrade], listed: list[BrokerTrade] | None) -> None:
        quantity = sum(t.quantity for t in reported)
        value = sum((t.price * t.quantity for t in reported), Decimal(0))
        self.rows += plan_fills(
            ordered=self.ordered,
            booked_quantity=self.quantity,
            booked_value=self.value,
            booked_ids={r.trade_id for r in self.rows if r.trade_id is not None},
            unnamed_quantity=sum(r.quantity for r in self.rows if r.trade_id is None),
            reported_quantity=quantity,
            reported_average=value / quantity if quantity else Decimal(0),
            trades=listed,
        )


def test_each_listed_trade_is_booked_at_its_price_and_time_once():
    trades = [trade(1, 4, "1489.50"), trade(2, 6, "1488.75")]
    book = Booked(10)

    book.apply(trades[:1], trades[:1])
    book.apply(trades[:1], trades[:1])
    book.apply(trades, trades)
    book.apply(trades, trades)

    assert book.rows == [
        PlannedFill(4, Decimal("1489.50"), "T1", T0 + timedelta(seconds=1)),
        PlannedFill(6, Decimal("1488.75"), "T2", T0 + timedelta(seconds=2)),
    ]


def test_a_report_ahead_of_the_tradebook_books_the_rest_by_difference_and_never_again():
    trades = [trade(1, 4, "1489.50"), trade(2, 6, "1488.75"), trade(3, 5, "1490")]
    book = Booked(15)

    book.apply(trades[:1], None)  # the tradebook read failed: 4 by difference
    book.apply(trades, trades[:2])  # lists two of three: T1 is the fallback's, T2 by id
    book.apply(trades, trades)  # all three: T3 is the second fallback's

    assert book.rows == [
        PlannedFill(4, Decimal("1489.5000"), None, None),
        PlannedFill(6, Decimal("1488.75"), "T2", T0 + timedelta(seconds=2)),
        # (15 × 1489.3666… − 5,958.00 − 8,932.50) / 5 = 7,450.00 / 5 = 1490.
        PlannedFill(5, Decimal("1490.0000"), None, None),
    ]
    assert (book.quantity, book.value) == (15, Decimal("22340.5"))


def test_a_tradebook_ahead_of_the_report_books_its_trades_and_the_late_report_nothing():
    trades = [trade(1, 4, "1489.50"), trade(2, 6, "1488.75")]
    book = Booked(10)

    book.apply(trades[:1], trades)
    book.apply(trades[:1], None)

    assert [(r.quantity, r.trade_id) for r in book.rows] == [(4, "T1"), (6, "T2")]


def test_a_tradebook_listing_more_than_was_ordered_books_no_more_than_the_order():
    trades = [trade(1, 4, "100"), trade(2, 6, "101")]
    book = Booked(8)

    book.apply(trades, trades)

    assert [(r.quantity, r.trade_id) for r in book.rows] == [(4, "T1"), (4, "T2")]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[BrokerTrade], list[tuple[int, int | None]]]:
    """An order's trades and the reports that reach us: (trades reported, trades listed by
    the tradebook read with it, or None when the read failed), in any order."""
    n = draw(st.integers(1, 5))
    trades = [
        trade(i + 1, draw(st.integers(1, 50)), str(Decimal(draw(st.integers(9000, 11000))) / 4))
        for i in range(n)
    ]
    step = st.tuples(st.integers(0, n), st.none() | st.integers(0, n))
    return trades, draw(st.lists(step, max_size=12))


@settings(max_examples=300, deadline=None)
@given(histories())
def test_booked_quantity_is_always_the_brokers_and_no_trade_is_booked_twice(
    history: tuple[list[BrokerTrade], list[tuple[int, int | None]]],
):
    trades, steps = history
    ordered = sum(t.quantity for t in trades)
    book = Booked(ordered)
    seen = 0
    for reported, listed in [*steps, (len(trades), len(trades))]:
        shown = trades[:listed] if listed is not None else None
        book.apply(trades[:reported], shown)
        seen = max(
            seen,
            sum(t.quantity for t in trades[:reported]),
            sum(t.quantity for t in shown or ()),
        )
        assert book.quantity == seen
        named = [r.trade_id for r in book.rows if r.trade_id is not None]
        assert len(named) == len(set(named))
        for row in book.rows:
            assert row.quantity > 0
            if row.trade_id is not None:
                [source] = [t for t in trades if t.trade_id == row.trade_id]
                assert (row.price, row.at) == (source.price, source.at)
    exact = sum((t.price * t.quantity for t in trades), Decimal(0))
    assert book.quantity == ordered
    # Exact unless a fallback price had to be rounded (to 0.0001 per unit).
    assert abs(book.value - exact) <= Decimal("0.0001") * ordered
    if all(listed is not None and listed >= reported for reported, listed in steps):
        assert [(r.quantity, r.price, r.trade_id) for r in book.rows] == [
            (t.quantity, t.price, t.trade_id) for t in trades
        ]


def test_a_tradebook_row_in_kites_shape_and_what_is_unusable():
    row = {
        "trade_id": "10000003",
        "order_id": "250000000000001",
        "quantity": 4,
        "average_price": 1489.5,
        "exchange_timestamp": "2026-11-20 10:00:05",
        "fill_timestamp": "2026-11-20 10:00:04",
    }

    assert broker_trade(row) == BrokerTrade("10000003", "250000000000001", 4, Decimal("1489.5"), T0)
    assert broker_trade(row | {"exchange_timestamp": None}) == BrokerTrade(
        "10000003", "250000000000001", 4, Decimal("1489.5"), T0 - timedelta(seconds=1)
    )
    for bad in (
        {"trade_id": ""},
        {"quantity": "abc"},
        {"quantity": 1.5},
        {"quantity": 0},
        {"average_price": "NaN"},
        {"average_price": 0},
        {"average_price": "1e40"},  # more digits than any price has
        {"order_id": None},
    ):
        assert broker_trade(row | bad) is None, bad


def test_exchange_times_in_each_brokers_form_are_aware():
    assert exchange_time("2026-11-20 10:00:05") == T0
    assert exchange_time("20-11-2026 10:00:05") == T0
    assert exchange_time("20-Nov-2026 10:00:05") == T0
    assert exchange_time("2026-11-20T04:30:05Z") == T0
    assert exchange_time(datetime(2026, 11, 20, 4, 30, 5, tzinfo=UTC)) == T0
    assert [exchange_time(v) for v in ("", "10:00:05", None, 5)] == [None, None, None, None]


def test_a_tradebook_is_read_once_and_a_failed_read_is_unavailable():
    reads: list[int] = []

    def read() -> list[dict[str, object]]:
        reads.append(1)
        return [
            {"trade_id": "2", "order_id": "A", "quantity": 1, "average_price": 10},
            {"trade_id": "1", "order_id": "A", "quantity": 2, "average_price": 11},
            {"trade_id": "1", "order_id": "A", "quantity": 2, "average_price": 11},  # repeated
            {"trade_id": "x", "order_id": "B", "quantity": "?", "average_price": 1},
        ]

    def fail() -> list[dict[str, object]]:
        raise RuntimeError("no answer")

    book = Tradebook(read)
    assert [t.trade_id for t in book.for_order("A") or []] == ["1", "2"]  # by id: no times
    assert book.for_order("B") == []
    assert reads == [1]
    assert Tradebook(fail).for_order("A") is None
    assert Tradebook(None).for_order("A") is None

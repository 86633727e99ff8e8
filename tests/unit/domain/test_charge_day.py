"""The incremental contract note equals the whole-day computation, fill by fill."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.charge_day import ChargeDay
from tradertape.domain.charge_notes import charges_note
from tradertape.domain.charge_rates import SCHEDULES
from tradertape.domain.charges import Exchange, Fill, Segment, Side, compute_charges

fills = st.builds(
    Fill,
    order_id=st.sampled_from(["o1", "o2", "o3", "o4"]),
    segment=st.sampled_from(list(Segment)),
    side=st.sampled_from(list(Side)),
    quantity=st.integers(min_value=1, max_value=5000),
    price=st.integers(min_value=1, max_value=400_000).map(lambda n: Decimal(n) / 20),
    exchange=st.sampled_from(list(Exchange)),
    instrument=st.sampled_from(["INE009A01021", "INE002A01018", "INE467B01029"]),
)
days = st.sampled_from([date(2020, 8, 3), date(2023, 6, 1), date(2024, 10, 1), date(2026, 11, 20)])


@given(day=days, sequence=st.lists(fills, max_size=30))
def test_running_total_equals_compute_charges_after_every_fill(day, sequence):
    # an order keeps one segment, side, exchange and instrument, as real orders do
    terms_of: dict[str, tuple[Segment, Side, Exchange, str]] = {}
    consistent = [
        f
        for f in sequence
        if terms_of.setdefault(f.order_id, (f.segment, f.side, f.exchange, f.instrument))
        == (f.segment, f.side, f.exchange, f.instrument)
    ]
    running = ChargeDay(day)
    traded: dict[str, Decimal] = defaultdict(Decimal)
    for n, fill in enumerate(consistent, start=1):
        running = running.with_fill(fill, order_value_before=traded[fill.order_id])
        traded[fill.order_id] += fill.value
        assert running.total == compute_charges(consistent[:n], day).total


def test_a_fill_keeps_every_field_it_does_not_price():
    """`ChargeDay.with_fill` names the next day's fields one by one (no
    `dataclasses.replace`): a field added to the class must be carried there too."""
    kept = {"dp_sold", "delivery", "flow_parts", "women_first_holder", "schedules"}
    priced = {"trade_date", "brokerage", "exchange_txn", "ipft", "sebi", "stamp", "stt_raw"}
    assert {f.name for f in fields(ChargeDay) if f.init} == kept | priced
    day = ChargeDay(
        date(2026, 11, 20),
        dp_sold={"INE009A01021": Decimal(5)},
        women_first_holder=True,
        schedules=SCHEDULES[-1:],
    )
    fill = Fill("b", Segment.EQUITY_INTRADAY, Side.BUY, 100, Decimal(1400))
    after = day.with_fill(fill, order_value_before=Decimal(0))
    for name in kept:
        assert getattr(after, name) is getattr(day, name), name


def test_worked_example_intraday_round_trip():
    day = date(2026, 11, 20)
    buy = Fill("b", Segment.EQUITY_INTRADAY, Side.BUY, 100, Decimal(1400))
    sell = Fill("s", Segment.EQUITY_INTRADAY, Side.SELL, 100, Decimal(1410))
    note = ChargeDay(day).with_fill(buy, order_value_before=Decimal(0))
    note = note.with_fill(sell, order_value_before=Decimal(0))
    assert note.total == Decimal("96.91")


@given(day=days, sequence=st.lists(fills, max_size=30))
def test_a_fill_charged_less_than_nothing_says_why(day, sequence):
    """A fill's charges are the difference it makes to the day's note, which can be a
    refund (a sale that makes the morning's delivery buy intraday gives back its delivery
    STT and DP charge). Such a row must say so: no negative charge without its note."""
    terms_of: dict[str, tuple[Segment, Side, Exchange, str]] = {}
    traded: dict[str, Decimal] = defaultdict(Decimal)
    running = ChargeDay(day)
    for fill in sequence:
        terms = (fill.segment, fill.side, fill.exchange, fill.instrument)
        if terms_of.setdefault(fill.order_id, terms) != terms:
            continue
        before = running
        running = running.with_fill(fill, order_value_before=traded[fill.order_id])
        traded[fill.order_id] += fill.value
        if running.total < before.total:
            assert charges_note(before, running, fill, "INFY") is not None

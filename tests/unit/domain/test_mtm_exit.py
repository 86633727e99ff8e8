"""`domain.mtm_exit`: when a day's MTM exits a scope, and how far each threshold is."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.mtm_exit import MtmTerms, Trip, peak_of, read

RUPEES = st.integers(min_value=-50_000, max_value=50_000).map(Decimal)
AMOUNT = st.none() | st.integers(min_value=1, max_value=20_000).map(Decimal)


@given(
    loss=AMOUNT,
    target=AMOUNT,
    trail=AMOUNT,
    path=st.lists(RUPEES, min_size=1, max_size=30),
)
def test_a_trip_is_exactly_a_threshold_crossed(
    loss: Decimal | None, target: Decimal | None, trail: Decimal | None, path: list[Decimal]
):
    terms = MtmTerms(loss=loss, target=target, trail=trail if target is not None else None)
    peak: Decimal | None = None
    for seen, mtm in enumerate(path, start=1):
        peak = peak_of(peak, mtm)
        assert peak == max(path[:seen])
        r = read(terms, mtm=mtm, peak=peak)
        lost = loss is not None and mtm <= -loss
        armed = terms.trail is not None and target is not None and peak >= target
        fell = armed and terms.trail is not None and mtm <= peak - terms.trail
        hit = terms.trail is None and target is not None and mtm >= target
        assert (r.trip is not None) == (lost or fell or hit)
        if r.trip is Trip.LOSS:
            assert r.to_stop is not None
            assert r.to_stop <= 0
        if r.to_stop is not None and r.to_stop > 0:
            assert r.trip is not Trip.LOSS
        if r.to_trail is not None:
            assert (r.to_trail <= 0) == fell
            assert r.to_target is None  # armed: the target is behind it


def test_the_trail_lets_a_good_day_run_and_keeps_most_of_it():
    terms = MtmTerms(loss=Decimal(3000), target=Decimal(1000), trail=Decimal(500))
    peak = None
    trips = []
    for mtm in map(Decimal, (400, 1000, 2600, 2200, 2100)):
        peak = peak_of(peak, mtm)
        trips.append(read(terms, mtm=mtm, peak=peak).trip)
    assert trips == [None, None, None, None, Trip.TRAIL]
    assert read(MtmTerms(target=Decimal(1000)), mtm=Decimal(1000), peak=Decimal(1000)).trip is (
        Trip.TARGET
    )

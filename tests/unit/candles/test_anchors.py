"""Anchored levels: every synthetic path closes at its reference close on the anchor day,
with the model's returns untouched, and the derived indices land on their real levels."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.candles.anchors import ANCHOR_DAY, parse_reference_closes, reference_close
from tradertape.candles.synthetic import SyntheticDays, SyntheticMarket
from tradertape.candles.synthetic_indices import derive_indices
from tradertape.domain.instruments import InstrumentCatalog


class Unanchored(SyntheticMarket):
    """The same market with no reference closes: the model's own levels."""

    def reference(self, key: str) -> float | None:
        return None


def test_the_shipped_file_covers_every_equity_and_the_main_indices(catalog: InstrumentCatalog):
    for instrument in catalog.universe("nifty_500"):
        assert reference_close(instrument.key, catalog) is not None
    assert parse_reference_closes("# a comment\nkey,close\nNSE:X,12.5\n") == {"NSE:X": 12.5}


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_paths_close_at_the_reference_on_the_anchor_day(market: SyntheticMarket, seed: int):
    # INFY printed ₹183 and AXISBANK ₹111.92 in the demo (issue 15).
    keys = ["NSE:INFY", "NSE:AXISBANK", "NSE:MRF", "NSE:IDEA"]
    days = SyntheticMarket(market.catalog, market.calendar, seed=seed).generate(
        keys, date(2025, 11, 17), ANCHOR_DAY
    )
    closes = dict(zip(keys, days.close[-1].tolist(), strict=True))
    assert closes == {
        "NSE:INFY": 1550.0,
        "NSE:AXISBANK": 1270.0,
        "NSE:MRF": 155_000.0,
        "NSE:IDEA": 10.0,
    }


def test_anchoring_only_rescales_the_path(market: SyntheticMarket):
    keys = ["NSE:INFY", "NSE:MRF", "NSE:YESBANK"]
    start, end = date(2018, 1, 1), date(2026, 6, 30)
    anchored = market.generate(keys, start, end)
    raw = Unanchored(market.catalog, market.calendar, seed=market.seed).generate(keys, start, end)
    row = int(np.flatnonzero(anchored.days == np.datetime64(ANCHOR_DAY))[0])
    assert anchored.close[row].tolist() == [1550.0, 155_000.0, 22.0]
    ratio = anchored.close / raw.close
    factor = ratio[row]
    assert not np.allclose(factor, 1.0)

    # One factor per stock, up to the rounding of each price to its tick (half a tick each,
    # on the day compared and on the anchor day the factor is read from).
    def rounding(days: SyntheticDays) -> np.ndarray:
        return days.tick / days.close / 2

    slack = rounding(anchored) + rounding(raw) + rounding(anchored)[row] + rounding(raw)[row]
    assert (np.abs(ratio / factor - 1) <= slack * 1.000001).all()
    assert np.array_equal(anchored.days, raw.days)


def test_indices_land_on_their_levels(market: SyntheticMarket, catalog: InstrumentCatalog):
    # NIFTY 50 read 14,639 in the history while its ticks said 29,294 (issue 15).
    members = [i.key for i in catalog.universe("nifty_500")]
    history = market.generate(members, date(2025, 11, 20), ANCHOR_DAY)
    indices = derive_indices(history, catalog)
    levels = {key: float(bars.close[-1]) for key, bars in indices.items()}
    assert levels["NSE:NIFTY 50"] == pytest.approx(26_000, rel=2e-4)
    assert levels["NSE:NIFTY BANK"] == pytest.approx(59_000, rel=2e-4)
    assert levels["BSE:SENSEX"] == pytest.approx(85_000, rel=2e-4)
    assert levels["NSE:NIFTY MIDCAP 100"] == pytest.approx(60_500, rel=2e-4)

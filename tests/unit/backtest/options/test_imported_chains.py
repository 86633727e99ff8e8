"""`ImportedChains`: imported F&O bhavcopies (the real importer, into a temp data folder) as
the options engine's chains, in both NSE layouts; and the worked straddle on them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.fo_bhavcopy_files import chain, write_legacy, write_udiff
from tests.unit.backtest.options.test_worked_straddle import (
    DAYS,
    EXPIRY,
    STRADDLE,
    chains,
    write_bhavcopies,
)
from tradertape.backtest.options.chain import ChainSource
from tradertape.backtest.options.engine import NoData, OptionsBacktester
from tradertape.backtest.options.imported import ImportedChains
from tradertape.backtest.options.results import summarize
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.candles.fo_bhavcopy import files_in
from tradertape.candles.fo_import import import_fo_bhavcopies
from tradertape.candles.fo_store import FoStore


def _imported(data_dir: Path, folder: Path) -> ImportedChains:
    store = FoStore.in_data_folder(data_dir)
    import_fo_bhavcopies(store, files_in([folder]))
    return ImportedChains(store)


@pytest.fixture
def worked(tmp_path: Path) -> ImportedChains:
    return _imported(tmp_path / "data", write_bhavcopies(tmp_path / "bhav"))


def test_the_worked_straddle_on_imported_udiff_files_nets_the_same_to_the_paisa(
    worked: ImportedChains,
):
    assert isinstance(worked, ChainSource)
    strategy = OptionStrategy.model_validate(STRADDLE)
    start, end = date(2026, 3, 30), EXPIRY
    got = summarize(OptionsBacktester(strategy, worked).run(start, end))
    want = summarize(OptionsBacktester(strategy, chains()).run(start, end))
    assert got.net == want.net == Decimal("18211.19")
    assert (got.gross, got.charges) == (Decimal("18395.00"), Decimal("183.81"))
    assert got.trades == want.trades
    settled = [t for t in got.trades if t.reason == "settlement"]
    # the 22300 PE settles on the file's underlying price of the expiry day, 22,260
    assert [(t.strike, t.option_type, t.exit_price) for t in settled] == [
        (Decimal("22500.00"), "CE", Decimal(0)),
        (Decimal("22300.00"), "PE", Decimal("40.00")),
    ]


def test_a_udiff_day_reads_as_the_protocol_says(worked: ImportedChains):
    day = date(2026, 4, 1)
    got = worked.day_chain("NIFTY", day)
    futures = got.option_type == "XX"
    assert futures.sum() == 2
    assert set(got.instrument[futures]) == {"FUTIDX"}
    assert set(got.instrument[~futures]) == {"OPTIDX"}
    assert (got.strike[futures] == 0).all()
    assert got.expiry.dtype == np.dtype("datetime64[D]")
    assert got.spot() == 22320.0
    assert (got.underlying_close == 22320.0).all()
    assert (got.lot_size == 65).all()
    assert got.lot_size.dtype == np.int64
    row = got.row(EXPIRY, 22500.0, "PE")
    assert row is not None
    assert (got.open[row], got.high[row], got.low[row], got.close[row]) == (240, 290, 230, 280)
    assert got.settle[row] == 280
    assert got.open_interest[row] == 650_000
    # the futures' expiries are not option expiries
    assert worked.expiries("NIFTY", day) == [EXPIRY]
    assert worked.trading_days("NIFTY", date(2026, 3, 1), date(2026, 4, 30)) == sorted(DAYS)
    assert len(worked.day_chain("NIFTY", date(2026, 3, 31))) == 0  # a holiday: empty


def test_a_legacy_day_takes_its_lot_from_its_futures_and_its_close_from_the_nearest_settle(
    tmp_path: Path,
):
    folder = tmp_path / "bhav"
    folder.mkdir()
    before, expiry = date(2011, 7, 27), date(2011, 7, 28)
    write_legacy(
        folder, before, chain(before, "NIFTY", 5500.0, expiries=[expiry, date(2011, 8, 25)])
    )
    write_legacy(
        folder, expiry, chain(expiry, "NIFTY", 5480.0, expiries=[expiry, date(2011, 8, 25)])
    )
    source = _imported(tmp_path / "data", folder)
    day = source.day_chain("NIFTY", before)
    futures = day.option_type == "XX"
    near = futures & (day.expiry == np.datetime64(expiry))
    assert day.spot() == day.settle[near][0] != 5500.0  # the near future's settle (its basis)
    assert (day.lot_size == 75).all()  # each expiry's future traded 2,000 lots of 75
    assert (day.strike[futures] == 0).all()
    assert not np.isnan(day.close).any()
    # on the expiry day the expiring future settles at the index's close
    assert source.day_chain("NIFTY", expiry).spot() == 5480.0


def test_a_legacy_day_whose_futures_did_not_trade_has_no_lot_and_is_refused(tmp_path: Path):
    folder = tmp_path / "bhav"
    folder.mkdir()
    before, expiry = date(2011, 7, 27), date(2011, 7, 28)
    for day, spot in ((before, 5500.0), (expiry, 5480.0)):
        rows = chain(day, "NIFTY", spot, expiries=[expiry, date(2011, 8, 25)])
        write_legacy(folder, day, [replace(r, volume=0) if r.future else r for r in rows])
    source = _imported(tmp_path / "data", folder)
    assert (source.day_chain("NIFTY", before).lot_size == 0).all()
    # no lot size: the engine refuses to open a leg rather than book zero units
    strategy = OptionStrategy.model_validate(STRADDLE)
    with pytest.raises(NoData, match=r"NIFTY chain of 2011-07-28 gives no lot size"):
        OptionsBacktester(strategy, source).run(before, expiry)


def test_a_udiff_day_beside_a_legacy_one_keeps_its_own_figures(tmp_path: Path):
    folder = tmp_path / "bhav"
    folder.mkdir()
    day = date(2024, 7, 9)
    write_udiff(
        folder, day, chain(day, "NIFTY", 24000.0, expiries=[date(2024, 7, 11)], lot_size=25)
    )
    source = _imported(tmp_path / "data", folder)
    got = source.day_chain("NIFTY", day)
    assert got.spot() == 24000.0
    assert (got.lot_size == 25).all()

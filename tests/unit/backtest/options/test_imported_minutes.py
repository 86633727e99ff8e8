"""Minute-resolution options backtests on imported minute candles, worked by hand.

Monday 30 March 2026: the day's chain is the worked straddle's bhavcopy
(`test_worked_straddle`: the 7 April weekly, lot 65), which chooses the strikes; the prices
are the minute candles imported in Kite's historical CSV shape, named by their symbols.

* The index opens its 09:20 minute at 22,480: the ATM strike is 22,500.
* Sell 22500 CE (``NIFTY2640722500CE``) at 09:20's open, 200.00, and 22500 PE at 190.00;
  stop-loss 30 % on each: 260.00 and 247.00.
* The put's 12:00 minute trades 238-255 (open 240): its stop fills at 247.00.
* The call trades at 100.00 from 11:00; the exit time, 15:15, buys it back at that open.

Gross: (200 − 100) × 65 = 6,500.00 and (190 − 247) × 65 = −3,705.00: 2,795.00.
Charges (one note; STT 0.1 % on option sells until 31 March 2026): sells 13,000 + 12,350 =
25,350, buys 6,500 + 16,055 = 22,555, turnover 47,905. Brokerage 4 × 20 = 80; STT 25.35 → 25;
exchange 0.03503 % = 16.7811215; IPFT 0.0005 % = 0.239525; SEBI 0.0001 % = 0.047905; stamp
0.003 % of buys = 0.67665; GST 18 % × 97.0685515 = 17.47233927; total 140.21754077 → 140.22.
Net 2,795.00 − 140.22 = 2,654.78.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit.backtest.options.test_worked_straddle import write_bhavcopies
from tradertape.candles.fo_bhavcopy import files_in
from tradertape.candles.fo_import import import_fo_bhavcopies
from tradertape.candles.fo_minutes import FoMinuteStore, contract_of, import_minute_file
from tradertape.candles.fo_store import FoStore
from tradertape.domain.calendar import IST
from tradertape.errors import InvalidField
from tradertape.services.research.options_backtests import run_options, strategy_from

DAY = date(2026, 3, 30)
EXPIRY = date(2026, 4, 7)

MINUTE_STRADDLE = {
    "name": "intraday straddle on minutes",
    "underlying": "NIFTY",
    "resolution": "minute",
    "hold": "intraday",
    "entry": {"time": "09:20"},
    "exit": {"time": "15:15"},
    "legs": [
        {
            "option_type": kind,
            "side": "sell",
            "expiry": {"kind": "weekly", "nth": 0},
            "strike": {"type": "atm", "offset": 0},
            "stop_loss": {"unit": "pct", "value": 30},
        }
        for kind in ("CE", "PE")
    ],
}


def _csv(folder: Path, name: str, bar) -> Path:  # noqa: ANN001 - minute → (o, h, l, c)
    """A day of minute candles as Kite's historical CSV (times with +0530)."""
    lines = ["date,open,high,low,close,volume"]
    start = datetime(DAY.year, DAY.month, DAY.day, 9, 15, tzinfo=IST)
    for minute in range(375):
        at = (start + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S+0530")
        o, h, lo, c = bar(minute)
        lines.append(f"{at},{o},{h},{lo},{c},1000")
    path = folder / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _at(hh: int, mm: int) -> int:
    return (hh - 9) * 60 + mm - 15


def _index(minute: int) -> tuple[float, float, float, float]:
    return (22480.0,) * 4 if minute == _at(9, 20) else (22440.0,) * 4


def _call(minute: int) -> tuple[float, float, float, float]:
    return (200.0,) * 4 if minute < _at(11, 0) else (100.0,) * 4


def _put(minute: int) -> tuple[float, float, float, float]:
    if minute < _at(12, 0):
        return (190.0,) * 4
    return (240.0, 255.0, 238.0, 250.0) if minute == _at(12, 0) else (250.0,) * 4


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    chains = FoStore.in_data_folder(folder)
    import_fo_bhavcopies(chains, files_in([write_bhavcopies(tmp_path / "bhav")]))
    minutes = FoMinuteStore.in_data_folder(folder)
    files = tmp_path / "minutes"
    files.mkdir()
    for name, bar in (
        ("NIFTY 50", _index), ("NIFTY2640722500CE", _call), ("NIFTY2640722500PE", _put)
    ):  # fmt: skip
        import_minute_file(minutes, chains, _csv(files, name, bar))
    return folder


def test_a_minute_straddle_on_imported_minutes_nets_the_hand_figure(data_dir: Path):
    strategy = strategy_from(MINUTE_STRADDLE)
    run = run_options(strategy, DAY, DAY, data="import", data_dir=data_dir).results
    trades = sorted(
        (t.option_type, t.strike, t.entry_price, t.exit_price, t.reason) for t in run.trades
    )
    assert trades == [
        ("CE", Decimal(22500), Decimal(200), Decimal(100), "time"),
        ("PE", Decimal(22500), Decimal(190), Decimal(247), "stop_loss"),
    ]
    assert (run.gross, run.charges, run.net) == (
        Decimal("2795.00"), Decimal("140.22"), Decimal("2654.78"),
    )  # fmt: skip


def test_a_contract_imported_again_replaces_its_day_only(data_dir: Path, tmp_path: Path):
    minutes = FoMinuteStore.in_data_folder(data_dir)
    chains = FoStore.in_data_folder(data_dir)
    again = tmp_path / "again"
    again.mkdir()
    done = import_minute_file(minutes, chains, _csv(again, "NIFTY2640722500CE", lambda _: (1,) * 4))
    assert (done.days, done.bars, done.outside_session) == ((DAY,), 375, 0)
    table = minutes.day("NIFTY", DAY)
    assert table is not None
    assert table.num_rows == 3 * 375
    call = minutes.bars(contract_of("NIFTY2640722500CE"), DAY)
    assert call is not None
    assert set(call.column("close").to_pylist()) == {1.0}


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("NIFTY 50", ("NIFTY", "IDX", None, 0.0)),
        ("NIFTY", ("NIFTY", "IDX", None, 0.0)),
        ("NIFTY2640722500CE", ("NIFTY", "CE", EXPIRY, 22500.0)),
        # monthlies: NSE's last Thursday until August 2025, its last Tuesday after
        ("NIFTY24DEC24000PE", ("NIFTY", "PE", date(2024, 12, 26), 24000.0)),
        ("NIFTY26APRFUT", ("NIFTY", "FUT", date(2026, 4, 28), 0.0)),
        ("BANKNIFTY24DECFUT", ("BANKNIFTY", "FUT", date(2024, 12, 26), 0.0)),
    ],
)
def test_a_file_is_named_by_its_contract(symbol: str, expected: tuple[object, ...]):
    found = contract_of(symbol)
    assert (found.underlying, found.kind, found.expiry, found.strike) == expected


def test_a_monthly_takes_its_day_from_the_imported_bhavcopy():
    # a holiday moved it: the bhavcopy lists the 23rd, the rule would say the 24th
    found = contract_of("NIFTY26NOV25000CE", [date(2026, 11, 17), date(2026, 11, 23)])
    assert found.expiry == date(2026, 11, 23)


def test_a_name_that_is_no_contract_is_refused():
    with pytest.raises(InvalidField, match="symbol"):
        contract_of("INFY")


def test_a_minute_run_without_the_index_minutes_is_refused(data_dir: Path):
    strategy = strategy_from(MINUTE_STRADDLE)
    with pytest.raises(InvalidField, match="no imported NIFTY minute candles on 2026-04-01"):
        run_options(strategy, DAY, date(2026, 4, 1), data="import", data_dir=data_dir)

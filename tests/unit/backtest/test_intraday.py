"""Intraday (MIS) backtests on minute candles: the broker's square-off, intraday charges by
trade date, and the sessions from the calendar (docs/backtester.md, "Intraday runs")."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.unit.backtest.test_costs import DAYS
from tradertape.backtest import kernel
from tradertape.backtest.costs import rate_table
from tradertape.backtest.engine import BacktestSettings, IntradayTrade, run_backtest
from tradertape.backtest.request import BacktestRequest
from tradertape.candles import CandleStore
from tradertape.candles.bars import Bars, CandleSource
from tradertape.candles.panel import Panel, session_bars
from tradertape.domain.calendar import IST
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.charges import Fill, Segment, Side, compute_charges
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField
from tradertape.services.research import simulation
from tradertape.services.research.simulation import simulate, trade_rows

from .dsl import cmp, doc, ind, num, rule

KEY = "NSE:INFY"
DAY_1, DAY_2 = date(2025, 3, 3), date(2025, 3, 4)  # a Monday and a Tuesday, both sessions
IST_OFFSET = np.timedelta64(330, "m")


def _utc(day: date, hhmm: str) -> np.datetime64:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return np.datetime64(day, "m") + np.timedelta64(hours * 60 + minutes, "m") - IST_OFFSET


def _minutes(day: date, bars: dict[str, tuple[float, float]], base: float = 990.0) -> Bars:
    """A session of 1-minute candles at ``base``, except the 5-minute buckets in ``bars``
    (start "HH:MM": (open, close)): their first minute opens at ``open``, every minute of
    them closes at ``close``. Plus a pre-open print at 09:10 and a post-close one at 15:35
    at 2,000, outside the session: they must be dropped."""
    times, opens, closes = [_utc(day, "09:10")], [2000.0], [2000.0]
    price = base
    for minute in range(9 * 60 + 15, 15 * 60 + 30):
        hhmm = f"{minute // 60:02d}:{minute % 60:02d}"
        bucket = minute - (minute - (9 * 60 + 15)) % 5
        key = f"{bucket // 60:02d}:{bucket % 60:02d}"
        if key in bars:
            first, last = bars[key]
            opens.append(first if minute == bucket else last)
            closes.append(last)
            price = last
        else:
            opens.append(price if minute != bucket else base)
            closes.append(base)
            price = base
        times.append(_utc(day, hhmm))
    times.append(_utc(day, "15:35"))
    opens.append(2000.0)
    closes.append(2000.0)
    o, c = np.array(opens), np.array(closes)
    return Bars.from_arrays(
        Interval.MINUTE,
        time=np.array(times, dtype="datetime64[s]"),
        open=o,
        high=np.maximum(o, c),
        low=np.minimum(o, c),
        close=c,
        volume=np.full(o.size, 100.0),
    )


def _store(root: Path) -> CandleStore:
    store = CandleStore(root, catalog=reference_catalog())
    day_1 = _minutes(
        DAY_1,
        {
            "09:30": (990.0, 1005.0),  # close > 1000: the entry signal
            "09:35": (1006.0, 1004.0),  # filled at this open
            "09:40": (1004.0, 1003.0),
            "09:45": (1003.0, 1003.0),
            "09:50": (1003.0, 1003.0),
            "09:55": (1003.0, 1003.0),
            "10:00": (1003.0, 995.0),  # close < 1000: the exit rule
            "10:05": (994.0, 990.0),  # filled at this open
        },
    )
    held = {f"{m // 60:02d}:{m % 60:02d}": (1012.0, 1012.0) for m in range(845, 915, 5)}
    day_2 = _minutes(
        DAY_2,
        {
            "14:00": (990.0, 1010.0),  # the entry signal
            **held,
            "14:05": (1011.0, 1012.0),  # filled at this open
            "15:15": (1012.0, 1015.0),  # ends at 15:20: the square-off bar, at its close
            "15:20": (1015.0, 1020.0),  # signals after the square-off: no entry
            "15:25": (1020.0, 1020.0),
        },
    )
    for bars in (day_1, day_2):
        store.write(KEY, Interval.MINUTE, bars, source=CandleSource.IMPORT)
    return store


STRATEGY = doc(
    entry=cmp(ind("close"), ">", num(1000)),
    exits=[rule("below_1000", cmp(ind("close"), "<", num(1000)))],
)


def _request(**extra: object) -> BacktestRequest:
    fields: dict[str, object] = {
        "strategy": STRATEGY.model_dump(mode="json"),
        "universe": ["INFY"],
        "start_date": DAY_1.isoformat(),
        "end_date": DAY_2.isoformat(),
        "starting_capital": 1_000_000,
        "position_size_pct": 5,
        "slippage_bps": 0,
        "interval": "5minute",
        **extra,
    }
    return BacktestRequest.model_validate(fields)


def test_hand_worked_mis_run(tmp_path: Path):
    """₹10,00,000, 5 % a position, 5-minute bars of INFY, fills at the next bar's open, no
    slippage; enter when the close is above ₹1,000, exit by rule when it is below.

    Day 1 (2025-03-03). The 09:30 bar closes at 1,005: buy floor(50,000 / 1,005) = 49 at
    the 09:35 open, 1,006: ₹49,294. Intraday charges (Zerodha, from 2024-10-01):
      brokerage min(0.03 % = 14.7882, ₹20) = 14.7882; STT 0 on a buy; exchange 0.00297 %
      = 1.4640318; IPFT 0.0001 % = 0.049294; SEBI 0.0001 % = 0.049294; stamp 0.003 % =
      1.47882; GST 18 % of (14.7882 + 1.4640318 + 0.049294 + 0.049294) = 2.943147564;
      total 20.773...: ₹20.77.
    The 10:00 bar closes at 995: sell 49 at the 10:05 open, 994: ₹48,706. Brokerage
      14.6118; STT 0.025 % = 12.1765 → ₹12 (whole rupees); exchange 1.4465682; IPFT
      0.048706; SEBI 0.048706; no stamp, no DP; GST 2.908040436; total ₹31.06.
      P&L (994 − 1,006) × 49 − 20.77 − 31.06 = −639.83; cash ₹9,99,360.17.
    The pre-open print at 09:10 (2,000) is outside the session: no bar, no signal.
    Day 2 (2025-03-04). The 14:00 bar closes at 1,010: buy floor(5 % × 9,99,360.17 / 1,010)
      = 49 at the 14:05 open, 1,011: ₹49,539; charges 14.8617 + 1.4713083 + 0.049539 ×
      2 + stamp 1.48617 + GST 2.957775534 = ₹20.88.
    The 15:15 bar ends at 15:20, the square-off: sold at its close, 1,015: ₹49,735;
      charges 14.9205 + STT ₹12 (12.43375) + 1.4771295 + 0.049735 × 2 + GST 2.96947791
      = ₹31.47. P&L 4 × 49 − 20.88 − 31.47 = 143.65.
    The 15:20 bar closes at 1,020 (a signal), after the square-off: no entry.
    Final equity 10,00,000 − 639.83 + 143.65 = ₹9,99,503.82; charges ₹104.18.
    """
    result = simulate(_store(tmp_path), STRATEGY, _request())
    trades = result.trades
    assert [(t.exit_reason, t.quantity) for t in trades] == [("below_1000", 49), ("square_off", 49)]
    first, second = trades
    assert (first.entry_price, first.exit_price) == (1006.0, 994.0)
    assert (second.entry_price, second.exit_price) == (1011.0, 1015.0)
    assert [round(t.charges, 2) for t in trades] == [51.83, 52.35]  # 20.77 + 31.06, 20.88 + 31.47
    assert [round(t.pnl, 2) for t in trades] == [-639.83, 143.65]
    assert isinstance(first, IntradayTrade)
    assert isinstance(second, IntradayTrade)
    assert first.entry_time == datetime(2025, 3, 3, 9, 35, tzinfo=IST)
    assert first.exit_time == datetime(2025, 3, 3, 10, 5, tzinfo=IST)
    assert second.entry_time == datetime(2025, 3, 4, 14, 5, tzinfo=IST)
    assert second.exit_time == datetime(2025, 3, 4, 15, 15, tzinfo=IST)
    assert [t.bars_held for t in trades] == [6, 14]
    assert (first.entry_date, second.exit_date) == (DAY_1, DAY_2)
    # the curve by session: each day's last bar, and the most positions held in it
    assert result.days.tolist() == [DAY_1, DAY_2]
    assert [round(v, 2) for v in result.equity.tolist()] == [999_360.17, 999_503.82]
    assert result.positions.tolist() == [1, 1]
    assert round(result.summary["final_equity"], 2) == 999_503.82
    assert round(result.summary["total_charges"], 2) == 104.18
    rows = trade_rows(result)
    assert (rows[1]["entry_time"], rows[1]["exit_time"]) == (
        "2025-03-04T14:05:00+05:30",
        "2025-03-04T15:15:00+05:30",
    )
    assert rows[1]["exit_reason"] == "square_off"


def test_the_same_strategy_on_cnc_holds_overnight(tmp_path: Path):
    """The day-2 entry as CNC is not squared off: it is still open at the end."""
    result = simulate(_store(tmp_path), STRATEGY, _request(product="CNC"))
    assert [t.exit_reason for t in result.trades] == ["below_1000", "end_of_data"]


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        # ₹1,00,000 MIS on 2026-04-01: brokerage ₹20 (0.03 % is ₹30: capped), exchange ₹2.97,
        # IPFT ₹0.10, SEBI ₹0.10, GST 18 % of ₹23.17 = ₹4.1706; buy: stamp ₹3 → ₹30.34;
        # sell: STT 0.025 % = ₹25 → ₹52.34
        pytest.param(Side.BUY, Decimal("30.34"), id="buy"),
        pytest.param(Side.SELL, Decimal("52.34"), id="sell"),
    ],
)
def test_intraday_charges_worked_example(side: Side, expected: Decimal):
    day = date(2026, 4, 1)
    fill = Fill("o1", Segment.EQUITY_INTRADAY, side, 100, Decimal("1000"))
    assert compute_charges([fill], day).total == expected
    rates = rate_table(np.array([day], dtype="datetime64[D]"), Segment.EQUITY_INTRADAY)
    got = kernel._fill_charges(100_000.0, side is Side.BUY, 0, kernel.ZERODHA, 0.0, rates)
    assert got == float(expected)


INTRADAY_RATES = rate_table(DAYS, Segment.EQUITY_INTRADAY)


@settings(max_examples=300, deadline=None)
@given(
    t=st.integers(min_value=0, max_value=len(DAYS) - 1),
    buy=st.booleans(),
    quantity=st.integers(min_value=1, max_value=200_000),
    ticks=st.integers(min_value=1, max_value=2_000_000),  # price in 5-paise ticks
)
def test_intraday_charges_equal_compute_charges(t: int, buy: bool, quantity: int, ticks: int):
    """Below and above the ₹20 brokerage cap, every schedule: the kernel's integers equal
    the contract note's Decimals to the paisa."""
    price = Decimal(ticks * 5) / 100
    side = Side.BUY if buy else Side.SELL
    fill = Fill("o1", Segment.EQUITY_INTRADAY, side, quantity, price)
    expected = compute_charges([fill], DAYS[t].astype(object)).total
    value = quantity * float(price)
    got = kernel._fill_charges(value, buy, t, kernel.ZERODHA, 0.0, INTRADAY_RATES)
    assert Decimal(str(round(got, 2))) == expected


def test_mis_needs_an_intraday_interval():
    with pytest.raises(ValidationError) as caught:
        _request(interval="day", product="MIS")
    assert caught.value.errors()[0]["loc"] == ("product",)


def test_no_minute_candles_is_refused_naming_symbols_and_range(tmp_path: Path):
    store = CandleStore(tmp_path, catalog=reference_catalog())
    with pytest.raises(InvalidField) as caught:
        simulate(store, STRATEGY, _request(universe=["INFY", "TCS"]))
    assert caught.value.field == "universe"
    assert "NSE:INFY, NSE:TCS" in str(caught.value)
    assert "2025-03-03 and 2025-03-04" in str(caught.value)


def test_too_many_bars_are_refused_before_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(simulation, "MAX_INTRADAY_CELLS", 1_000)
    store = CandleStore(tmp_path, catalog=reference_catalog())
    with pytest.raises(InvalidField) as caught:
        simulate(store, STRATEGY, _request(interval="minute"))
    assert caught.value.field == "end_date"
    assert "2025-03-03 to 2025-03-04 at minute" in str(caught.value)


# -- the invariants ---------------------------------------------------------------------------

CALENDAR = nse_calendar()
SESSIONS = (date(2025, 3, 3), date(2025, 3, 5))  # three sessions
SQUARE_OFF = time(15, 20)


def _panel(prices: np.ndarray, minutes: int) -> Panel:
    starts, ends = session_bars(CALENDAR, *SESSIONS, minutes)
    n = starts.size
    close = np.round(prices[:n] * 20) / 20  # on the 5-paise grid
    opens = np.r_[close[:1], close[:-1]]
    columns = np.stack([close, close[::-1].copy()], axis=1)
    open_columns = np.stack([opens, np.r_[columns[:1, 1], columns[:-1, 1]]], axis=1)
    high = np.maximum(columns, open_columns)
    low = np.minimum(columns, open_columns)
    return Panel(
        days=starts,
        keys=("NSE:A", "NSE:B"),
        sectors=(None, None),
        sources=("import", "import"),
        open=np.asfortranarray(open_columns),
        high=np.asfortranarray(high),
        low=np.asfortranarray(low),
        close=np.asfortranarray(columns),
        volume=np.asfortranarray(np.ones_like(columns)),
        ends=ends,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    minutes=st.sampled_from([5, 15, 60]),
    fill_at=st.sampled_from(["next_open", "close"]),
    level=st.floats(min_value=0.97, max_value=1.03),
    size=st.sampled_from([5.0, 30.0, 60.0]),
)
def test_mis_is_flat_at_every_session_end_and_pnl_adds_up(
    seed: int, minutes: int, fill_at: str, level: float, size: float
):
    """No MIS position is open across a session boundary (every trade enters and exits on
    one IST date, by 15:20, and none is left open); equity moves by the trades' P&L, which
    is their gross less every charge."""
    rng = np.random.default_rng(seed)
    prices = 1000.0 * np.exp(np.cumsum(rng.normal(0, 0.003, 400)))
    panel = _panel(prices, minutes)
    document = doc(
        entry=cmp(ind("close"), ">", num(1000 * level)),
        exits=[rule("down", cmp(ind("close"), "<", num(1000 * level * 0.995)))],
    )
    run = BacktestSettings(
        position_size_pct=size,
        max_positions=2,
        fill_at=fill_at,  # type: ignore[arg-type]
        product="MIS",
        square_off_at=SQUARE_OFF,
    )
    result = run_backtest(document, panel, run)
    tape = result.tape
    assert tape.entry_time is not None
    assert tape.exit_time is not None
    assert "end_of_data" not in tape.exit_reasons()
    entry_days = (tape.entry_time + np.timedelta64(330, "m")).astype("datetime64[D]")
    exit_days = (tape.exit_time + np.timedelta64(330, "m")).astype("datetime64[D]")
    assert (entry_days == exit_days).all()
    for trade in result.trades:
        assert isinstance(trade, IntradayTrade)
        assert trade.exit_time.time() < SQUARE_OFF
    assert result.positions.size == 3
    gross = float(np.sum((tape.exit_price - tape.entry_price) * tape.quantity))
    charges = float(np.sum(tape.charges))
    assert result.equity[-1] == pytest.approx(1_000_000 + gross - charges, abs=1e-4)
    assert float(np.sum(tape.pnl)) == pytest.approx(gross - charges, abs=1e-4)

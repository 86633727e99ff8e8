"""The backtest loop's rules, each on a hand-made panel with figures worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from tests.unit.backtest.dsl import ALWAYS, cmp, doc, ind, num, pos, rule
from tradertape.backtest.engine import BacktestSettings, run_backtest
from tradertape.backtest.synthetic import make_panel

NO_COSTS = BacktestSettings(
    starting_capital=10_000, position_size_pct=50, max_positions=1, charges="none"
)
RISING = [100.0, 100.0, 110.0, 120.0, 130.0, 125.0]


def _settings(**changes: object) -> BacktestSettings:
    fields = {
        "starting_capital": 10_000.0,
        "position_size_pct": 50.0,
        "max_positions": 1,
        "charges": "none",
    } | changes
    return BacktestSettings(**fields)  # type: ignore[arg-type]


def test_signal_on_the_close_fills_at_the_next_open():
    panel = make_panel({"NSE:A": RISING}, open_={"NSE:A": [100, 100, 110, 115, 130, 128]})
    strategy = doc(
        cmp(ind("close"), ">=", num(110)), [rule("target", cmp(ind("close"), ">=", num(130)))]
    )
    result = run_backtest(strategy, panel, NO_COSTS)
    (trade,) = result.trades
    # signal at day 2's close (110): floor(50 % × 10,000 / 110) = 45 shares at day 3's open
    assert (trade.quantity, trade.entry_price, trade.entry_date) == (45, 115.0, date(2024, 1, 4))
    # target hit at day 4's close (130): sold at day 5's open
    assert (trade.exit_price, trade.exit_date, trade.exit_reason) == (
        128.0,
        date(2024, 1, 8),
        "target",
    )
    assert trade.pnl == pytest.approx(45 * 13)
    assert result.equity[3] == pytest.approx(10_000 - 45 * 115 + 45 * 120)
    assert result.summary["final_equity"] == pytest.approx(10_585)


def test_fill_at_close():
    panel = make_panel({"NSE:A": RISING})
    strategy = doc(
        cmp(ind("close"), ">=", num(110)), [rule("target", cmp(ind("close"), ">=", num(130)))]
    )
    trade, again = run_backtest(strategy, panel, _settings(fill_at="close")).trades
    assert (again.entry_date, again.exit_reason) == (date(2024, 1, 8), "end_of_data")
    assert (trade.entry_price, trade.exit_price, trade.quantity) == (110.0, 130.0, 45)
    assert (trade.entry_date, trade.exit_date) == (date(2024, 1, 3), date(2024, 1, 5))


@pytest.mark.parametrize(
    ("high", "expected"),
    [
        pytest.param(125.0, 115 * 1.01, id="slipped"),
        pytest.param(115.5, 115.5, id="capped-at-the-high"),
    ],
)
def test_slippage_on_open_fills(high: float, expected: float):
    panel = make_panel(
        {"NSE:A": RISING},
        open_={"NSE:A": [100, 100, 110, 115, 130, 128]},
        high={"NSE:A": [100, 100, 110, high, 130, 128]},
    )
    strategy = doc(cmp(ind("close"), ">=", num(110)))
    (trade,) = run_backtest(strategy, panel, _settings(slippage_bps=100)).trades
    assert trade.entry_price == pytest.approx(expected)
    assert trade.exit_reason == "end_of_data"


FLAT = [100.0] * 9


@pytest.mark.parametrize(
    ("closes", "config", "exit_day", "reason"),
    [
        pytest.param(FLAT, {"min_hold": 3}, 4, "soft", id="min-hold-delays-soft-exit"),
        pytest.param([100, 100, 40, *FLAT[3:]], {"min_hold": 3}, 3, "hard", id="ignore-min-hold"),
        pytest.param(FLAT, {"min_hold": 0}, 2, "soft", id="no-min-hold"),
    ],
)
def test_exit_priority_and_min_hold(closes, config, exit_day, reason):
    panel = make_panel({"NSE:A": closes})
    exits = [
        rule("soft", cmp(pos("total_bars_held"), ">=", num(1)), priority=1),
        rule("hard", cmp(ind("close"), "<", num(50)), priority=0, ignore_min_hold=True),
    ]
    result = run_backtest(doc(ALWAYS, exits, config=config), panel, NO_COSTS)
    first = result.trades[0]
    assert first.entry_date == panel.days[1].astype(object)
    assert (first.exit_date, first.exit_reason) == (panel.days[exit_day].astype(object), reason)


def test_max_hold():
    panel = make_panel({"NSE:A": FLAT})
    first = run_backtest(doc(ALWAYS, config={"max_hold": 2}), panel, NO_COSTS).trades[0]
    # filled on day 1; held 2 bars at day 2's close; out at day 3's open
    assert (first.exit_date, first.exit_reason) == (panel.days[3].astype(object), "max_hold")


def _ranged(closes: list[float], *, day: int, open_: float, low: float) -> dict[str, list[float]]:
    highs = [c + 1 for c in closes]
    lows = [c - 1 for c in closes]
    opens = list(closes)
    opens[day], lows[day] = open_, low
    return {"high": highs, "low": lows, "open": opens}


@pytest.mark.parametrize(
    ("open_", "low", "price"),
    [
        pytest.param(100.0, 95.0, 96.0, id="low-touches-the-stop"),
        pytest.param(94.0, 93.0, 94.0, id="gap-through-exits-at-the-open"),
    ],
)
def test_atr_stop_on_the_intraday_low(open_: float, low: float, price: float):
    closes = [100.0] * 20
    bars = _ranged(closes, day=16, open_=open_, low=low)
    panel = make_panel(
        {"NSE:A": closes},
        open_={"NSE:A": bars["open"]},
        high={"NSE:A": bars["high"]},
        low={"NSE:A": bars["low"]},
    )
    # ATR(14) of a constant 2-point range is 2 from day 14; entry then, stop 2 × 2 below
    strategy = doc(cmp(ind("atr14"), ">", num(0)), config={"atr_stop_mult": 2})
    trade = run_backtest(strategy, panel, NO_COSTS).trades[0]
    assert (trade.entry_date, trade.entry_price) == (panel.days[15].astype(object), 100.0)
    assert (trade.exit_date, trade.exit_price, trade.exit_reason) == (
        panel.days[16].astype(object),
        price,
        "atr_stop",
    )


def _three() -> dict[str, list[float]]:
    return {"NSE:A": [100.0] * 4, "NSE:B": [300.0] * 4, "NSE:C": [300.0] * 4}


@pytest.mark.parametrize(
    ("max_per_sector", "held"),
    [
        pytest.param(None, ["NSE:B", "NSE:C"], id="ties-rank-by-symbol"),
        pytest.param(1, ["NSE:A", "NSE:B"], id="sector-cap"),
    ],
)
def test_conviction_ranking_and_caps(max_per_sector, held):
    panel = make_panel(_three(), sectors={"NSE:A": "IT", "NSE:B": "Banks", "NSE:C": "Banks"})
    strategy = doc(ALWAYS, conviction_scoring=[{"type": "weighted", "operand": ind("close")}])
    settings = _settings(position_size_pct=10, max_positions=2, max_per_sector=max_per_sector)
    result = run_backtest(strategy, panel, settings)
    assert sorted(t.symbol for t in result.trades) == held
    assert {t.conviction for t in result.trades if t.symbol != "NSE:A"} == {300.0}


def test_a_buy_the_cash_cannot_fund_is_skipped_not_resized():
    panel = make_panel({"NSE:X": [100.0] * 3, "NSE:Y": [100.0] * 3})
    result = run_backtest(doc(ALWAYS), panel, _settings(position_size_pct=60, max_positions=2))
    assert [(t.symbol, t.quantity) for t in result.trades] == [("NSE:X", 60)]


def test_sells_fund_the_same_opens_buys():
    panel = make_panel({"NSE:A": [100.0, 100, 100, 100], "NSE:B": [0.05, 100, 100, 100]})
    strategy = doc(
        cmp(ind("close"), ">=", num(100)),
        [rule("out", cmp(pos("total_bars_held"), ">=", num(1)))],
    )
    result = run_backtest(strategy, panel, _settings(position_size_pct=100))
    trades = [(t.symbol, t.entry_date.day, t.exit_date.day) for t in result.trades]
    # A: in at day 1's open with all the cash, decided out at day 1's close, when B signals:
    # A's slot and the cash of its sale at day 2's open fund B's buy at that same open
    assert trades[:2] == [("NSE:A", 2, 3), ("NSE:B", 3, 4)]


def test_add_on_averages_down():
    closes = [100.0, 100.0, 95.0, 85.0, 85.0, 98.0, 98.0]
    panel = make_panel({"NSE:A": closes})
    strategy = doc(
        ALWAYS,
        [rule("target", cmp(pos("unrealized_pct"), ">=", num(5)))],
        addon_rules={
            "enabled": True,
            "condition": cmp(pos("unrealized_pct"), "<=", num(-10)),
            "max_addons": 1,
        },
    )
    (trade, *_) = run_backtest(strategy, panel, _settings(position_size_pct=40)).trades
    # 40 shares at 100 (day 1), 40 more at 85 (signal day 3, fill day 4): average 92.5;
    # day 5 closes 98 ≥ 92.5 × 1.05, so out at day 6's open
    assert (trade.quantity, trade.entry_price, trade.addons) == (80, 92.5, 1)
    assert (trade.exit_price, trade.exit_reason) == (98.0, "target")
    assert trade.pnl == pytest.approx(80 * (98 - 92.5))


def test_rows_before_trade_from_only_warm_the_indicators_up():
    closes = [100.0 + 0.05 * i for i in range(230)]
    panel = make_panel({"NSE:A": closes})
    first_day = panel.days[210].astype(object)
    result = run_backtest(
        doc(cmp(ind("close"), ">", ind("sma200"))), panel, NO_COSTS, trade_from=first_day
    )
    assert result.days[0].astype(object) == first_day
    assert result.equity[0] == 10_000
    (trade,) = result.trades
    # SMA(200) was ready on the first traded day, so its signal filled the next morning
    assert trade.entry_date == panel.days[211].astype(object)


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(
            {"type": "not", "condition": cmp(pos("total_bars_held"), "<=", num(0))}, id="position"
        ),
        pytest.param(cmp(num(1), "<", num(2)), id="literals"),
    ],
)
def test_an_entry_that_reads_no_market_series_is_one_truth_for_every_bar(entry):
    """Flat, a position field is 0: ``not (0 <= 0)`` never enters, ``1 < 2`` always does."""
    panel = make_panel({"NSE:A": RISING, "NSE:B": RISING})
    result = run_backtest(doc(entry), panel, _settings(max_positions=2, position_size_pct=10))
    enters = entry["type"] != "not"
    assert {t.symbol for t in result.trades} == ({"NSE:A", "NSE:B"} if enters else set())

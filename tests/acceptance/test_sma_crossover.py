"""SMA(20)/SMA(50) crossover on one symbol: our backtester against backtesting.py and backtrader.

The rule, in all three: buy when SMA(20) crosses above SMA(50), sell when it crosses below;
orders fill at the next open, no costs, no slippage; the quantity is
``floor(95 % × equity at the signal close / signal close)``; a buy the cash cannot pay for at
the fill is dropped. The references decide crosses exactly on integer paise sums
(`references.exact_sma_crosses`), as our indicators must on tick-grid prices.
"""

from __future__ import annotations

import math
from typing import Any

import backtesting
import backtrader as bt
import numpy as np
import numpy.typing as npt
import pytest

from tests.acceptance.conftest import columns, nifty_100
from tests.acceptance.references import (
    ArrayFeed,
    RoundTrip,
    exact_sma_crosses,
    frame,
    ours,
    paise,
    rolling_sum,
)
from tradertape.backtest.engine import BacktestResult, BacktestSettings, run_backtest
from tradertape.candles.panel import Panel
from tradertape.strategies.dsl import StrategyDocument

CAPITAL = 1_000_000.0
SIZE = 0.95
# 20 symbols across the alphabet; ONGC's averages tie once (touch and bounce: no cross).
SAMPLE = nifty_100()[2::5]

CROSSOVER = StrategyDocument.model_validate(
    {
        "name": "SMA 20/50 crossover",
        "entry_rules": {
            "type": "crosses_above",
            "left": {"type": "indicator", "name": "sma20"},
            "right": {"type": "indicator", "name": "sma50"},
        },
        "exit_rules": [
            {
                "name": "cross_down",
                "condition": {
                    "type": "crosses_below",
                    "left": {"type": "indicator", "name": "sma20"},
                    "right": {"type": "indicator", "name": "sma50"},
                },
            }
        ],
    }
)
SETTINGS = BacktestSettings(
    starting_capital=CAPITAL,
    position_size_pct=SIZE * 100,
    max_positions=1,
    slippage_bps=0.0,
    fill_at="next_open",
    charges="none",
)

by_symbol = pytest.mark.parametrize("symbol", SAMPLE, ids=[k.split(":")[1] for k in SAMPLE])


def _ours(panel: Panel) -> BacktestResult:
    result = run_backtest(CROSSOVER, panel, SETTINGS)
    assert result.trades, "a crossover that never trades checks nothing"
    return result


# -- backtesting.py ----------------------------------------------------------------------


class _BacktestingCross(backtesting.Strategy):  # type: ignore[misc]
    above: Any = None  # the exact cross days, given to `Backtest.run`
    below: Any = None

    def init(self) -> None:
        pass

    def next(self) -> None:
        t = len(self.data) - 1
        if self.position:
            if self.below[t]:
                self.position.close()
        elif self.above[t]:
            quantity = math.floor(SIZE * self.equity / self.data.Close[-1])
            if quantity > 0:
                self.buy(size=quantity)


def _backtesting_py(panel: Panel) -> tuple[list[RoundTrip], npt.NDArray[np.float64]]:
    above, below = exact_sma_crosses(panel.close[:, 0], 20, 50)
    data = frame(panel, 0)
    run = backtesting.Backtest(
        data, _BacktestingCross, cash=CAPITAL, commission=0.0, finalize_trades=False
    ).run(above=above, below=below)
    strategy = run._strategy
    days = data.index.date
    last_close = float(panel.close[-1, 0])
    trips = [
        RoundTrip(
            panel.keys[0],
            days[trade.entry_bar],
            trade.entry_price,
            trade.size,
            days[trade.exit_bar],
            trade.exit_price,
            "cross_down",
        )
        for trade in strategy.closed_trades
    ] + [
        RoundTrip(
            panel.keys[0],
            days[trade.entry_bar],
            trade.entry_price,
            trade.size,
            days[-1],
            last_close,
            "end_of_data",
        )
        for trade in strategy.trades
    ]
    return sorted(trips), run._equity_curve["Equity"].to_numpy()


def _backtesting_py_warnings(test: Any) -> Any:
    """Silence what backtesting.py says on purpose (`filterwarnings = error` otherwise)."""
    marks = (
        # A position still open at the end: we mark it at the last close rather than close it
        # (`finalize_trades=True` would close it at the last bar's open).
        "ignore:Some trades remain open:UserWarning",
        # A 95 % buy that gaps up past the cash is dropped, as ours is, with a warning.
        "ignore:.*Broker canceled the order:UserWarning",
        # Its statistics read `DatetimeIndex.dayofweek`, deprecated in pandas 3.1.
        "ignore:DatetimeIndex.dayofweek:DeprecationWarning:backtesting",
    )
    for mark in marks:
        test = pytest.mark.filterwarnings(mark)(test)
    return test


@by_symbol
@_backtesting_py_warnings
def test_same_trades_as_backtesting_py(nifty_panel, symbol):
    panel = columns(nifty_panel, [symbol])
    result = _ours(panel)
    trips, equity = _backtesting_py(panel)
    assert ours(result) == trips
    np.testing.assert_allclose(result.equity, equity, rtol=1e-12)


# -- backtrader ----------------------------------------------------------------------------


class _BacktraderCross(bt.Strategy):  # type: ignore[misc]
    params = (("above", None), ("below", None))

    def __init__(self) -> None:
        self.fills: list[tuple[int, float, int]] = []  # (bar, price, signed size)
        self.values: list[float] = []

    def notify_order(self, order: Any) -> None:
        if order.status == order.Completed:
            # The fill's own price: `executed.price` is an average, (0 + size × price) / size,
            # which can be an ulp off the price it filled at.
            (fill,) = order.executed.exbits
            self.fills.append((len(self) - 1, fill.price, fill.size))

    def next(self) -> None:
        t = len(self) - 1
        self.values.append(self.broker.getvalue())
        if self.position:
            if self.p.below[t]:
                self.close()
        elif self.p.above[t]:
            quantity = math.floor(SIZE * self.broker.getvalue() / self.data.close[0])
            if quantity > 0:
                self.buy(size=quantity)


def _backtrader(panel: Panel) -> tuple[list[RoundTrip], npt.NDArray[np.float64]]:
    above, below = exact_sma_crosses(panel.close[:, 0], 20, 50)
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(ArrayFeed(panel=panel))
    cerebro.broker.setcash(CAPITAL)
    cerebro.broker.set_checksubmit(False)  # judge the cash at the fill, as we do
    cerebro.addstrategy(_BacktraderCross, above=above, below=below)
    (strategy,) = cerebro.run()
    days = panel.days.astype("datetime64[D]").tolist()
    trips = []
    fills = list(strategy.fills)
    while fills:
        (entry, entry_price, quantity), *fills = fills
        if fills:
            (exit_, exit_price, _), *fills = fills
            reason = "cross_down"
        else:
            exit_, exit_price, reason = len(days) - 1, float(panel.close[-1, 0]), "end_of_data"
        trips.append(
            RoundTrip(
                panel.keys[0],
                days[entry],
                entry_price,
                quantity,
                days[exit_],
                exit_price,
                reason,
            )
        )
    return trips, np.array(strategy.values)


@by_symbol
def test_same_trades_as_backtrader(nifty_panel, symbol):
    panel = columns(nifty_panel, [symbol])
    result = _ours(panel)
    trips, equity = _backtrader(panel)
    assert ours(result) == trips
    np.testing.assert_allclose(result.equity, equity, rtol=1e-12)


# -- ties ----------------------------------------------------------------------------------


def _tie_panel(days: npt.NDArray[np.datetime64]) -> Panel:
    """A whole-rupee random walk whose averages tie and then cross, both ways.

    On whole rupees the sums are small integers, so exact ties are common; here SMA(20) ties
    SMA(50) on a day between being above and being below (a cross on the next day, which a
    rule comparing only yesterday with today misses) and again the other way.
    """
    steps = np.random.default_rng(17).integers(-3, 4, size=len(days))
    close = (200 + np.cumsum(steps)).astype(np.float64)
    open_ = np.concatenate(([close[0]], close[:-1]))
    return Panel(
        days=days,
        keys=("NSE:TIES",),
        sectors=(None,),
        sources=(None,),
        open=open_[:, None],
        high=np.maximum(open_, close)[:, None] + 1.0,
        low=np.minimum(open_, close)[:, None] - 1.0,
        close=close[:, None],
        volume=np.full((len(days), 1), 1000.0),
    )


def _ties(close: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Days SMA(20) equals SMA(50) exactly."""
    cents = paise(close)
    difference = rolling_sum(cents, 20) * 50 - rolling_sum(cents, 50) * 20
    return np.flatnonzero(difference[49:] == 0) + 49


def _crosses_through_ties(panel: Panel) -> int:
    """Crosses made on the day after a tie (from the side held before the tie)."""
    above, below = exact_sma_crosses(panel.close[:, 0], 20, 50)
    after = _ties(panel.close[:, 0]) + 1
    after = after[after < len(above)]
    return int(np.count_nonzero(above[after] | below[after]))


def test_the_sample_meets_a_tie(nifty_panel):
    # Keeps the sample honest: some symbol's averages tie exactly on some day (ONGC
    # touches and bounces), where a float SMA may land on either side and cross twice.
    ties = sum(len(_ties(nifty_panel.close[:, nifty_panel.column(k)])) for k in SAMPLE)
    assert ties > 0


@_backtesting_py_warnings
def test_ties_carry_the_side_in_every_engine(nifty_panel):
    panel = _tie_panel(nifty_panel.days[:400])
    assert _crosses_through_ties(panel) >= 2, "the walk no longer crosses through a tie"
    expected = ours(_ours(panel))
    assert _backtesting_py(panel)[0] == expected
    assert _backtrader(panel)[0] == expected

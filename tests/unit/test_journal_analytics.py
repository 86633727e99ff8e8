"""Edge Finder and Patterns from round trips, against figures worked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from tests.unit.test_journal_pnl import trade
from tradertape.journal.analytics import edge_finder, patterns, trades_of
from tradertape.journal.pnl import fifo
from tradertape.journal.trades import JournalTrade

D = Decimal
MONDAY = date(2024, 6, 3)


def _closes(symbol: str, results: list[int], start: date) -> list[JournalTrade]:
    """A buy of 1 at 100 and a sell the next day at 100 + result, for each result."""
    out = []
    day = start
    for result in results:
        out.append(trade(symbol, day.isoformat(), "buy", 1, "100"))
        out.append(
            trade(symbol, (day + timedelta(days=1)).isoformat(), "sell", 1, str(100 + result))
        )
        day += timedelta(days=7)
    return out


def test_edge_finder_buckets_with_hand_worked_figures():
    trades = [
        *_closes("AAA", [100, 50, -30, 80], MONDAY),
        *_closes("BBB", [-10, -20, 5], MONDAY),
        *_closes("CCC", [40, 40], MONDAY),
        *_closes("DDD", [10] * 10, MONDAY),
    ]
    edges = {e.symbol: e for e in edge_finder(trades_of(fifo(trades).trips))}
    aaa = edges["AAA"].stats
    assert (aaa.count, aaa.win_rate, aaa.expectancy, aaa.total) == (4, D("0.75"), D(50), D(200))
    assert aaa.average_winner == D(230) / 3  # (100 + 50 + 80) / 3
    assert aaa.average_loser == D(30)
    assert aaa.risk_reward == D(230) / 3 / 30
    assert (edges["AAA"].bucket, edges["AAA"].warnings) == ("moderate", ("small sample",))
    assert edges["BBB"].bucket == "negative"  # (−10 − 20 + 5) / 3 < 0
    assert edges["CCC"].bucket == "too_few"  # 2 trades
    assert (edges["DDD"].bucket, edges["DDD"].warnings) == ("strong", ())
    assert [e.symbol for e in edge_finder(trades_of(fifo(trades).trips))] == [
        "DDD",
        "AAA",
        "BBB",
        "CCC",
    ]


def test_a_close_of_two_lots_is_one_scaled_in_trade_and_patterns_follow_losses():
    trades = [
        trade("EEE", "2024-06-03", "buy", 1, "100"),  # Monday
        trade("EEE", "2024-06-04", "buy", 1, "110"),
        trade("EEE", "2024-06-05", "sell", 2, "100"),  # Wednesday: −10, one trade of 2 lots
        trade("EEE", "2024-06-06", "buy", 1, "100"),
        trade("EEE", "2024-06-07", "sell", 1, "120"),  # Friday, after a loss: +20
        trade("EEE", "2024-06-10", "buy", 1, "100"),
        trade("EEE", "2024-06-11", "sell", 1, "105"),  # Tuesday, after a win: +5
    ]
    closes = trades_of(fifo(trades).trips)
    assert [(t.net, t.lots) for t in closes] == [(D(-10), 2), (D(20), 1), (D(5), 1)]
    found = patterns(closes)
    assert {k: v.total for k, v in found["scale_in"].items()} == {
        "scaled in": D(-10),
        "single entry": D(25),
    }
    after = found["after_loss"]
    assert (after["after a loss"].count, after["after a loss"].total) == (1, D(20))
    assert after["after a win"].total == D(5)
    assert set(found["day_of_week"]) == {"Wed", "Fri", "Tue"}
    assert found["holding_period"]["0-3d"].count == 3


def test_market_dimensions_from_the_closes_before_each_entry():
    """A steady climb of 1 a day for 60 days (an up trend, calm, RSI 100), then a jolt
    (alternating ±5 % for 20 days: a spike), for a long entered after each stretch."""
    from tradertape.journal.analytics import MARKET_DIMENSIONS, Market, market_labels

    start = date(2024, 1, 1)
    climb = [100.0 + i for i in range(60)]
    jolt = [climb[-1] * (1.05 if i % 2 == 0 else 1.0) for i in range(20)]
    closes = climb + jolt
    days = [start + timedelta(days=i) for i in range(len(closes))]
    market = Market(days, closes, "IT")
    calm_day, spike_day = days[60], days[-1] + timedelta(days=1)
    trades = [
        trade("AAA", calm_day.isoformat(), "buy", 1, "160"),
        trade("AAA", (calm_day + timedelta(days=2)).isoformat(), "sell", 1, "170"),
        trade("AAA", spike_day.isoformat(), "buy", 1, "160"),
        trade("AAA", (spike_day + timedelta(days=2)).isoformat(), "sell", 1, "150"),
        trade("ZZZ", "2024-01-02", "buy", 1, "10"),  # no closes: left out of those
        trade("ZZZ", "2024-01-03", "sell", 1, "11"),
    ]
    made = trades_of(fifo(trades).trips)
    first, second = (t for t in made if t.symbol == "AAA")
    assert market_labels(first, market) == {
        "trend_alignment": "with",
        "volatility_regime": "calm",  # a climb of 1 a day: returns barely spread
        "rsi_zone": ">70",
        "sector": "IT",
        "trend_x_volatility": "with × calm",
    }
    assert market_labels(second, market)["volatility_regime"] == "spike"  # type: ignore[index]
    short = replace(first, direction="short")
    assert market_labels(short, market)["trend_alignment"] == "against"  # type: ignore[index]
    found = patterns(made, {"AAA": market})
    assert set(MARKET_DIMENSIONS) <= set(found)
    assert found["sector"]["IT"].count == 2  # ZZZ has no market data
    # the first (+10) entered with the climb; after the jolt the close sits under its
    # 20-day average: no trend to be with or against
    assert {k: v.total for k, v in found["trend_alignment"].items()} == {
        "with": D(10),
        "neutral": D(-10),
    }
    assert "sector" not in patterns(made)

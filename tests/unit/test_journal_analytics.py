"""Edge Finder and Patterns from round trips, against figures worked by hand."""

from __future__ import annotations

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

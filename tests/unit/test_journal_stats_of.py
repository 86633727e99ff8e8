"""The Edge Finder's and Patterns' stats taken a bucket at a time (`Stats.of`) equal the
plain ones, a trade `add`-ed at a time, to the last digit (issue 69: a cold Patterns page)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.journal import analytics
from tradertape.journal.analytics import Market, Stats, Trade

NETS = st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=9)


def _added(values: list[Decimal]) -> Stats:
    plain = Stats()
    for value in values:
        plain.add(value)
    return plain


@given(st.lists(NETS, max_size=80))
def test_stats_of_equal_adding_each_trade(values):
    assert Stats.of(list(values)) == _added(values)


def _plain_patterns(
    trades: list[Trade], markets: dict[str, Market] | None
) -> dict[str, dict[str, Stats]]:
    """Patterns as they were computed before `Stats.of`: each trade added to its buckets."""
    size = analytics._terciles(trades)
    in_day = analytics._position_in_day(trades)
    previous: dict[str, Decimal] = {}
    dims: dict[str, dict[str, Stats]] = defaultdict(lambda: defaultdict(Stats))
    for i, trade in enumerate(trades):
        before = previous.get(trade.account)
        after = (
            "first trade" if before is None else "after a loss" if before <= 0 else "after a win"
        )
        labels = {
            "holding_period": analytics._holding(trade),
            "position_size": size(trade),
            "trade_of_day": in_day[i],
            "day_of_week": analytics.WEEKDAYS[trade.closed.weekday()],
            "after_loss": after,
            "scale_in": "scaled in" if trade.lots > 1 else "single entry",
        }
        labels["holding_x_after_loss"] = f"{labels['holding_period']} × {after}"
        labels["size_x_day_of_week"] = f"{labels['position_size']} × {labels['day_of_week']}"
        if markets:
            labels.update(analytics.market_labels(trade, markets.get(trade.symbol)) or {})
        for dimension, bucket in labels.items():
            dims[dimension][bucket].add(trade.net)
        previous[trade.account] = trade.net
    return {name: dict(buckets) for name, buckets in dims.items()}


START = date(2024, 1, 1)
TRADE = st.tuples(
    st.sampled_from(["AAA", "BBB", "CCC"]),
    st.sampled_from(["ZX1234", "paper"]),
    st.integers(0, 200),  # the close's day
    st.integers(0, 40),  # days held
    NETS,
    st.decimals(min_value=1, max_value=10**6, places=2),
    st.integers(1, 3),
    st.sampled_from(["long", "short"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(TRADE, max_size=60))
def test_patterns_and_edges_equal_the_plain_ones(rows):
    trades = sorted(
        (
            Trade(
                account=account,
                symbol=symbol,
                closed=START + timedelta(days=day),
                closed_at=None,
                net=net,
                value=value,
                held_days=held,
                lots=lots,
                opened=START + timedelta(days=day - held),
                direction=direction,
            )
            for symbol, account, day, held, net, value, lots, direction in rows
        ),
        key=lambda t: t.closed,
    )
    days = [START - timedelta(days=150) + timedelta(days=n) for n in range(400)]
    markets = {
        "AAA": Market(days, [100 + (n % 17) * 1.5 for n in range(400)], "IT"),
        "BBB": Market(days, [200 - (n % 23) * 0.7 for n in range(400)], None),
    }
    for known in (None, markets):
        found = analytics.patterns(trades, known)
        plain = _plain_patterns(trades, known)
        assert list(found) == list(plain)  # the dimensions in the same order
        assert {k: list(v.items()) for k, v in found.items()} == {
            k: list(v.items()) for k, v in plain.items()
        }
    per: dict[str, list[Decimal]] = defaultdict(list)
    for trade in trades:
        per[trade.symbol].append(trade.net)
    assert {e.symbol: e.stats for e in analytics.edge_finder(trades)} == {
        symbol: _added(nets) for symbol, nets in per.items()
    }

"""The legs and rules AlgoTest users expect, worked by hand on minute bars, to the paisa.

One Monday, 6 January 2025 (the Budget 2024 rates: option STT 0.1 % and futures STT 0.02 %
of sells, NSE exchange charges 0.03503 % of premium and 0.00173 % of futures turnover, IPFT
0.0005 % (options) and 0.0001 % (futures), SEBI 0.0001 %, stamp 0.003 % (options) and
0.002 % (futures) of buys, brokerage ₹20 an order (futures: 0.03 % if lower), GST 18 % of
brokerage, exchange, IPFT and SEBI; STT rounded to the rupee per note). NIFTY's weekly of
9 January lists 23400-23600; the January future (expiry 30 January) is listed beside it.
Lot size 75 throughout; the index's minute bars sit at 23,510 unless a test moves them.

Futures leg with a stop (`test_a_futures_leg_stops_out_and_pays_futures_charges`)
---------------------------------------------------------------------------------
Buy one lot of the January future at 09:20's open, 23,600.00; stop 50 points below,
23,550.00 (on the index future's 0.10 tick). 10:00 opens 23,580 and trades down to 23,540:
the stop fills at its level, 23,550.00. Gross (23,550 − 23,600) × 75 = −3,750.00.
Charges: buy 17,70,000.00, sell 17,66,250.00, turnover 35,36,250.00; brokerage 20 + 20
(0.03 % is more than ₹20 both times) = 40; STT 0.02 % × 17,66,250 = 353.25 → 353; exchange
0.00173 % = 61.177125; IPFT 3.53625; SEBI 3.53625; stamp 0.002 % × 17,70,000 = 35.40;
GST 18 % × 108.249625 = 19.4849325; total 516.1345575 → 516.13. Net −4,266.13.
Payoff at entry: a future's P&L is linear: at the entry spot 23,510, (23,510 − 23,600) × 75
= −6,750.00; at 23,600 it is 0.

Lock and trail profit (`test_lock_and_trail_profit_exits_on_the_raised_lock`)
--------------------------------------------------------------------------------
Sell the 23500 CE and PE at 09:20's open, 100.00 each. Lock: reach ₹1,500, lock ₹500, every
further ₹300 raises it by ₹200. The put stays at 100; the call closes 80 at 09:25 (P&L
75 × 20 = 1,500: reached, the lock guards from the next bar), 72 at 09:26 (2,100: the lock
rises 500 + ⌊600 / 300⌋ × 200 = 900), 75 at 09:27 (1,875 > 900), 88 at 09:28 (900 ≤ 900):
both legs close at that bar's closes, 88.00 and 100.00. Gross (100 − 88) × 75 = 900.00.
Charges: sells 7,500 + 7,500, buys 6,600 + 7,500, turnover 29,100: brokerage 4 × 20 = 80;
STT 0.1 % × 15,000 = 15; exchange 10.19373; IPFT 0.1455; SEBI 0.0291; stamp 0.003 % × 14,100
= 0.423; GST 18 % × 90.36833 = 16.2662994; total 122.0576294 → 122.06. Net 777.94.
Without the trail (lock 500 only) 900 > 500 holds at 09:28; at 09:29 the call is back at 100
(P&L 0 ≤ 500): both close at 100, gross 0.00.
Payoff at entry (spot 23,510): at 23,500, 200 × 75 = 15,000.00; at 23,510, 15,000 − 10 × 75
= 14,250.00; at spot × 0.9 = 21,159, 15,000 − 2,341 × 75 = −1,60,575.00; at spot × 1.1 =
25,861, 15,000 − 2,361 × 75 = −1,62,075.00. Breakevens 23,500 ∓ 200: 23,300 and 23,700.

Range breakout (`test_a_range_breakout_enters_after_the_first_bar_past_the_range`)
-----------------------------------------------------------------------------------
The first 15 minutes' range is 23,490-23,530 (09:18's high, 09:22's low). Entry time 09:20
falls inside it: the breakout is looked for from 09:30. 09:35 trades up to 23,531: the high
is broken; the legs enter at 09:36's open, the index at 23,560: ATM 23600. Buy the 23600 CE
at 60.00, sold at 15:15's open, 70.00. Gross 750.00. Charges: buy 4,500, sell 5,250: brokerage
40; STT 5.25 → 5; exchange 0.03503 % × 9,750 = 3.415425; IPFT 0.04875; SEBI 0.00975; stamp
0.135; GST 18 % × 43.473925 = 7.8253065; total 56.4342315 → 56.43. Net 693.57. A break of
the low never comes (the index never trades under 23,490): no entry.

Momentum (`test_momentum_on_the_premium_enters_each_leg_on_its_own_move`)
-------------------------------------------------------------------------
Sell the 23500 CE and PE once each premium is 10 % above 09:20's open (100 → 110). The put
trades 111 at 09:45: it is sold at 09:46's open, 108.00, and bought back at 15:15's open,
95.00: gross 975.00. The call never reaches 110: never entered. Charges: sell 8,100, buy 7,125:
brokerage 40; STT 8.10 → 8; exchange 0.03503 % × 15,225 = 5.3333175; IPFT 0.076125; SEBI
0.015225; stamp 0.21375; GST 18 % × 45.4246675 = 8.17644015; total 61.81485765 → 61.81.
Net 913.19. On the underlying: down 0.1 % from 09:20's 23,510 (to 23,486.49); 09:55 trades
23,480: the legs enter at 09:56, the index opening 23,440: ATM 23400.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from tradertape.backtest.options.chain import MINUTES_PER_DAY, MinuteBars
from tradertape.backtest.options.engine import OptionsBacktester
from tradertape.backtest.options.results import summarize
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.synthetic import InMemoryChains
from tradertape.domain.charges import Fill, Segment, Side, compute_charges

DAY, WEEKLY, MONTHLY = date(2025, 1, 6), date(2025, 1, 9), date(2025, 1, 30)
PREVIOUS = date(2025, 1, 3)
Bar = tuple[float, float, float, float]


def _flat(price: float, changes: dict[int, Bar] | None = None) -> MinuteBars:
    bars = np.full((4, MINUTES_PER_DAY), price)
    for minute, ohlc in (changes or {}).items():
        bars[:, minute] = ohlc
    return MinuteBars(np.arange(MINUTES_PER_DAY), *bars)


def _minute(at: str) -> int:
    hours, minutes = map(int, at.split(":"))
    return hours * 60 + minutes - (9 * 60 + 15)


def source(
    options: dict[tuple[float, str], MinuteBars] | None = None,
    future: MinuteBars | None = None,
    index: MinuteBars | None = None,
) -> InMemoryChains:
    rows: list[dict[str, Any]] = [
        {"day": d, "expiry": WEEKLY, "strike": float(k), "option_type": t, "open": 100.0,
         "high": 120.0, "low": 80.0, "close": 100.0, "underlying_close": 23510.0,
         "lot_size": 75}
        for d in (PREVIOUS, DAY) for k in (23400, 23500, 23600) for t in ("CE", "PE")
    ]  # fmt: skip
    rows += [
        {"day": d, "expiry": MONTHLY, "strike": 0.0, "option_type": "XX", "instrument": "FUTIDX",
         "open": 23600.0, "high": 23650.0, "low": 23540.0, "close": 23600.0,
         "underlying_close": 23510.0, "lot_size": 75}
        for d in (PREVIOUS, DAY)
    ]  # fmt: skip
    base = InMemoryChains.from_rows("NIFTY", rows)
    minutes = {("NIFTY", DAY, WEEKLY, k, t): bars for (k, t), bars in (options or {}).items()}
    if future is not None:
        minutes[("NIFTY", DAY, MONTHLY, 0.0, "XX")] = future
    return InMemoryChains(
        {"NIFTY": {d: base.day_chain("NIFTY", d) for d in (PREVIOUS, DAY)}},
        minutes=minutes,
        underlying_minutes={("NIFTY", DAY): index or _flat(23510.0)},
    )


def strategy(legs: list[dict[str, Any]], **parts: Any) -> OptionStrategy:
    return OptionStrategy.model_validate(
        {
            "name": "worked",
            "underlying": "NIFTY",
            "resolution": "minute",
            "legs": legs,
            "entry": {"time": "09:20"} | parts.pop("entry", {}),
            "exit": {"time": "15:15"} | parts.pop("exit", {}),
        }
        | parts
    )


def fill(side: Side, price: str, segment: Segment = Segment.OPTIONS, leg: str = "") -> Fill:
    return Fill(f"{leg}{side}{price}", segment, side, 75, Decimal(price))


def test_a_futures_leg_stops_out_and_pays_futures_charges():
    future = _flat(23600.0, {_minute("10:00"): (23580, 23590, 23540, 23560)})
    chains = source(future=future)
    doc = strategy([{"option_type": "FUT", "side": "buy",
                     "stop_loss": {"unit": "points", "value": 50}}])  # fmt: skip
    run = OptionsBacktester(doc, chains, chains).run(DAY, DAY)
    [trade] = run.trades
    assert (trade.option_type, trade.expiry, trade.strike, trade.lot_size) == (
        "FUT",
        MONTHLY,
        Decimal("0.00"),
        75,
    )
    assert (trade.entry_time, trade.entry_price) == (time(9, 20), Decimal("23600.00"))
    assert (trade.exit_time, trade.exit_price, trade.reason) == (
        time(10, 0),
        Decimal("23550.00"),
        "stop_loss",
    )
    results = summarize(run)
    assert results.gross == Decimal("-3750.00")
    assert results.charges == Decimal("516.13")
    assert (
        results.charges
        == compute_charges(
            [fill(Side.BUY, "23600", Segment.FUTURES), fill(Side.SELL, "23550", Segment.FUTURES)],
            DAY,
        ).total
    )
    assert results.net == Decimal("-4266.13")
    # a future's margin: a share of its value (SPAN and exposure), not its whole value
    assert Decimal("0.05") < results.margin_peak / Decimal(23600 * 75) < Decimal("0.25")
    [payoff] = results.payoffs
    at = {p.spot: p.pnl for p in payoff.points}
    assert (payoff.spot, payoff.expiry, at[23510.0]) == (23510.0, MONTHLY, -6750.0)


def _straddle(**exit_: Any) -> tuple[OptionStrategy, InMemoryChains]:
    call = _flat(100.0, {
        _minute("09:25"): (100, 100, 80, 80), _minute("09:26"): (80, 80, 72, 72),
        _minute("09:27"): (72, 75, 72, 75), _minute("09:28"): (75, 88, 75, 88),
    })  # fmt: skip
    chains = source({(23500.0, "CE"): call, (23500.0, "PE"): _flat(100.0)})
    legs = [{"option_type": t, "side": "sell"} for t in ("CE", "PE")]
    return strategy(legs, exit={"lock_profit": exit_}), chains


def test_lock_and_trail_profit_exits_on_the_raised_lock():
    doc, chains = _straddle(reach=1500, lock=500, every=300, by=200)
    run = OptionsBacktester(doc, chains, chains).run(DAY, DAY)
    seen = [(t.option_type, t.exit_time, t.exit_price, t.reason, t.gross) for t in run.trades]
    assert seen == [
        ("CE", time(9, 28), Decimal("88.00"), "lock_profit", Decimal("900.00")),
        ("PE", time(9, 28), Decimal("100.00"), "lock_profit", Decimal("0.00")),
    ]
    results = summarize(run)
    assert results.charges == Decimal("122.06")
    assert results.charges == compute_charges(
        [fill(Side.SELL, "100", leg="CE"), fill(Side.SELL, "100", leg="PE"),
         fill(Side.BUY, "88"), fill(Side.BUY, "100")], DAY,
    ).total  # fmt: skip
    assert results.net == Decimal("777.94")
    [payoff] = results.payoffs
    at = {p.spot: p.pnl for p in payoff.points}
    assert (at[23500.0], at[23510.0]) == (15000.0, 14250.0)
    assert (payoff.points[0].spot, payoff.points[0].pnl) == (21159.0, -160575.0)
    assert (payoff.points[-1].spot, payoff.points[-1].pnl) == (25861.0, -162075.0)
    assert payoff.breakevens == [23300.0, 23700.0]  # the strike ∓ the 200 taken in


def test_a_lock_without_a_trail_holds_until_the_lock_itself():
    doc, chains = _straddle(reach=1500, lock=500)
    run = OptionsBacktester(doc, chains, chains).run(DAY, DAY)
    seen = [(t.exit_time, t.exit_price, t.reason) for t in run.trades]
    assert seen == [(time(9, 29), Decimal("100.00"), "lock_profit")] * 2
    assert summarize(run).gross == Decimal("0.00")


def _breakout(breaks: str) -> list[tuple[Any, ...]]:
    index = _flat(23510.0, {
        _minute("09:18"): (23510, 23530, 23505, 23520),
        _minute("09:22"): (23510, 23512, 23490, 23500),
        _minute("09:35"): (23520, 23531, 23515, 23528),
        _minute("09:36"): (23560, 23565, 23550, 23560),
    })  # fmt: skip
    call = _flat(50.0, {_minute("09:36"): (60, 62, 58, 61), _minute("15:15"): (70, 71, 69, 70)})
    chains = source({(23600.0, "CE"): call}, index=index)
    doc = strategy(
        [{"option_type": "CE", "side": "buy"}],
        entry={"range_breakout": {"minutes": 15, "breaks": breaks}},
    )
    run = OptionsBacktester(doc, chains, chains).run(DAY, DAY)
    results = summarize(run)
    return [
        (t.strike, t.entry_time, t.entry_price, t.exit_time, t.exit_price, t.gross,
         results.charges, results.net)
        for t in run.trades
    ]  # fmt: skip


def test_a_range_breakout_enters_after_the_first_bar_past_the_range():
    assert _breakout("high") == [
        (Decimal("23600.00"), time(9, 36), Decimal("60.00"), time(15, 15), Decimal("70.00"),
         Decimal("750.00"), Decimal("56.43"), Decimal("693.57")),
    ]  # fmt: skip
    assert _breakout("low") == []


def test_momentum_on_the_premium_enters_each_leg_on_its_own_move():
    put = _flat(100.0, {
        _minute("09:45"): (104, 111, 103, 109),
        _minute("09:46"): (108, 109, 107, 108),
        _minute("15:15"): (95, 96, 94, 95),
    })  # fmt: skip
    chains = source({(23500.0, "CE"): _flat(100.0), (23500.0, "PE"): put})
    momentum = {"on": "premium", "move": "up", "unit": "pct", "value": 10}
    doc = strategy(
        [{"option_type": t, "side": "sell"} for t in ("CE", "PE")], entry={"momentum": momentum}
    )
    run = OptionsBacktester(doc, chains, chains).run(DAY, DAY)
    seen = [(t.option_type, t.entry_time, t.entry_price, t.exit_price, t.gross) for t in run.trades]
    assert seen == [("PE", time(9, 46), Decimal("108.00"), Decimal("95.00"), Decimal("975.00"))]
    results = summarize(run)
    assert (results.charges, results.net) == (Decimal("61.81"), Decimal("913.19"))


def test_momentum_on_the_underlying_chooses_the_strike_when_it_moves():
    index = _flat(23510.0, {_minute("09:55"): (23500, 23505, 23480, 23490),
                            _minute("09:56"): (23440, 23450, 23430, 23445)})  # fmt: skip
    chains = source({(23400.0, "PE"): _flat(90.0)}, index=index)
    momentum = {"on": "underlying", "move": "down", "unit": "pct", "value": 0.1}
    doc = strategy([{"option_type": "PE", "side": "buy"}], entry={"momentum": momentum})
    run = OptionsBacktester(doc, chains, chains).run(DAY, DAY)
    assert [(t.strike, t.entry_time) for t in run.trades] == [(Decimal("23400.00"), time(9, 56))]
    assert summarize(run).payoffs[0].spot == 23440.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"resolution": "daily", "entry": {"momentum": {
            "on": "underlying", "move": "up", "unit": "points", "value": 10}}},
            "needs resolution 'minute'", id="momentum-on-daily"),
        pytest.param({"legs": [{"option_type": "FUT", "side": "buy",
                                "strike": {"type": "atm", "offset": 1}}]},
                     "a future has no strike", id="future-with-a-strike"),
        pytest.param({"exit": {"lock_profit": {"reach": 500, "lock": 500}}},
                     "lock must be less than reach", id="lock-at-reach"),
        pytest.param({"exit": {"lock_profit": {"reach": 900, "lock": 500, "every": 100}}},
                     "a trail needs both", id="trail-without-by"),
        pytest.param({"legs": [{"option_type": "FUT", "side": "sell"}],
                      "exit": {"stop_loss": {"unit": "pct", "value": 50}}},
                     "of the options' premium", id="pct-stop-without-options"),
    ],
)  # fmt: skip
def test_rules_that_cannot_run_are_refused(change: dict[str, Any], message: str):
    document = {
        "name": "x", "underlying": "NIFTY", "resolution": "minute",
        "legs": [{"option_type": "CE", "side": "sell"}],
    } | change  # fmt: skip
    with pytest.raises(ValueError, match=message):
        OptionStrategy.model_validate(document)

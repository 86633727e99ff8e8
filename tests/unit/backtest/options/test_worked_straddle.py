"""A weekly NIFTY short straddle worked by hand, to the paisa.

The chain (generated, NSE's bhavcopy columns): the 7 April 2026 weekly, strikes 22300-22600,
lot size 65. The strategy: sell one lot of the ATM call and put at the open, stop-loss 30 %
of the entry premium on each leg, one re-entry after a stop (strike chosen again), held to
expiry; Zerodha's charges.

Days and what happens
---------------------
* Fri 27 Mar: only the underlying's close matters, 22,480: the ATM strike for Monday's open
  (the bhavcopy prints no open of the index) is 22,500.
* Mon 30 Mar: sell 22500 CE at its open 200.00 and 22500 PE at 190.00. Stops: 260.00 and
  247.00 (× 1.3). Highs 230 and 240: no stop.
* Wed 1 Apr: the put trades 230-290 (open 240): its stop fills at 247.00 (the level, not the
  high). Re-entry at the day's close: the index closes at 22,320, ATM 22,300: sell 22300 PE
  at its close 180.00, stop 234.00, watched from the next day. The call (high 170) stays.
* Thu 2 Apr, Mon 6 Apr: the call's highs 140, 95; the new put's 200, 230: below 260 and 234.
* Tue 7 Apr (expiry): the index closes at 22,260. 22500 CE expires worthless; 22300 PE
  settles at its intrinsic value, 22,300 − 22,260 = 40.00.

Gross P&L (per leg, 65 units)
-----------------------------
* 22500 CE: (200 − 0) × 65 = 13,000.00
* 22500 PE: (190 − 247) × 65 = −3,705.00
* 22300 PE: (180 − 40) × 65 = 9,100.00
* total 18,395.00

Charges by trade date (the Budget 2026 STT starts on 1 April 2026)
------------------------------------------------------------------
30 Mar (STT on option sells 0.1 %): sells 13,000 + 12,350 = 25,350 turnover.
  brokerage 2 × 20 = 40; STT 25.35 → 25 (whole rupees per note); exchange 0.03503 % =
  8.880105; IPFT 0.0005 % = 0.12675; SEBI 0.0001 % = 0.02535; stamp 0 (no buy);
  GST 18 % × (40 + 8.880105 + 0.12675 + 0.02535) = 8.8257969; total 82.8580019 → 82.86.
1 Apr (STT 0.15 %): buy 65 @ 247 = 16,055; sell 65 @ 180 = 11,700; turnover 27,755.
  brokerage 40; STT 0.15 % × 11,700 = 17.55 → 18; exchange 9.7225765; IPFT 0.138775;
  SEBI 0.027755; stamp 0.003 % × 16,055 = 0.48165; GST 0.18 × 49.8891065 = 8.98003917;
  total 77.35079567 → 77.35.
7 Apr: the short 22300 PE settles in the money: brokerage 20 + GST 3.60 = 23.60 (no STT:
  exercise STT is the long's); the call expires worthless: nothing.
Charges 82.86 + 77.35 + 23.60 = 183.81. Net 18,395.00 − 183.81 = 18,211.19.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from tests.fo_bhavcopy_files import FoRow, write_udiff
from tradertape.backtest.options.engine import OptionsBacktester
from tradertape.backtest.options.results import summarize
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.synthetic import InMemoryChains

EXPIRY = date(2026, 4, 7)
# day → (index close, {(strike, type): (open, high, low, close)})
DAYS = {
    date(2026, 3, 27): (22480.0, {}),
    date(2026, 3, 30): (
        22430.0,
        {(22500, "CE"): (200, 230, 180, 210), (22500, "PE"): (190, 240, 170, 235),
         (22300, "PE"): (110, 150, 100, 140)},
    ),
    date(2026, 4, 1): (
        22320.0,
        {(22500, "CE"): (150, 170, 120, 130), (22500, "PE"): (240, 290, 230, 280),
         (22300, "PE"): (150, 190, 140, 180)},
    ),
    date(2026, 4, 2): (
        22380.0,
        {(22500, "CE"): (120, 140, 90, 100), (22500, "PE"): (250, 270, 200, 220),
         (22300, "PE"): (170, 200, 150, 160)},
    ),
    date(2026, 4, 6): (
        22450.0,
        {(22500, "CE"): (80, 95, 60, 70), (22500, "PE"): (200, 260, 150, 160),
         (22300, "PE"): (150, 230, 120, 125)},
    ),
    date(2026, 4, 7): (
        22260.0,
        {(22500, "CE"): (40, 60, 5, 10), (22500, "PE"): (150, 260, 60, 240),
         (22300, "PE"): (100, 120, 20, 45)},
    ),
}  # fmt: skip
STRIKES = (22300, 22400, 22500, 22600)


def chains() -> InMemoryChains:
    rows = []
    for day, (close, prices) in DAYS.items():
        for strike in STRIKES:
            for kind in ("CE", "PE"):
                o, h, lo, c = prices.get((strike, kind), (50, 60, 40, 55))
                rows.append(
                    {
                        "day": day, "expiry": EXPIRY, "strike": float(strike),
                        "option_type": kind, "open": float(o), "high": float(h),
                        "low": float(lo), "close": float(c), "underlying_close": close,
                        "lot_size": 65,
                    }
                )  # fmt: skip
    return InMemoryChains.from_rows("NIFTY", rows)


def bhavcopy_rows(day: date) -> list[FoRow]:
    """The day of `DAYS` as NSE's F&O bhavcopy rows (the same options, a settle equal to the
    close; and the April and May futures, which the engine must pass over)."""
    close, prices = DAYS[day]
    rows = [
        FoRow("FUTIDX", "NIFTY", expiry, None, "", close + 40, close + 90, close - 60,
              close + 30, close + 30, close, lot_size=65)
        for expiry in (date(2026, 4, 28), date(2026, 5, 26))
    ]  # fmt: skip
    for strike in STRIKES:
        for kind in ("CE", "PE"):
            o, h, lo, c = prices.get((strike, kind), (50, 60, 40, 55))
            rows.append(
                FoRow("OPTIDX", "NIFTY", EXPIRY, float(strike), kind, o, h, lo, c, c, close,
                      open_interest=650_000, volume=1_000, lot_size=65)
            )  # fmt: skip
    return rows


def write_bhavcopies(folder: Path) -> Path:
    """The worked example's days as UDiFF bhavcopy files in `folder` (made if need be)."""
    folder.mkdir(parents=True, exist_ok=True)
    for day in DAYS:
        write_udiff(folder, day, bhavcopy_rows(day))
    return folder


STRADDLE = {
    "name": "weekly short straddle",
    "underlying": "NIFTY",
    "resolution": "daily",
    "hold": "expiry",
    "daily": {"entry": "open"},
    "legs": [
        {
            "option_type": kind,
            "side": "sell",
            "lots": 1,
            "expiry": {"kind": "weekly", "nth": 0},
            "strike": {"type": "atm", "offset": 0},
            "stop_loss": {"unit": "pct", "value": 30},
            "reentry": {"times": 1, "strike": "reselect"},
        }
        for kind in ("CE", "PE")
    ],
}


def test_short_straddle_with_a_stop_a_reentry_and_settlement_matches_the_hand_calculation():
    strategy = OptionStrategy.model_validate(STRADDLE)
    run = OptionsBacktester(strategy, chains()).run(date(2026, 3, 30), date(2026, 4, 7))
    trades = sorted(run.trades, key=lambda t: (t.entry_day, t.leg))
    seen = [
        (t.strike, t.option_type, t.entry_day, t.entry_price, t.exit_day, t.exit_price, t.reason,
         t.gross)
        for t in trades
    ]  # fmt: skip
    assert seen == [
        (Decimal("22500.00"), "CE", date(2026, 3, 30), Decimal("200.00"), EXPIRY, Decimal(0),
         "settlement", Decimal("13000.00")),
        (Decimal("22500.00"), "PE", date(2026, 3, 30), Decimal("190.00"), date(2026, 4, 1),
         Decimal("247.00"), "stop_loss", Decimal("-3705.00")),
        (Decimal("22300.00"), "PE", date(2026, 4, 1), Decimal("180.00"), EXPIRY,
         Decimal("40.00"), "settlement", Decimal("9100.00")),
    ]  # fmt: skip
    assert [t.entry_number for t in trades] == [0, 0, 1]
    results = summarize(run)
    by_day = {c.day: c for c in results.charges_by_day}
    assert by_day[date(2026, 3, 30)].total == Decimal("82.86")
    assert by_day[date(2026, 3, 30)].stt == Decimal(25)
    assert by_day[date(2026, 4, 1)].total == Decimal("77.35")
    assert by_day[date(2026, 4, 1)].stt == Decimal(18)  # 0.15 % from 1 April 2026
    assert by_day[EXPIRY].total == Decimal("23.60")
    assert results.gross == Decimal("18395.00")
    assert results.charges == Decimal("183.81")
    assert results.slippage == 0
    assert results.net == Decimal("18211.19")
    assert results.final_equity == float(results.capital + results.net)
    assert results.margin_peak > 0
    assert results.return_on_margin == float(results.net / results.margin_peak * 100)
    assert [b.key for b in results.by_expiry] == ["2026-04-07"]
    assert results.by_expiry[0].pnl == Decimal("18395.00")


def test_the_rate_in_force_on_the_trade_date_prices_the_fill():
    """The same straddle a day later in the rates' calendar: entered on 1 April, its sells
    pay 0.15 % STT (Budget 2026), where 30 March's paid 0.1 %."""
    strategy = OptionStrategy.model_validate(STRADDLE)
    run = OptionsBacktester(strategy, chains()).run(date(2026, 4, 1), date(2026, 4, 7))
    first = summarize(run).charges_by_day[0]
    assert first.day == date(2026, 4, 1)
    sells = sum(t.entry_fill * t.quantity for t in run.trades if t.entry_day == date(2026, 4, 1))
    assert first.stt == (sells * Decimal("0.0015")).quantize(Decimal(1))

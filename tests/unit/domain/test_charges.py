"""Zerodha charges: the reference's worked examples to the paisa, date windows, rounding rules."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tradertape.domain.charges import (
    NO_CHARGES,
    SCHEDULES,
    ChargesBreakdown,
    Exchange,
    Fill,
    Segment,
    Side,
    compute_charges,
    exercise_stt,
    schedule_for,
)
from tradertape.domain.money import paise

D = Decimal
DAY_2026 = date(2026, 6, 1)
ISIN = "INE002A01018"


def buy(segment: Segment, qty: int, price: str, order: str = "b", **kw: object) -> Fill:
    return Fill(order, segment, Side.BUY, qty, D(price), **kw)  # type: ignore[arg-type]


def sell(segment: Segment, qty: int, price: str, order: str = "s", **kw: object) -> Fill:
    return Fill(order, segment, Side.SELL, qty, D(price), **kw)  # type: ignore[arg-type]


def three_places(value: Decimal) -> Decimal:
    return value.quantize(D("0.001"), rounding=ROUND_HALF_UP)


# --- the reference's worked examples (§4), all NSE at the 2026 rates --------------------------

# (segment, qty, buy price, sell price, brokerage, stt, txn, sebi, stamp, gst, dp, total)
WORKED = [
    pytest.param(
        Segment.EQUITY_INTRADAY, 100, "1400", "1410",
        "40", "35", "8.627", "0.281", "4.200", "8.803", "0", "96.91", id="intraday-mis",
    ),
    pytest.param(
        Segment.FUTURES, 65, "25000", "25100",
        "40", "816", "59.594", "3.257", "32.500", "18.513", "0", "969.86", id="nifty-future",
    ),
    pytest.param(
        Segment.OPTIONS, 65, "100", "120",
        "40", "12", "5.081", "0.014", "0.195", "8.117", "0", "65.41", id="nifty-option",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    (
        "segment",
        "qty",
        "bp",
        "sp",
        "brokerage",
        "stt",
        "txn",
        "sebi",
        "stamp",
        "gst",
        "dp",
        "total",
    ),
    WORKED,
)
def test_same_day_worked_examples_match_the_reference_to_the_paisa(
    segment, qty, bp, sp, brokerage, stt, txn, sebi, stamp, gst, dp, total
):
    got = compute_charges([buy(segment, qty, bp), sell(segment, qty, sp)], DAY_2026)

    assert got.total == D(total)
    assert got.brokerage == D(brokerage)
    assert got.stt == D(stt)
    # The reference prints the exact parts to three places and folds IPFT into "Txn".
    assert three_places(got.exchange_turnover_charge) == D(txn)
    assert three_places(got.sebi) == D(sebi)
    assert three_places(got.stamp) == D(stamp)
    assert three_places(got.gst) == D(gst)
    assert got.dp == D(dp)


def test_delivery_round_trip_over_two_days_totals_337_19():
    bought = compute_charges([buy(Segment.EQUITY_DELIVERY, 100, "1400")], date(2026, 6, 1))
    sold = compute_charges(
        [sell(Segment.EQUITY_DELIVERY, 100, "1500", instrument=ISIN)], date(2026, 6, 2)
    )

    both = bought + sold

    assert (bought.total, sold.total) == (D("166.24"), D("170.95"))
    assert both.total == D("337.19")
    assert both.stt == D("290")
    assert three_places(both.exchange_turnover_charge) == D("8.903")
    assert both.sebi == D("0.29")
    assert both.stamp == D("21.00")
    assert three_places(both.gst) == D("1.655")
    assert both.dp == D("15.34")


def test_delivery_round_trip_priced_as_one_note_also_totals_337_19():
    fills = [
        buy(Segment.EQUITY_DELIVERY, 100, "1400"),
        sell(Segment.EQUITY_DELIVERY, 100, "1500", instrument=ISIN),
    ]

    got = compute_charges(fills, DAY_2026)

    assert got.total == D("337.19")
    # Rounding every line to the paisa first would have given 337.18: the rule matters.
    assert sum(paise(part) for part in got.parts) == D("337.18")


@pytest.mark.parametrize(
    ("segment", "qty", "bp", "sp", "net"),
    [
        pytest.param(Segment.EQUITY_INTRADAY, 100, "1400", "1410", "903.09", id="intraday"),
        pytest.param(Segment.OPTIONS, 65, "100", "120", "1234.59", id="option"),
    ],
)
def test_net_pnl_of_the_worked_examples(segment, qty, bp, sp, net):
    charges = compute_charges([buy(segment, qty, bp), sell(segment, qty, sp)], DAY_2026)

    assert qty * (D(sp) - D(bp)) - charges.total == D(net)


# --- date windows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "day", "stt"),
    [
        pytest.param(Segment.FUTURES, date(2023, 3, 31), "100", id="fut-0.01pct"),
        pytest.param(Segment.FUTURES, date(2023, 4, 1), "125", id="fut-finance-act-2023"),
        pytest.param(Segment.FUTURES, date(2024, 9, 30), "125", id="fut-last-day-0.0125pct"),
        pytest.param(Segment.FUTURES, date(2024, 10, 1), "200", id="fut-budget-2024"),
        pytest.param(Segment.FUTURES, date(2026, 3, 31), "200", id="fut-last-day-0.02pct"),
        pytest.param(Segment.FUTURES, date(2026, 4, 1), "500", id="fut-budget-2026"),
        pytest.param(Segment.OPTIONS, date(2020, 7, 1), "500", id="opt-0.05pct"),
        pytest.param(Segment.OPTIONS, date(2023, 4, 1), "625", id="opt-finance-act-2023"),
        pytest.param(Segment.OPTIONS, date(2024, 10, 1), "1000", id="opt-budget-2024"),
        pytest.param(Segment.OPTIONS, date(2026, 4, 1), "1500", id="opt-budget-2026"),
        pytest.param(Segment.EQUITY_INTRADAY, date(2020, 7, 1), "250", id="mis-unchanged-2020"),
        pytest.param(Segment.EQUITY_INTRADAY, date(2026, 4, 1), "250", id="mis-unchanged-2026"),
    ],
)
def test_sell_side_stt_follows_the_schedule_in_force(segment, day, stt):
    # ₹10 lakh of sell turnover (premium turnover for options).
    got = compute_charges([sell(segment, 1000, "1000")], day)

    assert got.stt == D(stt)


@pytest.mark.parametrize(
    ("day", "txn", "ipft"),
    [
        pytest.param(date(2020, 12, 31), "325", "0.01", id="2020-top-slab"),
        pytest.param(date(2021, 1, 1), "345", "0.01", id="2021-6pct-hike"),
        pytest.param(date(2023, 4, 1), "322", "10", id="2023-rollback-and-ipft"),
        pytest.param(date(2024, 10, 1), "297", "10", id="2024-true-to-label"),
    ],
)
def test_nse_cash_transaction_charge_and_ipft_per_crore(day, txn, ipft):
    got = compute_charges([buy(Segment.EQUITY_DELIVERY, 10_000, "1000")], day)  # ₹1 crore

    assert got.exchange_txn == D(txn)
    assert got.ipft == D(ipft)


def test_history_before_uniform_stamp_duty_uses_the_2020_rates_as_an_approximation():
    fills = [buy(Segment.EQUITY_DELIVERY, 10, "100")]
    before = compute_charges(fills, date(2020, 6, 30))
    assert before == compute_charges(fills, date(2020, 7, 1))
    assert "Approximation" in schedule_for(date(2018, 1, 1)).change
    with pytest.raises(ValueError, match="no charge schedule covers 2014-12-31"):
        compute_charges(fills, date(2014, 12, 31))


def test_schedules_are_strictly_ordered_and_each_names_its_change():
    starts = [s.valid_from for s in SCHEDULES]

    assert starts == sorted(set(starts))
    assert all(s.change for s in SCHEDULES)


@pytest.mark.parametrize("index", range(len(SCHEDULES)))
def test_schedule_for_switches_on_the_valid_from_day(index):
    schedule = SCHEDULES[index]

    assert schedule_for(schedule.valid_from) is schedule
    if index:
        previous_day = date.fromordinal(schedule.valid_from.toordinal() - 1)
        assert schedule_for(previous_day) is SCHEDULES[index - 1]


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        pytest.param(date(2026, 3, 31), "125", id="0.125pct"),
        pytest.param(date(2026, 4, 1), "150", id="budget-2026-0.15pct"),
    ],
)
def test_exercise_stt_on_intrinsic_value(day, rate):
    assert exercise_stt(D("100000"), day) == D(rate)


def test_exercise_stt_rejects_negative_intrinsic_value():
    with pytest.raises(ValueError, match="negative"):
        exercise_stt(D("-1"), DAY_2026)


# --- brokerage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fills", "brokerage"),
    [
        pytest.param([buy(Segment.EQUITY_INTRADAY, 10, "1000")], "3", id="0.03pct-below-cap"),
        pytest.param([buy(Segment.EQUITY_INTRADAY, 100, "1000")], "20", id="capped-at-20"),
        pytest.param(
            [buy(Segment.EQUITY_INTRADAY, 50, "1000"), buy(Segment.EQUITY_INTRADAY, 50, "1000")],
            "20",
            id="one-order-two-fills-capped-once",
        ),
        pytest.param(
            [
                buy(Segment.EQUITY_INTRADAY, 50, "1000", order="a"),
                buy(Segment.EQUITY_INTRADAY, 50, "1000", order="b"),
            ],
            "30",
            id="two-orders-priced-separately",
        ),
        pytest.param(
            [buy(Segment.OPTIONS, 1, "0.05"), buy(Segment.OPTIONS, 1, "0.05")],
            "20",
            id="options-flat-per-order",
        ),
        pytest.param([buy(Segment.FUTURES, 1, "100")], "0.03", id="futures-percentage"),
        pytest.param([buy(Segment.EQUITY_DELIVERY, 1000, "1000")], "0", id="delivery-free"),
    ],
)
def test_brokerage_is_per_executed_order(fills, brokerage):
    assert compute_charges(fills, DAY_2026).brokerage == D(brokerage)


def test_an_order_mixing_segments_is_refused():
    fills = [buy(Segment.FUTURES, 1, "100"), buy(Segment.OPTIONS, 1, "100")]

    with pytest.raises(ValueError, match="mixes segments"):
        compute_charges(fills, DAY_2026)


# --- rounding and side rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fills", "stt"),
    [
        pytest.param([sell(Segment.EQUITY_INTRADAY, 1, "142000")], "36", id="half-rupee-up"),
        pytest.param([sell(Segment.EQUITY_INTRADAY, 1, "141000")], "35", id="quarter-down"),
        pytest.param(
            [
                sell(Segment.EQUITY_INTRADAY, 1, "2000", order="n"),
                sell(Segment.EQUITY_INTRADAY, 1, "2000", order="b", exchange=Exchange.BSE),
            ],
            "2",
            id="nse-and-bse-notes-round-separately",
        ),
        pytest.param(
            [sell(Segment.EQUITY_INTRADAY, 1, "2000"), sell(Segment.FUTURES, 1, "1000", order="f")],
            "2",
            id="cash-and-fo-notes-round-separately",
        ),
        pytest.param(
            [sell(Segment.EQUITY_INTRADAY, 1, "1000"), sell(Segment.EQUITY_INTRADAY, 1, "1000")],
            "1",
            id="one-note-rounds-once",
        ),
    ],
)
def test_stt_is_rounded_to_the_rupee_per_contract_note(fills, stt):
    assert compute_charges(fills, DAY_2026).stt == D(stt)


def test_stamp_duty_is_buy_side_only():
    got = compute_charges([sell(Segment.EQUITY_INTRADAY, 100, "1000")], DAY_2026)

    assert got.stamp == 0
    assert got.stt > 0


def test_gst_is_18pct_of_brokerage_exchange_ipft_and_sebi_only():
    got = compute_charges([sell(Segment.FUTURES, 65, "25100")], DAY_2026)

    assert got.gst == (got.brokerage + got.exchange_txn + got.ipft + got.sebi) * D("0.18")


@pytest.mark.parametrize(
    ("fills", "women", "dp"),
    [
        pytest.param(
            [
                sell(Segment.EQUITY_DELIVERY, 10, "100", order="a", instrument=ISIN),
                sell(Segment.EQUITY_DELIVERY, 20, "100", order="b", instrument=ISIN),
            ],
            False,
            "15.34",
            id="once-per-isin-per-day",
        ),
        pytest.param(
            [
                sell(Segment.EQUITY_DELIVERY, 10, "100", order="a", instrument=ISIN),
                sell(Segment.EQUITY_DELIVERY, 10, "100", order="b", instrument="INE009A01021"),
            ],
            False,
            "30.68",
            id="two-isins",
        ),
        pytest.param(
            [sell(Segment.EQUITY_DELIVERY, 1, "100", instrument=ISIN)],
            True,
            "15.05",
            id="woman-first-holder-12.75-plus-gst",
        ),
        pytest.param([sell(Segment.EQUITY_INTRADAY, 1, "100")], False, "0", id="not-on-intraday"),
        pytest.param([buy(Segment.EQUITY_DELIVERY, 1, "100")], False, "0", id="not-on-buys"),
    ],
)
def test_dp_charges(fills, women, dp):
    assert compute_charges(fills, DAY_2026, women_first_holder=women).dp == D(dp)


@pytest.mark.parametrize(
    ("segment", "day", "txn"),
    [
        pytest.param(Segment.EQUITY_DELIVERY, DAY_2026, "375", id="cash-375-per-crore"),
        pytest.param(Segment.FUTURES, DAY_2026, "0", id="futures-free"),
        pytest.param(Segment.OPTIONS, DAY_2026, "3250", id="sensex-options-2024-10"),
        pytest.param(Segment.EQUITY_DELIVERY, date(2022, 11, 30), "300", id="cash-before-2022-12"),
    ],
)
def test_bse_transaction_charges_per_crore_and_no_ipft(segment, day, txn):
    got = compute_charges([buy(segment, 10_000, "1000", exchange=Exchange.BSE)], day)

    assert got.exchange_txn == D(txn)
    assert got.ipft == 0


# --- fills and breakdown values -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"price": 100.5}, TypeError, id="float-price"),
        pytest.param({"price": D("0")}, ValueError, id="zero-price"),
        pytest.param({"price": D("NaN")}, ValueError, id="nan-price"),
        pytest.param({"quantity": 0}, ValueError, id="zero-quantity"),
        pytest.param({"quantity": True}, ValueError, id="bool-quantity"),
        pytest.param({"order_id": ""}, ValueError, id="no-order-id"),
        pytest.param({"instrument": ""}, ValueError, id="delivery-sell-without-isin"),
    ],
)
def test_invalid_fills_are_refused(kwargs, error):
    fields: dict[str, object] = {
        "order_id": "o",
        "segment": Segment.EQUITY_DELIVERY,
        "side": Side.SELL,
        "quantity": 1,
        "price": D("100"),
        "instrument": ISIN,
    }
    fields.update(kwargs)

    with pytest.raises(error):
        Fill(**fields)  # type: ignore[arg-type]


def test_no_fills_cost_nothing():
    assert compute_charges([], DAY_2026) == NO_CHARGES


def test_breakdowns_add_field_by_field():
    a = ChargesBreakdown(*(D(n) for n in range(1, 10)))

    assert a + NO_CHARGES == a
    assert (a + a).total == D(18)
    assert (a + a).parts == tuple(D(2 * n) for n in range(1, 9))


# --- properties -----------------------------------------------------------------------------

prices = st.decimals(min_value=D("0.05"), max_value=D("50000"), places=2)
trade_dates = st.dates(min_value=date(2020, 7, 1), max_value=date(2027, 12, 31))


@st.composite
def fills(draw: st.DrawFn) -> Fill:
    segment = draw(st.sampled_from(Segment))
    side = draw(st.sampled_from(Side))
    exchange = draw(st.sampled_from(Exchange))
    instrument = draw(st.sampled_from([ISIN, "INE009A01021"]))
    number = draw(st.integers(min_value=1, max_value=3))
    return Fill(
        # An order is of one segment, side, exchange and instrument: all are in its id.
        order_id=f"{segment}-{side}-{exchange}-{instrument}-{number}",
        segment=segment,
        side=side,
        quantity=draw(st.integers(min_value=1, max_value=5000)),
        price=draw(prices),
        exchange=exchange,
        instrument=instrument,
    )


@given(st.lists(fills(), max_size=8), trade_dates)
def test_charges_are_never_negative_and_the_total_is_the_rounded_sum(day_fills, day):
    got = compute_charges(day_fills, day)

    assert all(part >= 0 for part in got.parts)
    assert got.total == paise(sum(got.parts, D(0)))
    assert got.stt == got.stt.to_integral_value()
    assert got.stamp == 0 or any(f.side is Side.BUY for f in day_fills)


@given(st.lists(fills(), max_size=6), fills(), trade_dates)
def test_another_order_never_lowers_the_total(day_fills, extra, day):
    # except one that day-trades a delivery-product position: buying back what was sold
    # from demat today makes both intraday (no DP, lower STT), see test_day_netting
    assume(
        extra.segment is not Segment.EQUITY_DELIVERY
        or not any(
            f.segment is Segment.EQUITY_DELIVERY
            and (f.exchange, f.instrument) == (extra.exchange, extra.instrument)
            and f.side is not extra.side
            for f in day_fills
        )
    )
    alone = compute_charges(day_fills, day)
    extra = Fill(
        "extra-order", extra.segment, extra.side, extra.quantity, extra.price,
        extra.exchange, extra.instrument,
    )  # fmt: skip

    assert compute_charges([*day_fills, extra], day).total >= alone.total


@given(st.lists(fills(), max_size=8), trade_dates)
def test_brokerage_never_exceeds_twenty_rupees_an_order(day_fills, day):
    orders = {f.order_id for f in day_fills}

    assert compute_charges(day_fills, day).brokerage <= 20 * len(orders)


@pytest.mark.parametrize(
    ("kind", "intraday", "segment"),
    [
        pytest.param(None, False, Segment.EQUITY_DELIVERY, id="cnc"),
        pytest.param(None, True, Segment.EQUITY_INTRADAY, id="mis"),
        pytest.param("FUT", True, Segment.FUTURES, id="fut-mis"),
        pytest.param("FUT", False, Segment.FUTURES, id="fut-nrml"),
        pytest.param("CE", False, Segment.OPTIONS, id="call"),
        pytest.param("PE", True, Segment.OPTIONS, id="put"),
    ],
)
def test_charge_segment(kind, intraday, segment):
    from tradertape.domain.charges import charge_segment

    assert charge_segment(derivative_kind=kind, intraday=intraday) is segment

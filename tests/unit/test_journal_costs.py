"""Uploaded rows charged as their contract notes charge them, worked by hand to the paisa.

Every example is in FY 2023-24, on Zerodha's schedule in force from 2023-04-01
(`charge_rates._FINANCE_ACT_2023`):

* brokerage: delivery ₹0; intraday and futures 0.03 % or ₹20 per order, lower; options flat
  ₹20 per order;
* STT: delivery 0.1 % buy and sell; intraday 0.025 % sell; futures 0.0125 % sell; options
  0.0625 % of premium, sell; to the rupee per contract note (half up);
* NSE transaction charge: 0.00322 % cash, 0.00183 % futures, 0.0495 % of option premium;
* IPFT (NSE): ₹10/crore = 0.0001 % (cash and futures), 0.0005 % of option premium;
* SEBI fee ₹10/crore = 0.0001 %; stamp duty on buys: 0.015 % delivery, 0.003 % intraday and
  options, 0.002 % futures;
* GST 18 % of brokerage + transaction charge + IPFT + SEBI fee; DP ₹13 + 18 % = ₹15.34 per
  ISIN sold from demat per day.

A row is charged what it adds to its day's notes, in time order (`domain.charge_day.
charge_fill`, the ledger's function for paper and live fills): the day's total to the paisa
after the row, less before it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.charge_day import ChargeDay, charge_fill
from tradertape.domain.charges import Fill, Segment, Side, compute_charges
from tradertape.journal import costs
from tradertape.journal.pnl import fifo
from tradertape.journal.tax import STCG, tax_year
from tradertape.journal.trades import UPLOAD, JournalTrade
from tradertape.journal.transfer_expenses import transfer_expenses

D = Decimal


def figures(estimate: costs.Estimate) -> tuple[Decimal, Decimal]:
    """A row's charges and the STT among them."""
    return estimate.charges, estimate.stt


def row(
    symbol: str,
    day: str,
    at: str,
    side: str,
    quantity: int,
    price: str,
    *,
    order: str,
    segment: str = "EQ",
    exchange: str = "NSE",
) -> JournalTrade:
    """A Console tradebook row (no charges, no product)."""
    return JournalTrade(
        source=UPLOAD,
        broker="zerodha",
        account="ZX1234",
        exchange=exchange,
        segment=segment,
        symbol=symbol,
        isin=f"INE-{symbol}" if segment == "EQ" else None,
        day=date.fromisoformat(day),
        at=datetime.fromisoformat(f"{day}T{at}").replace(tzinfo=UTC),
        side=side,
        quantity=D(quantity),
        price=D(price),
        trade_id=f"T-{order}",
        order_id=order,
    )


def test_a_future_takes_none_of_a_same_day_share_sales_stt_or_dp():
    trades = [
        # a delivery sale of 50 INFY @ ₹1,451 = ₹72,550, from demat (equity note)
        row("INFY", "2023-11-15", "04:00", "sell", 50, "1451", order="E1"),
        # a NIFTY future bought and sold the day (F&O note): ₹9,85,000 and ₹9,87,500
        row("NIFTY23NOVFUT", "2023-11-15", "04:30", "buy", 50, "19700", order="F1", segment="FO"),
        row("NIFTY23NOVFUT", "2023-11-15", "08:30", "sell", 50, "19750", order="F2", segment="FO"),
    ]
    priced = costs.estimate(trades)
    # Equity note, the share sale alone:
    #   STT 0.1 % × 72,550 = 72.55 → ₹73; txn 0.00322 % = 2.33611; IPFT 0.07255; SEBI 0.07255
    #   GST 18 % × (2.33611 + 0.07255 + 0.07255) = 0.4466178; DP ₹15.34
    #   = 91.2678278 → ₹91.27
    assert figures(priced[0]) == (D("91.27"), D(73))
    assert priced[0].note is not None
    assert priced[0].note.startswith("DP charge ₹15.34 of this day's INFY sale from demat")
    # F&O note. The buy: brokerage ₹20 (0.03 % = 295.50, capped); txn 0.00183 % × 9,85,000 =
    #   18.0255; IPFT 0.985; SEBI 0.985; stamp 0.002 % = 19.70;
    #   GST 18 % × (20 + 18.0255 + 0.985 + 0.985) = 7.19919; sum 66.89469.
    #   The day: 91.2678278 + 66.89469 = 158.1625178 → 158.16; the buy is charged 158.16 − 91.27
    assert figures(priced[1]) == (D("66.89"), D(0))
    # The sale: brokerage ₹20; STT 0.0125 % × 9,87,500 = 123.4375 → ₹123 (the F&O note's own);
    #   txn 18.07125; IPFT 0.9875; SEBI 0.9875; GST 18 % × 40.04625 = 7.208325; sum 170.254575.
    #   The day: 328.4170928 → 328.42; the sale is charged 328.42 − 158.16
    assert figures(priced[2]) == (D("170.26"), D(123))
    # the future's two rows are the F&O note (its exact parts 237.149265 → ₹237.15), and
    # nothing of the share's ₹73 STT or ₹15.34 DP; pooled by value it took ₹316.77 of ₹328.42
    assert priced[1].charges + priced[2].charges == D("237.15")
    (trip,) = fifo(trades, charges={i: e.charges for i, e in priced.items()}).trips
    assert trip.charges == D("237.15")


def test_an_options_brokerage_stays_with_the_option():
    trades = [
        # a delivery buy of 10 TCS @ ₹4,000 = ₹40,000 (brokerage ₹0)
        row("TCS", "2024-02-07", "04:00", "buy", 10, "4000", order="E1"),
        # a NIFTY call, 50 @ ₹100 = ₹5,000 of premium (brokerage flat ₹20)
        row("NIFTY24FEB22000CE", "2024-02-07", "04:10", "buy", 50, "100", order="O1", segment="FO"),
    ]
    priced = costs.estimate(trades)
    # The share: STT 0.1 % = ₹40; txn 0.00322 % = 1.288; IPFT 0.04; SEBI 0.04;
    #   stamp 0.015 % = 6; GST 18 % × (1.288 + 0.04 + 0.04) = 0.24624; = 47.61424 → ₹47.61
    assert figures(priced[0]) == (D("47.61"), D(40))
    # The option: brokerage ₹20; txn 0.0495 % × 5,000 = 2.475; IPFT 0.0005 % = 0.025;
    #   SEBI 0.005; stamp 0.003 % = 0.15; GST 18 % × (20 + 2.475 + 0.025 + 0.005) = 4.0509;
    #   = 26.7059. The day: 74.32014 → 74.32; the option is charged 74.32 − 47.61 = 26.71
    assert figures(priced[1]) == (D("26.71"), D(0))
    # the share's cost carries none of the option's ₹20 (by value it took ₹66.06 of ₹74.32)
    assert priced[0].charges < 20 + 40


def test_a_buy_and_a_part_sale_the_same_day_are_intraday_by_quantity():
    trades = [
        row("RELIANCE", "2023-12-01", "04:30", "buy", 100, "2400", order="B1"),  # ₹2,40,000
        row("RELIANCE", "2023-12-01", "08:30", "sell", 40, "2410", order="S1"),  # ₹96,400
        row("RELIANCE", "2024-01-10", "05:00", "sell", 60, "2500", order="S2"),  # ₹1,50,000
    ]
    priced = costs.estimate(trades)
    # The buy, alone on its note so far: a delivery buy of ₹2,40,000.
    #   STT 0.1 % = ₹240; txn 0.00322 % = 7.728; IPFT 0.24; SEBI 0.24; stamp 0.015 % = 36;
    #   GST 18 % × (7.728 + 0.24 + 0.24) = 1.47744; = 285.68544 → ₹285.69
    assert figures(priced[0]) == (D("285.69"), D(240))
    # The sale makes 40 of the 100 a day trade (`day_netting`): the note re-prices the day.
    #   Buy: 40 intraday (₹96,000), 60 delivery (₹1,44,000); sale: 40 intraday (₹96,400).
    #   STT: 0.1 % × 1,44,000 = 144 (the 60 delivered pay buy STT) + 0.025 % × 96,400 = 24.10
    #     = 168.10 → ₹168
    #   brokerage: the buy order's intraday part 0.03 % × 96,000 = 28.80 → ₹20 (+ ₹0 on the
    #     delivery part); the sale 0.03 % × 96,400 = 28.92 → ₹20; ₹40
    #   txn 0.00322 % × 3,36,400 = 10.83208; IPFT 0.3364; SEBI 0.3364
    #   stamp 0.003 % × 96,000 = 2.88 + 0.015 % × 1,44,000 = 21.60; = 24.48
    #   GST 18 % × (40 + 10.83208 + 0.3364 + 0.3364) = 9.2708784
    #   = 253.2557584 → ₹253.26; the sale is charged 253.26 − 285.69 = −32.43 (its STT 168 − 240)
    assert figures(priced[1]) == (D("-32.43"), D(-72))
    assert priced[1].note == (
        "40 RELIANCE bought and sold today: intraday, the day's note re-prices them"
    )
    # Day 2, the 60 delivered sold for ₹1,50,000: STT 0.1 % = ₹150; txn 4.83; IPFT 0.15;
    #   SEBI 0.15; GST 18 % × 5.13 = 0.9234; DP 15.34; = 171.3934 → ₹171.39
    assert figures(priced[2]) == (D("171.39"), D(150))
    charges = {i: e.charges for i, e in priced.items()}
    stt = {i: e.stt for i, e in priced.items()}
    day_trade, delivered = fifo(trades, charges=charges, stt=stt).trips
    # The day trade: 40 % of the buy (114.276, STT 96) and the sale (−32.43, STT −72):
    #   81.846 with STT 24 (the note's intraday sell STT, 0.025 % × 96,400 = 24.10 → 24)
    assert day_trade.intraday
    assert (day_trade.charges, day_trade.stt) == (D("81.846"), D(24))
    # The 60 delivered carry 60 % of the buy, ₹171.414 with its STT ₹144 (0.1 % of
    #   60 × 2,400), and the day-2 sale's 171.39 with STT 150
    assert not delivered.intraday
    assert (delivered.charges, delivered.stt) == (D("342.804"), D(294))
    # the day's two notes add up: 81.846 + 171.414 = 253.26
    assert day_trade.charges + delivered.charges - priced[2].charges == D("253.26")
    # s.48: every charge but STT, 342.804 − 294 = 48.804, not clipped
    assert transfer_expenses(delivered) == D("48.804")


def test_s48_deducts_a_delivered_sales_charges_but_stt_fy_2023_24():
    trades = [
        row("HDFCBANK", "2023-06-01", "05:00", "buy", 100, "1850", order="B1"),  # ₹1,85,000
        row("HDFCBANK", "2023-12-01", "05:00", "sell", 100, "1899", order="S1"),  # ₹1,89,900
    ]
    priced = costs.estimate(trades)
    # Buy: STT 0.1 % = ₹185; txn 0.00322 % = 5.957; IPFT 0.185; SEBI 0.185; stamp 0.015 % =
    #   27.75; GST 18 % × (5.957 + 0.185 + 0.185) = 1.13886; = 220.21586 → ₹220.22
    # Sale: STT 0.1 % × 1,89,900 = 189.90 → ₹190; txn 6.11478; IPFT 0.1899; SEBI 0.1899;
    #   GST 18 % × 6.49458 = 1.1690244; DP ₹15.34; = 212.9980044 → ₹213.00
    assert figures(priced[0]) == (D("220.22"), D(185))
    assert figures(priced[1]) == (D("213.00"), D(190))
    (trip,) = fifo(
        trades,
        charges={i: e.charges for i, e in priced.items()},
        stt={i: e.stt for i, e in priced.items()},
    ).trips
    # s.48: (220.22 − 185) + (213.00 − 190) = 35.22 + 23.00 = ₹58.22
    assert transfer_expenses(trip) == D("58.22")
    # STCG u/s 111A: 1,89,900 − 1,85,000 − 58.22 = ₹4,841.78 (not ₹4,900.00)
    year = tax_year([trip], "2023-24")
    (bucket,) = [b for b in year.buckets if b.kind == STCG]
    assert (bucket.gains, bucket.expenses) == (D("4841.78"), D("58.22"))


def test_a_row_the_schedule_cannot_price_gets_none():
    trades = [
        row(
            "CRUDEOIL23DECFUT",
            "2023-12-01",
            "05:00",
            "buy",
            100,
            "6000",
            order="C1",
            segment="FO",
            exchange="MCX",
        ),
        row(
            "USDINR23DECFUT",
            "2023-12-01",
            "05:00",
            "buy",
            1000,
            "83",
            order="U1",
            segment="FO",
            exchange="CDS",
        ),
    ]
    assert costs.estimate(trades) == {}


@pytest.mark.parametrize(
    "fills",
    [
        pytest.param([("E", Side.SELL, 50, "1451"), ("F", Side.BUY, 50, "19700")], id="two-notes"),
        pytest.param([("E", Side.BUY, 100, "2400"), ("E", Side.SELL, 40, "2410")], id="netting"),
    ],
)
def test_rows_add_up_to_the_days_notes_as_the_ledger_charges_them(fills):
    """The upload and the ledger price a day by one function: the same fills, the same
    charges, and together the day's note."""
    day = date(2023, 12, 1)
    made = [
        Fill(
            f"o{i}",
            Segment.EQUITY_DELIVERY if kind == "E" else Segment.FUTURES,
            side,
            quantity,
            D(price),
            instrument="INE-X" if kind == "E" else "NIFTY23DECFUT",
        )
        for i, (kind, side, quantity, price) in enumerate(fills)
    ]
    note = ChargeDay(day)
    ledger = []
    for fill in made:
        charged = charge_fill(note, fill, order_value_before=D(0))
        ledger.append(charged.charges)
        note = charged.day
    trades = [
        row(
            "X" if kind == "E" else "NIFTY23DECFUT",
            "2023-12-01",
            f"0{4 + i}:00",
            "buy" if side is Side.BUY else "sell",
            quantity,
            price,
            order=f"o{i}",
            segment="EQ" if kind == "E" else "FO",
        )
        for i, (kind, side, quantity, price) in enumerate(fills)
    ]
    priced = costs.estimate(trades)
    assert [priced[i].charges for i in range(len(fills))] == ledger
    assert sum(ledger, D(0)) == note.total


_SYMBOLS = {  # symbol: (segment, exchange)
    "INFY": ("EQ", "NSE"),
    "TCS": ("EQ", "BSE"),
    "NIFTY23DECFUT": ("FO", "NFO"),
    "NIFTY23DEC21000CE": ("FO", "NFO"),
    "SENSEX23DEC70000PE": ("FO", "BFO"),
}
rows_of_a_day = st.lists(
    st.tuples(
        st.sampled_from(sorted(_SYMBOLS)),
        st.sampled_from(["buy", "sell"]),
        st.integers(min_value=1, max_value=500),
        st.integers(min_value=1, max_value=100_000).map(lambda n: Decimal(n) / 20),
        st.integers(min_value=0, max_value=2),  # which of the symbol-side's orders
    ),
    max_size=12,
)


def _rows(drawn: list[tuple[str, str, int, Decimal, int]]) -> list[JournalTrade]:
    made = []
    for n, (symbol, side, quantity, price, order) in enumerate(drawn):
        segment, exchange = _SYMBOLS[symbol]
        made.append(
            row(
                symbol,
                "2023-12-01",
                f"{4 + n // 60:02d}:{n % 60:02d}",
                side,
                quantity,
                str(price),
                order=f"{symbol}-{side}-{order}",
                segment=segment,
                exchange=exchange,
            )
        )
    return made


@given(drawn=rows_of_a_day)
def test_a_days_rows_add_up_to_its_notes_and_fo_rows_keep_to_their_own(drawn):
    trades = _rows(drawn)
    priced = costs.estimate(trades)
    assert set(priced) == set(range(len(trades)))
    fills = [costs.as_fill(t, i) for i, t in enumerate(trades)]
    # the rows add up to the day's notes, as `compute_charges` prices them whole
    day = compute_charges(fills, date(2023, 12, 1)) if fills else None
    assert sum((e.charges for e in priced.values()), D(0)) == (day.total if day else 0)
    assert sum((e.stt for e in priced.values()), D(0)) == (day.stt if day else 0)
    # the derivative rows cost what they cost on a day without the shares, but for the
    # paisa the day's total is rounded to (one per row at most)
    derivatives = [i for i, t in enumerate(trades) if t.segment == "FO"]
    alone = costs.estimate([trades[i] for i in derivatives])
    with_shares = sum((priced[i].charges for i in derivatives), D(0))
    assert abs(with_shares - sum((e.charges for e in alone.values()), D(0))) <= D("0.01") * len(
        derivatives
    )
    assert [priced[i].stt for i in derivatives] == [alone[n].stt for n in range(len(derivatives))]

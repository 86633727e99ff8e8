"""FIFO round trips through corporate actions, against figures worked by hand below."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tradertape.journal.actions import (
    Action,
    BadActionsFile,
    Kind,
    parse_actions,
    shipped_actions,
)
from tradertape.journal.pnl import LONG, SHORT, fifo
from tradertape.journal.trades import BOTH, LIVE, UPLOAD, JournalTrade, merge

D = Decimal


def trade(
    symbol: str,
    day: str,
    side: str,
    quantity: int,
    price: str,
    *,
    account: str = "ZX1234",
    charges: str | None = None,
    source: str = UPLOAD,
    trade_id: str = "",
    segment: str = "EQ",
) -> JournalTrade:
    return JournalTrade(
        source=source,
        broker="zerodha",
        account=account,
        exchange="NSE",
        segment=segment,
        symbol=symbol,
        isin=None,
        day=date.fromisoformat(day),
        at=None,
        side=side,
        quantity=D(quantity),
        price=D(price),
        trade_id=trade_id or f"{symbol}-{day}-{side}-{quantity}",
        order_id="",
        charges=D(charges) if charges is not None else None,
    )


def test_fifo_through_a_split_and_a_bonus_in_the_middle_of_a_position():
    actions = parse_actions(
        "symbol,ex_date,kind,ratio\nINFY,2024-03-15,split,1:5\nNSE:INFY,2024-06-03,bonus,1:1\n"
    )
    book = fifo(
        [
            trade("INFY", "2024-01-10", "buy", 10, "1500"),  # 15,000
            trade("INFY", "2024-02-01", "buy", 10, "1600"),  # 16,000
            # split 1:5: 50 shares costing 15,000 and 50 costing 16,000, dates kept
            # bonus 1:1 on 100 held: 100 more, cost nil, acquired 2024-06-03
            trade("INFY", "2024-07-01", "sell", 120, "400"),
        ],
        actions=actions,
        marks={"INFY": D("410")},
    )
    # 120 sold at 400: 50 of the first lot, 50 of the second, 20 of the bonus shares
    assert [(t.quantity, t.opened, t.open_value, t.close_value, t.pnl) for t in book.trips] == [
        (D(50), date(2024, 1, 10), D(15000), D(20000), D(5000)),
        (D(50), date(2024, 2, 1), D(16000), D(20000), D(4000)),
        (D(20), date(2024, 6, 3), D(0), D(8000), D(8000)),
    ]
    assert sum(t.pnl for t in book.trips) == D(17000)
    assert [t.via for t in book.trips] == ["", "", "bonus"]
    (held,) = book.open
    assert (held.quantity, held.cost, held.unrealised) == (D(80), D(0), D(32800))  # 80 × 410


def test_a_merger_carries_cost_and_date_to_the_new_symbol():
    actions = [Action("HDFC", date(2023, 7, 13), Kind.MERGER, (25, 42), new_symbol="HDFCBANK")]
    book = fifo(
        [
            trade("HDFC", "2023-03-01", "buy", 25, "2600"),  # 65,000
            trade("HDFCBANK", "2024-04-01", "sell", 42, "1650"),  # 42 × 1650 = 69,300
        ],
        actions=actions,
    )
    (trip,) = book.trips
    assert (trip.symbol, trip.quantity, trip.opened, trip.open_value, trip.pnl) == (
        "HDFCBANK",
        D(42),
        date(2023, 3, 1),
        D(65000),
        D(4300),
    )
    assert trip.via == "merger HDFC"
    assert book.open == []


def test_a_demerger_splits_the_cost_by_the_published_share():
    actions = [
        Action(
            "RELIANCE",
            date(2023, 7, 20),
            Kind.DEMERGER,
            (1, 1),
            new_symbol="JIOFIN",
            cost_share=D("0.0468"),
        )
    ]
    book = fifo(
        [
            trade("RELIANCE", "2023-01-02", "buy", 100, "2500"),  # 2,50,000
            # demerger: JIOFIN gets 4.68 % = 11,700; RELIANCE keeps 2,38,300
            trade("JIOFIN", "2023-08-21", "sell", 100, "250"),  # 25,000 − 11,700 = 13,300
            trade("RELIANCE", "2024-02-01", "sell", 100, "2600"),  # 2,60,000 − 2,38,300
        ],
        actions=actions,
    )
    assert [(t.symbol, t.opened, t.open_value, t.pnl) for t in book.trips] == [
        ("JIOFIN", date(2023, 1, 2), D("11700.0000"), D("13300.0000")),
        ("RELIANCE", date(2023, 1, 2), D("238300.0000"), D("21700.0000")),
    ]


def test_a_buyback_tenders_its_accepted_share_at_the_price():
    actions = [Action("TCS", date(2023, 12, 1), Kind.BUYBACK, (1, 10), price=D("4150"))]
    book = fifo(
        [trade("TCS", "2023-06-01", "buy", 25, "3200")], actions=actions, until=date(2024, 1, 1)
    )
    (trip,) = book.trips  # 25 × 1/10 = 2.5, rounded down: 2 accepted
    assert (trip.kind, trip.quantity, trip.open_value, trip.close_value, trip.pnl) == (
        "buyback",
        D(2),
        D(6400),
        D(8300),
        D(1900),
    )
    assert book.open[0].quantity == D(23)


def test_partial_closes_share_charges_and_shorts_close_against_buys():
    book = fifo(
        [
            trade("SBIN", "2024-05-02", "buy", 10, "800", charges="20"),
            trade("SBIN", "2024-05-03", "sell", 4, "820", charges="8"),
            trade("ITC", "2024-05-06", "sell", 10, "440", charges="5"),
            trade("ITC", "2024-05-06", "buy", 10, "435", charges="5"),
        ]
    )
    sbin, itc = book.trips
    assert (sbin.quantity, sbin.pnl, sbin.charges, sbin.net) == (D(4), D(80), D(16), D(64))
    assert (itc.direction, itc.pnl, itc.intraday, itc.net) == (SHORT, D(50), True, D(40))
    assert not sbin.intraday
    (left,) = book.open
    assert (left.direction, left.quantity, left.cost) == (LONG, D(6), D(4800))


def test_accounts_are_matched_apart():
    book = fifo(
        [
            trade("INFY", "2024-01-10", "buy", 10, "1500", account="A1"),
            trade("INFY", "2024-01-11", "sell", 10, "1550", account="B2"),
        ]
    )
    assert book.trips == []
    assert sorted((p.account, p.direction) for p in book.open) == [("A1", LONG), ("B2", SHORT)]


def test_a_live_fill_and_its_console_row_are_one_trade():
    fill = trade("INFY", "2024-01-10", "buy", 10, "1500", source=LIVE, trade_id="55501")
    row = trade("INFY", "2024-01-10", "buy", 10, "1500", trade_id="55501")
    other = trade("INFY", "2024-01-11", "buy", 10, "1500", trade_id="55501")  # another day
    merged = merge([row, other], [fill])
    assert [(t.source, t.day.day) for t in merged] == [(BOTH, 10), (UPLOAD, 11)]


def test_the_shipped_actions_read_and_a_bad_row_is_named():
    shipped = shipped_actions()
    assert {a.kind for a in shipped} >= {Kind.SPLIT, Kind.MERGER, Kind.DEMERGER}
    with pytest.raises(BadActionsFile, match="line 2: a demerger needs new_symbol"):
        parse_actions("symbol,ex_date,kind,ratio\nX,2024-01-01,demerger,1:1\n")


def test_charges_come_from_the_ledger_where_it_settles_the_day():
    from tradertape.journal import costs

    trades = [
        trade("INFY", "2024-04-02", "buy", 10, "1450.5"),  # 14,505
        trade("INFY", "2024-04-02", "buy", 5, "1460"),  # 7,300: the day's buys 21,805
        trade("TCS", "2024-04-03", "buy", 1, "3900"),  # no ledger line: the schedule's
    ]
    lines = [
        costs.settlement(
            "ZX1234",
            "Net settlement for Eq trade date 2024-04-02",
            "NSE-EQ - Z",
            "Book Voucher",
            D("21830.50"),  # 21,805 of shares and 25.50 of charges
        ),
        costs.settlement("ZX1234", "Funds added 2024-04-01", None, "Bank Receipts", D(-5)),
    ]
    assert lines[1] is None  # money in is no settlement
    ledger = costs.from_ledger(trades, [line for line in lines if line is not None])
    assert set(ledger) == {0, 1}
    assert ledger[0] + ledger[1] == D("25.50")
    assert ledger[0] == D("25.50") * 14505 / 21805  # shared by value
    schedule = costs.estimate(trades)
    assert schedule[2].charges > 0
    assert 2 not in ledger
    # with the schedule's estimates, each trade keeps its own note's charges and only what
    # the ledger settled beyond them is shared by value
    shaped = costs.from_ledger(trades, [lines[0]] if lines[0] else [], schedule)
    beyond = D("25.50") - schedule[0].charges - schedule[1].charges
    assert shaped[0] == schedule[0].charges + beyond * 14505 / 21805
    assert shaped[0] + shaped[1] == D("25.50")
    # an implausible settlement (charges above 5 % of turnover) is left to the schedule
    too_much = costs.settlement("ZX1234", "x 02/04/2024", "NSE-EQ", "Book Voucher", D(30000))
    assert too_much is not None
    assert too_much.day == date(2024, 4, 2)
    assert costs.from_ledger(trades, [too_much]) == {}

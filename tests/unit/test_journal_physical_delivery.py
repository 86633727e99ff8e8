"""A Console tradebook whose stock option expired in the money: the journal books the shares
it delivered (`journal.expiry.delivered_trade`, one rule with the paper exchange:
`domain.expiry.delivery_of`), so the holding and a later sale's cost are right (issue 63).

RELIANCE's December 2024 contracts expired on Thursday 26-Dec-2024; RELIANCE closed at
₹1,220.90. A delivery's note (Zerodha's schedule then): brokerage 0.25 %, STT 0.1 % (whole
rupees), stamp 0.015 % on a buy, GST 18 % on the brokerage, DP ₹15.34 on a sale.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradertape.domain.expiry import Contract
from tradertape.journal.expiry import EXPIRY, Expiring
from tradertape.journal.pnl import LONG, SHORT, fifo
from tradertape.journal.trades import UPLOAD, JournalTrade

D = Decimal
DEC_2024 = date(2024, 12, 26)
CLOSE = D("1220.90")


def row(symbol: str, day: str, side: str, price: str, *, fo: bool = True) -> JournalTrade:
    return JournalTrade(
        source=UPLOAD,
        broker="zerodha",
        account="ZX1234",
        exchange="NFO" if fo else "NSE",
        segment="FO" if fo else "EQ",
        symbol=symbol,
        isin=None,
        day=date.fromisoformat(day),
        at=None,
        side=side,
        quantity=D(500),
        price=D(price),
        trade_id=f"{symbol}-{day}-{side}",
        order_id="",
        expiry=DEC_2024 if fo else None,
    )


def expiring(symbol: str, kind: str, strike: int | None) -> dict[str, Expiring]:
    contract = Contract("RELIANCE", DEC_2024, kind, None if strike is None else D(strike), True)
    return {symbol: Expiring(contract, CLOSE)}


def test_an_itm_long_call_delivers_shares_whose_later_sale_costs_the_strike() -> None:
    # Bought 500 RELIANCE 1200 CE at ₹30 (₹15,000.00) on 2-Dec-2024, held to expiry: it
    # closes at ₹0 (P&L -₹15,000.00) and 500 RELIANCE are bought at ₹1,200 on 26-Dec-2024
    # (₹6,00,000.00, note ₹2,460.00: brokerage 1,500 + STT 600 + stamp 90 + GST 270).
    # Sold 500 at ₹1,300 on 10-Jan-2025 (₹6,50,000.00; its charges and STT given: 665.34,
    # STT 650): P&L 50,000.00, charges 2,460.00 + 665.34 = 3,125.34, STT 600 + 650.
    trades = [
        row("RELIANCE24DEC1200CE", "2024-12-02", "buy", "30"),
        row("RELIANCE", "2025-01-10", "sell", "1300", fo=False),
    ]
    book = fifo(
        trades,
        charges={0: D(0), 1: D("665.34")},
        stt={0: D(0), 1: D(650)},
        expiring=expiring("RELIANCE24DEC1200CE", "CE", 1200),
    )
    assert book.open == []
    option, shares = book.trips
    assert (option.symbol, option.direction, option.closed, option.close_source) == (
        "RELIANCE24DEC1200CE",
        LONG,
        DEC_2024,
        EXPIRY,
    )
    assert (option.close_value, option.pnl, option.charges) == (D(0), D("-15000"), D(0))
    assert (shares.symbol, shares.segment, shares.opened, shares.open_source) == (
        "RELIANCE",
        "EQ",
        DEC_2024,
        EXPIRY,
    )
    assert (shares.open_value, shares.close_value) == (D("600000"), D("650000"))
    assert shares.pnl == D("50000")
    assert shares.charges == D("3125.34")
    assert shares.stt == D(1250)
    assert shares.net == D("46874.66")


def test_an_itm_short_put_leaves_shares_held_at_the_strike() -> None:
    # Sold 500 RELIANCE 1250 PE at ₹40 (₹20,000.00): bought back at ₹0 at expiry (P&L
    # +₹20,000.00) and assigned 500 RELIANCE at ₹1,250 = ₹6,25,000.00, held; marked at
    # ₹1,230: unrealised (1,230 - 1,250) × 500 = -₹10,000.00
    book = fifo(
        [row("RELIANCE24DEC1250PE", "2024-12-02", "sell", "40")],
        charges={0: D(0)},
        marks={"RELIANCE": D(1230)},
        expiring=expiring("RELIANCE24DEC1250PE", "PE", 1250),
    )
    (option,) = book.trips
    assert (option.direction, option.pnl) == (SHORT, D("20000"))
    (held,) = book.open
    assert (held.symbol, held.direction, held.quantity, held.cost) == (
        "RELIANCE",
        LONG,
        D(500),
        D("625000"),
    )
    assert held.unrealised == D("-10000")


def test_an_otm_option_delivers_nothing() -> None:
    book = fifo(
        [row("RELIANCE24DEC1300CE", "2024-12-02", "buy", "5")],
        charges={0: D(0)},
        expiring=expiring("RELIANCE24DEC1300CE", "CE", 1300),
    )
    (option,) = book.trips
    assert option.pnl == D("-2500")
    assert book.open == []


def test_a_short_future_delivers_shares_not_held_as_a_short_owed() -> None:
    # Sold 500 RELIANCE DEC FUT at ₹1,210: closes at 1,220.90 (P&L -₹5,450.00) and SELLs
    # 500 RELIANCE at 1,220.90 (₹6,10,450.00) that the account does not hold: a short of
    # 500 shares owed, at that value
    book = fifo(
        [row("RELIANCE24DECFUT", "2024-12-02", "sell", "1210")],
        charges={0: D(0)},
        expiring=expiring("RELIANCE24DECFUT", "FUT", None),
    )
    (future,) = book.trips
    assert (future.close_value, future.pnl) == (D("610450.00"), D("-5450.00"))
    (owed,) = book.open
    assert (owed.symbol, owed.direction, owed.quantity, owed.cost) == (
        "RELIANCE",
        SHORT,
        D(500),
        D("610450.00"),
    )

"""Contracts held past their expiry in the journal's FIFO book: closed at their settlement on
the expiry day (`journal.expiry`, `domain.expiry`), or left as "settlement price needed",
never marked. Figures worked by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradertape.domain.charge_rates import ZERODHA_SCHEDULES
from tradertape.domain.expiry import Contract
from tradertape.journal import packed
from tradertape.journal.expiry import EXPIRY, Expiring, expired
from tradertape.journal.pnl import LONG, SHORT, fifo
from tradertape.journal.tax import tax_year
from tradertape.journal.trades import UPLOAD, JournalTrade

D = Decimal
DEC_2024 = date(2024, 12, 26)  # NIFTY's December 2024 monthly expiry
CALL = "NIFTY24DEC24000CE"
ITM_CALL = "NIFTY24DEC23500CE"
INDICES = frozenset({"NIFTY"})


def option(symbol: str, day: str, side: str, quantity: int, price: str) -> JournalTrade:
    return JournalTrade(
        source=UPLOAD,
        broker="zerodha",
        account="ZX1234",
        exchange="NFO",
        segment="FO",
        symbol=symbol,
        isin=None,
        day=date.fromisoformat(day),
        at=None,
        side=side,
        quantity=D(quantity),
        price=D(price),
        trade_id=f"{symbol}-{day}-{side}",
        order_id="",
        expiry=DEC_2024,
    )


def contract(strike: str) -> Contract:
    return Contract("NIFTY", DEC_2024, "CE", D(strike), physical=False)


def test_an_out_of_the_money_call_bought_in_december_is_a_loss_of_fy_2024_25() -> None:
    # Issue 63's example: NIFTY 24000 CE bought 25 × ₹120 = ₹3,000 on 10-Dec-2024, no sale
    # row. NIFTY closed 23,750.20 on 26-Dec-2024: out of the money, settled at 0.
    # P&L 0 - 3,000 = -₹3,000 realised on 26-Dec-2024 (FY 2024-25); turnover |−3,000|;
    # nothing left open, nothing unrealised, and no charges on the expiry.
    trades = [option(CALL, "2024-12-10", "buy", 25, "120")]
    book = fifo(
        trades,
        charges={0: D("0")},
        marks={CALL: D("7000")},  # a model's price of it today: never used
        expiring={CALL: Expiring(contract("24000"), D("23750.20"))},
    )
    assert book.open == []
    (trip,) = book.trips
    assert (trip.direction, trip.closed, trip.close_source) == (LONG, DEC_2024, EXPIRY)
    assert trip.pnl == D("-3000")
    assert trip.charges == D(0)
    year = tax_year(book.trips, "2024-25")
    assert year.non_speculative.pnl == D("-3000")
    assert year.non_speculative.turnover == D("3000")


def test_an_in_the_money_call_settles_at_intrinsic_with_its_charges() -> None:
    # NIFTY 23500 CE, 75 bought at ₹180 = ₹13,500 (its buy charged ₹25.00). Settles at
    # 23750.20 - 23500 = 250.20: 75 × 250.20 = ₹18,765.00; P&L 18,765 - 13,500 = ₹5,265.00.
    # Settlement charges: STT 0.125 % × 18,765 = 23.456 → ₹23, brokerage ₹20, GST ₹3.60:
    # ₹46.60; the trip's charges 25.00 + 46.60 = ₹71.60; net 5,265 - 71.60 = ₹5,193.40
    trades = [option(ITM_CALL, "2024-12-02", "buy", 75, "180")]
    book = fifo(
        trades,
        charges={0: D("25.00")},
        expiring={ITM_CALL: Expiring(contract("23500"), D("23750.20"), ZERODHA_SCHEDULES)},
    )
    (trip,) = book.trips
    assert trip.close_value == D("18765.00")
    assert trip.pnl == D("5265.00")
    assert trip.charges == D("71.60")
    assert trip.net == D("5193.40")


def test_a_short_that_expires_worthless_keeps_its_premium() -> None:
    # sold 50 of the 24000 CE at ₹60 = ₹3,000; expires at 0: +₹3,000, no STT, no brokerage
    trades = [option(CALL, "2024-12-20", "sell", 50, "60")]
    book = fifo(trades, expiring={CALL: Expiring(contract("24000"), D("23750.20"))})
    (trip,) = book.trips
    assert (trip.direction, trip.pnl, trip.charges) == (SHORT, D("3000"), D(0))


def test_a_partly_closed_position_settles_only_what_is_left() -> None:
    # bought 75 at 180 (13,500), sold 25 at 200 on 20-Dec (+500); 50 left settle at 250.20:
    # 50 × 250.20 = 12,510.00 less their cost 9,000 = 3,510.00; charges 46.60 pro rata on
    # the 50 settled: STT 0.125 % × 12,510 = 15.6375 → 16, + 20 + 3.60 = 39.60
    trades = [
        option(ITM_CALL, "2024-12-02", "buy", 75, "180"),
        option(ITM_CALL, "2024-12-20", "sell", 25, "200"),
    ]
    book = fifo(trades, expiring={ITM_CALL: Expiring(contract("23500"), D("23750.20"))})
    sold, settled = book.trips
    assert (sold.pnl, sold.closed) == (D("500"), date(2024, 12, 20))
    assert (settled.quantity, settled.pnl, settled.charges) == (D(50), D("3510.00"), D("39.60"))


def test_without_a_settlement_price_the_position_says_so_and_is_never_marked() -> None:
    trades = [option(CALL, "2024-12-10", "buy", 25, "120")]
    book = fifo(
        trades,
        marks={CALL: D("7000")},
        expiring={CALL: Expiring(contract("24000"), None)},
    )
    assert book.trips == []
    (held,) = book.open
    assert held.expired_on == DEC_2024
    assert held.mark is None
    assert held.unrealised is None
    assert packed.unpack(packed.pack(book)) == book  # kept across processes


def test_settlement_trips_sit_in_time_order() -> None:
    trades = [
        option(CALL, "2024-12-10", "buy", 25, "120"),
        option("NIFTY25JAN24000CE", "2025-01-02", "buy", 25, "100"),
        option("NIFTY25JAN24000CE", "2025-01-03", "sell", 25, "110"),
    ]
    book = fifo(trades, expiring={CALL: Expiring(contract("24000"), D("23750.20"))})
    assert [t.closed for t in book.trips] == [DEC_2024, date(2025, 1, 3)]


def test_expired_picks_contracts_before_today() -> None:
    held = [
        ("NFO", CALL, DEC_2024),
        ("NFO", "NIFTY26D0125000CE", None),  # 1-Dec-2026 weekly
        ("NFO", "INFY", None),
    ]
    found = expired(held, today=date(2026, 12, 1), indices=INDICES)
    assert list(found) == [CALL]
    assert found[CALL] == contract("24000")
    assert list(expired(held, today=date(2026, 12, 2), indices=INDICES)) == [
        CALL,
        "NIFTY26D0125000CE",
    ]

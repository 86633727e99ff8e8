"""The tax years kept beside the book read back as `tax_year` computes them from every trip,
to the paisa and the exponent (issue 69: a fresh process answers the tax pages from them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.journal import packed, tax_answers
from tradertape.journal.carry_forward import fy_named
from tradertape.journal.pnl import Book, fifo
from tradertape.journal.tax import tax_year
from tradertape.journal.trades import JournalTrade

START = date(2016, 6, 1)  # before 31 January 2018: grandfathered lots too
SYMBOLS = ["AAA", "BBB", "NIFTY24AUGFUT"]
ISINS = {"AAA": "INE00000A001", "BBB": "INE00000B001"}
FMV = {"INE00000A001": Decimal("812.35")}  # BBB has none: an unmatched ISIN


def _trade(n: int, symbol: str, day: date, side: str, quantity: int, price: str) -> JournalTrade:
    return JournalTrade(
        source="paper" if n % 7 == 3 else "upload",
        broker="zerodha",
        account="ZX1234",
        exchange="NFO" if symbol.endswith("FUT") else "NSE",
        segment="FO" if symbol.endswith("FUT") else "EQ",
        symbol=symbol,
        isin=ISINS.get(symbol),
        day=day,
        at=None,
        side=side,
        quantity=Decimal(quantity),
        price=Decimal(price),
        trade_id=f"T{n}",
        order_id="",
        charges=Decimal(price) * quantity / 3000,  # uneven paise: partial closes split them
    )


FILL = st.tuples(
    st.sampled_from(SYMBOLS),
    st.integers(0, 3000),  # days after START: about eight financial years
    st.sampled_from(["buy", "sell"]),
    st.integers(1, 40),
    st.decimals(min_value=1, max_value=5000, places=2),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(FILL, min_size=1, max_size=60))
def test_kept_years_equal_the_plain_tax_year_of_every_year(fills):
    made = sorted(
        (
            _trade(n, symbol, START + timedelta(days=days), side, quantity, str(price))
            for n, (symbol, days, side, quantity, price) in enumerate(fills)
        ),
        key=lambda t: t.day,
    )
    stt = {i: t.charges / 4 for i, t in enumerate(made) if i % 2 and t.charges is not None}
    book = fifo(made, stt=stt, until=date(2025, 6, 2))  # a known STT: not deducted (s.48)
    real = [t for t in book.trips if "paper" not in (t.open_source, t.close_source)]
    data = packed.pack(
        book, years=tax_answers.pack_years(tax_answers.years_of(real, FMV), FMV, paper=True)
    )
    kept_bytes = packed.kept_years(data)
    assert kept_bytes is not None
    kept = tax_answers.unpack_years(kept_bytes, FMV, include_paper=False)
    assert kept is not None
    for fy in map(fy_named, range(2015, 2026)):
        plain = tax_year(real, fy, fmv=FMV)
        assert tax_answers.year_from(kept, fy, FMV) == replace(plain, lines=[])
    # other FMVs, or paper trips asked for where the book has some: not answered from them
    assert tax_answers.unpack_years(kept_bytes, {}, include_paper=False) is None
    assert tax_answers.unpack_years(kept_bytes, FMV, include_paper=True) is None


def test_a_book_kept_without_years_has_none():
    assert packed.kept_years(packed.pack(Book())) is None

"""A CAS's values that no column can keep are errors naming them, never stored rows."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace as Ns
from typing import Any

from tradertape.journal.cas import from_casparser


def _cas(units: Any, amount: Any, day: str, isin: str = "INF000X01010") -> Any:
    txn = Ns(
        date=day,
        description="Purchase",
        type="PURCHASE",
        amount=amount,
        units=units,
        nav=None,
        balance=None,
    )
    scheme = Ns(
        scheme="Example Fund",
        isin=isin,
        amfi="100001",
        close=Decimal(1),
        valuation=Ns(nav=None, value=None, cost=None, date="31-Mar-2024"),
        transactions=[txn],
    )
    return Ns(
        file_type="CAMS",
        statement_period=Ns(from_="0001-01-01", to="31-Mar-2024"),
        folios=[Ns(folio="1", amc="Example AMC", schemes=[scheme])],
    )


def test_a_sound_transaction_is_kept_and_the_impossible_period_dropped():
    read = from_casparser(_cas(Decimal("1.5"), Decimal(-150), "01-Apr-2023"))
    assert (read.errors, len(read.transactions), read.date_from) == ([], 1, None)


def test_numbers_days_and_ids_out_of_bounds_are_row_errors():
    for cas, says in (
        (
            _cas(Decimal("1E+30"), Decimal(1), "01-Apr-2023"),
            "units '1E+30' is not a number of sane size",
        ),
        (_cas(Decimal(1), Decimal("1E+999999"), "01-Apr-2023"), "amount '1E+999999'"),
        (_cas(Decimal(1), Decimal(1), "01-Jan-0001"), "transaction date '01-Jan-0001'"),
        (_cas(Decimal(1), Decimal(1), "01-Apr-2023", isin="I" * 17), "isin IIII"),
    ):
        read = from_casparser(cas)
        assert read.transactions == [] or read.holdings == []
        assert says in read.errors[0].reason, read.errors


def test_a_valuation_without_a_day_is_as_of_the_statements_closing_day():
    """A statement of 31-Mar-2024 whose scheme valuation names no day: its holding is as of
    2024-03-31 (without a day, the wealth page took an AMFI NAV of 2020-03-31 for it)."""
    cas = _cas(Decimal("1.5"), Decimal(-150), "01-Apr-2023")
    cas.folios[0].schemes[0].valuation = Ns(nav=None, value=Decimal(150), cost=None, date=None)
    (holding,) = from_casparser(cas).holdings
    assert str(holding.as_of) == "2024-03-31"


def test_a_nav_from_value_and_units_has_amfis_four_places():
    from tradertape.services.wealth.holdings import nav_of

    # ₹10,000 over 3 units = 3333.3333… → 3333.3333 (4 places, half up)
    assert str(nav_of(Decimal(10000), Decimal(3))) == "3333.3333"
    # ₹1,23,456.78 over 1,234.567 units = 100.0000648… → 100.0001
    assert str(nav_of(Decimal("123456.78"), Decimal("1234.567"))) == "100.0001"
    assert str(nav_of(Decimal(20000), Decimal(3))) == "6666.6667"  # …6666… rounds up

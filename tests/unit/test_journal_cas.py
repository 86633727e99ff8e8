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

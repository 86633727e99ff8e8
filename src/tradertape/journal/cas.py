"""A Consolidated Account Statement, from casparser's model to the rows we keep.

casparser (1.4.x) reads the PDF into a pydantic model: ``CASData`` for CAMS and KFintech
(folios → schemes → transactions, each scheme with its closing valuation) or
``NSDLCASData`` for NSDL and CDSL (demat accounts with equities and mutual funds). This
module only reads that model's fields, so it stays a pure function of the parsed statement;
the PDF itself is read (and dropped) in `services.journal.uploads`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tradertape.journal.statements import RowError


@dataclass(frozen=True, slots=True)
class CasHolding:
    """A position at the statement's date: a scheme's closing units, or a demat holding."""

    kind: str  # mf | equity
    name: str
    isin: str | None
    amfi: str | None
    folio: str | None
    units: Decimal
    price: Decimal | None
    value: Decimal | None
    cost: Decimal | None
    as_of: date | None


@dataclass(frozen=True, slots=True)
class CasTransaction:
    """One mutual fund transaction, units at full precision."""

    key: str
    folio: str
    amc: str
    scheme: str
    isin: str | None
    amfi: str | None
    day: date
    description: str
    type: str
    amount: Decimal | None
    units: Decimal | None
    nav: Decimal | None
    balance: Decimal | None


@dataclass(slots=True)
class CasStatement:
    """What a CAS holds that we keep; ``file_type`` is CAMS, KFINTECH, NSDL or CDSL."""

    file_type: str
    date_from: date | None
    date_to: date | None
    holdings: list[CasHolding] = field(default_factory=list)
    transactions: list[CasTransaction] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for layout in ("%d-%b-%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
            try:
                from datetime import datetime

                return datetime.strptime(value, layout).date()  # noqa: DTZ007
            except ValueError:
                continue
    return None


def _name(value: Any) -> str:
    return str(getattr(value, "value", value))


def from_casparser(data: Any) -> CasStatement:
    """`CASData` or `NSDLCASData` (casparser's ``output="dict"`` result) as a `CasStatement`."""
    period = data.statement_period
    out = CasStatement(
        file_type=_name(data.file_type),
        date_from=_day(getattr(period, "from_", None)),
        date_to=_day(getattr(period, "to", None)),
        warnings=[str(w) for w in getattr(data, "parse_warnings", [])],
    )
    if hasattr(data, "folios"):
        _folios(data, out)
    for account in getattr(data, "accounts", []) or []:
        _demat(account, out)
    return out


def _folios(data: Any, out: CasStatement) -> None:
    number = 0
    for folio in data.folios:
        for scheme in folio.schemes:
            valuation = scheme.valuation
            out.holdings.append(
                CasHolding(
                    kind="mf",
                    name=scheme.scheme,
                    isin=scheme.isin,
                    amfi=scheme.amfi,
                    folio=folio.folio,
                    units=Decimal(scheme.close),
                    price=valuation.nav,
                    value=valuation.value,
                    cost=valuation.cost,
                    as_of=_day(valuation.date),
                )
            )
            for index, txn in enumerate(scheme.transactions):
                number += 1
                day = _day(txn.date)
                if day is None:
                    out.errors.append(
                        RowError(number, f"{scheme.scheme}: transaction date {txn.date!r}")
                    )
                    continue
                out.transactions.append(
                    CasTransaction(
                        key=f"{folio.folio}:{scheme.isin or scheme.scheme}:{day}:{index}:"
                        f"{txn.units}:{txn.amount}",
                        folio=folio.folio,
                        amc=folio.amc,
                        scheme=scheme.scheme,
                        isin=scheme.isin,
                        amfi=scheme.amfi,
                        day=day,
                        description=txn.description,
                        type=_name(txn.type),
                        amount=txn.amount,
                        units=txn.units,
                        nav=txn.nav,
                        balance=txn.balance,
                    )
                )


def _demat(account: Any, out: CasStatement) -> None:
    for equity in account.equities:
        out.holdings.append(
            CasHolding(
                kind="equity",
                name=equity.symbol or equity.name or equity.isin,
                isin=equity.isin,
                amfi=None,
                folio=f"{account.dp_id or ''}{account.client_id or ''}" or None,
                units=equity.num_shares,
                price=equity.price,
                value=equity.value,
                cost=None,
                as_of=out.date_to,
            )
        )
    for fund in account.mutual_funds:
        out.holdings.append(
            CasHolding(
                kind="mf",
                name=fund.name or fund.isin,
                isin=fund.isin,
                amfi=fund.amfi,
                folio=fund.folio,
                units=fund.balance,
                price=fund.nav,
                value=fund.value,
                cost=fund.total_cost,
                as_of=out.date_to,
            )
        )

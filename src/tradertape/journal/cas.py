"""A Consolidated Account Statement, from casparser's model to the rows we keep.

casparser (1.4.x) reads the PDF into a pydantic model: ``CASData`` for CAMS and KFintech
(folios → schemes → transactions, each scheme with its closing valuation) or
``NSDLCASData`` for NSDL and CDSL (demat accounts with equities and mutual funds). This
module only reads that model's fields, so it stays a pure function of the parsed statement;
the PDF itself is read (and dropped) in `services.journal.uploads`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tradertape.domain.decimal_input import parse_decimal
from tradertape.journal.bounds import EARLIEST, LATEST, MAX_DIGITS
from tradertape.journal.statements import RowError

# The widths of the columns a CAS's rows are stored in (`db.models.journal`)
_WIDTHS = {"folio": 40, "amc": 120, "type": 32, "isin": 16, "amfi": 16, "file_type": 16}
_MAX_TEXT = 4_096


class _Bad(ValueError):
    """A value casparser read that no column can keep (the message names it)."""


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
    """A day between `EARLIEST` and `LATEST`, or None."""
    found = _any_day(value)
    return found if found is not None and EARLIEST <= found <= LATEST else None


def _any_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for layout in ("%d-%b-%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
            try:
                return datetime.strptime(value, layout).date()  # noqa: DTZ007
            except ValueError:
                continue
    return None


def _amount(value: Any, what: str) -> Decimal | None:
    """A number by the one number rule (`domain.decimal_input`), or None for none."""
    if value is None:
        return None
    try:
        number = parse_decimal(value if isinstance(value, str | int | Decimal) else str(value))
    except InvalidOperation as problem:
        raise _Bad(f"{what} {str(value)[:24]!r} is not a number of sane size ({problem})") from None
    if len(number.as_tuple().digits) > MAX_DIGITS:
        raise _Bad(f"{what} {str(value)[:24]} has more than {MAX_DIGITS} digits")
    return number


def _fits(value: Any, what: str) -> Any:
    """`value` when its text fits the column `what` is stored in."""
    width = _WIDTHS.get(what, _MAX_TEXT)
    if value is not None and len(str(value)) > width:
        raise _Bad(f"{what} {str(value)[:24]}… is longer than {width} characters")
    return value


def _name(value: Any) -> str:
    return str(getattr(value, "value", value))


def from_casparser(data: Any) -> CasStatement:
    """`CASData` or `NSDLCASData` (casparser's ``output="dict"`` result) as a `CasStatement`;
    a transaction or holding no column can keep (a number past the one number rule, a day
    outside `EARLIEST`..`LATEST`, an id longer than its column) is an error naming it."""
    period = data.statement_period
    out = CasStatement(
        file_type=_name(data.file_type),
        date_from=_day(getattr(period, "from_", None)),
        date_to=_day(getattr(period, "to", None)),
        warnings=[str(w)[:_MAX_TEXT] for w in getattr(data, "parse_warnings", [])],
    )
    try:
        _fits(out.file_type, "file_type")
    except _Bad as problem:
        out.errors.append(RowError(0, str(problem)))
        return out
    if hasattr(data, "folios"):
        _folios(data, out)
    for account in getattr(data, "accounts", []) or []:
        _demat(account, out)
    return out


def _holding(out: CasStatement, kind: str, name: Any, **values: Any) -> None:
    """A holding appended once its values pass; else an error numbered after the
    statement's transactions."""
    try:
        units = _amount(values["units"], "units")
        out.holdings.append(
            CasHolding(
                kind=kind,
                name=str(_fits(name, "name")),
                isin=_fits(values["isin"], "isin"),
                amfi=_fits(values["amfi"], "amfi"),
                folio=values["folio"],
                units=units if units is not None else Decimal(0),
                price=_amount(values["price"], "price"),
                value=_amount(values["value"], "value"),
                cost=_amount(values["cost"], "cost"),
                as_of=values["as_of"],
            )
        )
    except _Bad as problem:
        row = len(out.transactions) + len(out.errors) + 1
        out.errors.append(RowError(row, f"holding {str(name)[:60]}: {problem}"))


def _folios(data: Any, out: CasStatement) -> None:
    number = 0
    for folio in data.folios:
        for scheme in folio.schemes:
            valuation = scheme.valuation
            _holding(
                out,
                "mf",
                scheme.scheme,
                isin=scheme.isin,
                amfi=scheme.amfi,
                folio=folio.folio,
                units=scheme.close,
                price=valuation.nav,
                value=valuation.value,
                cost=valuation.cost,
                # the statement's closing day when the valuation names none: without a day an
                # AMFI NAV of any age (2020's) would pass for the statement's (2024's)
                as_of=_day(valuation.date) or out.date_to,
            )
            for index, txn in enumerate(scheme.transactions):
                number += 1
                day = _day(txn.date)
                if day is None:
                    out.errors.append(
                        RowError(number, f"{scheme.scheme}: transaction date {txn.date!r}")
                    )
                    continue
                try:
                    out.transactions.append(
                        CasTransaction(
                            key=f"{folio.folio}:{scheme.isin or scheme.scheme}:{day}:{index}:"
                            f"{txn.units}:{txn.amount}",
                            folio=_fits(folio.folio, "folio"),
                            amc=_fits(folio.amc, "amc"),
                            scheme=_fits(scheme.scheme, "scheme"),
                            isin=_fits(scheme.isin, "isin"),
                            amfi=_fits(scheme.amfi, "amfi"),
                            day=day,
                            description=_fits(txn.description, "description"),
                            type=_fits(_name(txn.type), "type"),
                            amount=_amount(txn.amount, "amount"),
                            units=_amount(txn.units, "units"),
                            nav=_amount(txn.nav, "nav"),
                            balance=_amount(txn.balance, "balance"),
                        )
                    )
                except _Bad as problem:
                    out.errors.append(RowError(number, f"{str(scheme.scheme)[:60]}: {problem}"))


def _demat(account: Any, out: CasStatement) -> None:
    for equity in account.equities:
        _holding(
            out,
            "equity",
            equity.symbol or equity.name or equity.isin,
            isin=equity.isin,
            amfi=None,
            folio=f"{account.dp_id or ''}{account.client_id or ''}" or None,
            units=equity.num_shares,
            price=equity.price,
            value=equity.value,
            cost=None,
            as_of=out.date_to,
        )
    for fund in account.mutual_funds:
        _holding(
            out,
            "mf",
            fund.name or fund.isin,
            isin=fund.isin,
            amfi=fund.amfi,
            folio=fund.folio,
            units=fund.balance,
            price=fund.nav,
            value=fund.value,
            cost=fund.total_cost,
            as_of=out.date_to,
        )

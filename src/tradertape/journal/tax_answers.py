"""Each financial year's tax P&L, kept beside the book so a fresh process answers the tax
pages without building a round trip.

The Tax P&L page, the return and Schedule 112A read a year's figures, never its round trips
(only the exports list them: `TaxYear.lines`). So when the book is kept, each year with a
counted close is computed once (`years_of`, by `tax.tax_year` itself, its lines dropped)
and kept as data (`pack_years`): exact decimals as their own text, no pickle. A year read
back equals the one computed, to the paisa and the exponent. The FMVs the long-term gains
were computed with are kept as a digest; other FMVs (the user imported some since) leave
the kept years unread (`unpack_years` answers None) and the year is computed from trips.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from decimal import Decimal
from typing import Any

from tradertape.journal.pnl import RoundTrip
from tradertape.journal.schedule_112a import Row112A
from tradertape.journal.tax import Business, GainsBucket, TaxYear, fy_of, tax_year

FORMAT = 1  # bump when TaxYear's fields (or their meaning) change


def fmv_digest(fmv: Mapping[str, Decimal]) -> str:
    """The FMVs a year's long-term gains depend on, as a digest."""
    return hashlib.sha256(repr(sorted((k, str(v)) for k, v in fmv.items())).encode()).hexdigest()


def years_of(trips: Iterable[RoundTrip], fmv: Mapping[str, Decimal]) -> dict[str, TaxYear]:
    """Each financial year with a close among `trips`, as `tax_year` computes it from every
    trip, without its lines. Each year is given its own trips in their order, which is the
    order `tax_year` adds them in from the whole book (the sums are the same decimals)."""
    closed: dict[str, list[RoundTrip]] = defaultdict(list)
    for trip in trips:
        closed[fy_of(trip.closed)].append(trip)
    return {fy: replace(tax_year(them, fy, fmv=fmv), lines=[]) for fy, them in closed.items()}


def year_from(years: Mapping[str, TaxYear], fy: str, fmv: Mapping[str, Decimal]) -> TaxYear:
    """`fy`'s figures from the kept years: a year with no close is `tax_year`'s empty one."""
    found = years.get(fy)
    return found if found is not None else tax_year([], fy, fmv=fmv)


def _value(value: Any) -> Any:
    """A field's value as JSON holds it exactly: a decimal as ``["d", its text]``."""
    return ["d", str(value)] if isinstance(value, Decimal) else value


def _unvalue(value: Any) -> Any:
    if isinstance(value, list):
        tag, text = value
        if tag != "d":
            raise ValueError(f"a kept tax year holds an unknown value {value!r}")
        return Decimal(text)
    return value


def _row(made: Any) -> dict[str, Any]:
    return {f.name: _value(getattr(made, f.name)) for f in fields(made)}


def _made(kind: type, row: dict[str, Any]) -> Any:
    return kind(**{name: _unvalue(value) for name, value in row.items()})


def _year(year: TaxYear) -> dict[str, Any]:
    return {
        "fy": year.fy,
        "speculative": _row(year.speculative),
        "non_speculative": _row(year.non_speculative),
        "buckets": [_row(b) for b in year.buckets],
        "buyback_dividend": _value(year.buyback_dividend),
        "buyback_exempt_gain": _value(year.buyback_exempt_gain),
        "charges_not_deducted": _value(year.charges_not_deducted),
        "unmatched_isins": year.unmatched_isins,
        "schedule_112a": [_row(r) for r in year.schedule_112a],
    }


def _unyear(kept: dict[str, Any]) -> TaxYear:
    return TaxYear(
        fy=kept["fy"],
        speculative=_made(Business, kept["speculative"]),
        non_speculative=_made(Business, kept["non_speculative"]),
        buckets=[_made(GainsBucket, b) for b in kept["buckets"]],
        buyback_dividend=_unvalue(kept["buyback_dividend"]),
        buyback_exempt_gain=_unvalue(kept["buyback_exempt_gain"]),
        charges_not_deducted=_unvalue(kept["charges_not_deducted"]),
        unmatched_isins=list(kept["unmatched_isins"]),
        schedule_112a=[_made(Row112A, r) for r in kept["schedule_112a"]],
    )


def pack_years(years: Mapping[str, TaxYear], fmv: Mapping[str, Decimal], *, paper: bool) -> bytes:
    """The years (of real trades only) as bytes; `paper`: whether the book has paper trips
    (then a page counting them computes its own)."""
    body = {
        "format": FORMAT,
        "fmv": fmv_digest(fmv),
        "paper": paper,
        "years": [_year(y) for y in years.values()],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def unpack_years(
    data: bytes, fmv: Mapping[str, Decimal], *, include_paper: bool
) -> dict[str, TaxYear] | None:
    """The years `pack_years` kept, when they were computed with these FMVs and count what
    is asked (real trades only, or paper too where the book has none); else None.
    `ValueError` when the bytes are not kept years."""
    try:
        body = json.loads(data)
        if body["format"] != FORMAT or body["fmv"] != fmv_digest(fmv):
            return None
        if include_paper and body["paper"]:
            return None
        years = [_unyear(y) for y in body["years"]]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as problem:
        raise ValueError(f"not kept tax years: {problem}") from None
    return {y.fy: y for y in years}

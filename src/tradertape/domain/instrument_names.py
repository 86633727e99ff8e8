"""Instruments by the names a trader reads, for what the server writes to people.

``NSE:RELIANCE`` is ``RELIANCE``; Kite's packed derivative symbols say their terms:
``NIFTY26D0128200CE`` (weekly: YY, a one-character month 1-9/O/N/D, DD) is
"NIFTY 1 Dec 28200 CE", ``NIFTY26JAN28200CE`` (monthly: the month's last expiry, no day) is
"NIFTY Jan 28200 CE", ``NIFTY26JANFUT`` is "NIFTY Jan FUT". The web app's formatter
(``web/src/format/instrument.ts``) says the same; both are tested on one table,
``web/src/format/names.cases.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKLY_MONTH = "123456789OND"
_MONTHLY = re.compile(
    r"(\d{2})(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(?:([1-9]\d*(?:\.\d+)?)(CE|PE)|FUT)"
)
_WEEKLY = re.compile(r"(\d{2})([1-9OND])(\d{2})([1-9]\d*(?:\.\d+)?)(CE|PE)")
_CASH = frozenset({"NSE", "BSE"})
_USUAL = frozenset({"", "NSE", "NFO"})  # exchanges a label leaves unsaid


@dataclass(frozen=True, slots=True)
class DerivativeTerms:
    """What a derivative's trading symbol says; ``day`` only for a weekly."""

    underlying: str
    year: int
    month: int
    day: int | None
    strike: str | None  # None for a future
    kind: str  # CE | PE | FUT


def _plausible_year(yy: str) -> bool:
    # contracts listed from 2020 on; it also tells NIFTYNXT50's digits from the year after them
    return 20 <= int(yy) <= 49


def _real_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def derivative_terms(symbol: str) -> DerivativeTerms | None:
    """The terms a Kite derivative symbol packs, or None; underlyings are tried shortest
    first, the first split of the symbol's shape with a plausible year deciding."""
    text = symbol.strip().upper()
    for i in range(1, len(text) - 4):
        underlying, rest = text[:i], text[i:]
        monthly = _MONTHLY.fullmatch(rest)
        if monthly and _plausible_year(monthly[1]):
            strike = monthly[3]
            return DerivativeTerms(
                underlying,
                2000 + int(monthly[1]),
                [m.upper() for m in _MONTHS].index(monthly[2]) + 1,
                None,
                strike,
                "FUT" if strike is None else monthly[4],
            )
        weekly = _WEEKLY.fullmatch(rest)
        if weekly and _plausible_year(weekly[1]):
            # the first split that reads as a weekly decides: a day that does not exist makes
            # it no symbol, rather than a longer underlying with a year of its digits
            year, month = 2000 + int(weekly[1]), _WEEKLY_MONTH.index(weekly[2]) + 1
            day = int(weekly[3])
            if not _real_day(year, month, day):
                return None
            return DerivativeTerms(underlying, year, month, day, weekly[4], weekly[5])
    return None


def instrument_parts(symbol: str | None, exchange: str | None = None) -> tuple[str, str]:
    """(name, exchange) of a key (``NFO:NIFTY26JANFUT``) or a bare trading symbol with its
    `exchange`; cash symbols are never read as derivatives."""
    text = (symbol or "").strip()
    head, sep, tail = text.partition(":")
    code = (head if sep and head else exchange or "").upper()
    tradingsymbol = tail if sep and head else text
    terms = None if code in _CASH else derivative_terms(tradingsymbol)
    if terms is None:
        return tradingsymbol, code
    month = _MONTHS[terms.month - 1]
    when = month if terms.day is None else f"{terms.day} {month}"
    what = "FUT" if terms.kind == "FUT" else f"{terms.strike} {terms.kind}"
    return f"{terms.underlying} {when} {what}", code


def instrument_name(symbol: str | None, exchange: str | None = None) -> str:
    """An instrument as a trader reads it: ``NSE:RELIANCE`` → "RELIANCE",
    ``NIFTY26D0128200CE`` → "NIFTY 1 Dec 28200 CE"."""
    return instrument_parts(symbol, exchange)[0]


def instrument_label(symbol: str | None, exchange: str | None = None) -> str:
    """The name for a sentence: the exchange said only where it is not the usual one
    ("INFY", "INFY (BSE)")."""
    name, code = instrument_parts(symbol, exchange)
    return name if code in _USUAL else f"{name} ({code})"

"""Reference documents for workers (0.13): the market calendar and index constituents.

Both are versioned envelopes (``schema_version`` 1; any other is a 422 the SDK maps to
``UnsupportedSchemaVersionError``). The calendar is the install's NSE calendar (shipped, plus
`tradertape calendar import`). A range past the published holiday list is 503
``CALENDAR_RANGE_UNCOVERED`` by default, as the contract wants the gap to fail closed: a worker
built on the published SDKs never receives a guessed session as if it were known. A worker
that asks ``provisional=true`` gets the server's own answer instead (every weekday trades, as
the server's scans and GTTs assume), each such session ``verified: false`` and
``provisional: true`` and the envelope ``complete: false``.
Constituents are the catalog's universes (NIFTY 50, 100, 200, 500, Next 50).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tradertape.domain.calendar import Market, timetable
from tradertape.domain.calendar import Session as Phase
from tradertape.domain.calendar_data import IMPORT_HINT, calendar_warning
from tradertape.domain.instruments import Instrument
from tradertape.domain.utc_times import utc_iso
from tradertape.errors import InvalidField, NotFound, Rejected
from tradertape.ports.clock import IST
from tradertape.services.workers.market import WorkerMarket

SCHEMA_VERSION = 1
SOURCE = "tradertape"
MAX_CALENDAR_DAYS = 3660
EXPIRY_WARNING = timedelta(days=45)
_MARKETS = {"CM": Market.EQUITY, "FO": Market.FUTURES}
_EXCHANGES = ("NSE", "BSE", "NFO", "BFO")


def check_schema(version: int) -> None:
    """Only schema version 1 exists."""
    if version != SCHEMA_VERSION:
        raise Rejected(
            422,
            "UNSUPPORTED_SCHEMA_VERSION",
            f"schema_version {version} is not served; this server speaks {SCHEMA_VERSION}",
        )


def _envelope(now: datetime) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "source": SOURCE,
        "retrieved_at": utc_iso(now),
        "source_as_of": None,
    }


def _market(exchange: str, segment: str) -> Market:
    if exchange.upper() not in _EXCHANGES:
        raise InvalidField("exchange", f"one of {', '.join(_EXCHANGES)}")
    market = _MARKETS.get(segment.upper())
    if market is None:
        raise InvalidField("segment", "CM (cash) or FO (derivatives)")
    return market


def _hours(market: Market, day: date) -> tuple[time, time]:
    normal = [p for p in timetable(market, day) if p.session is Phase.NORMAL]
    return normal[0].start, normal[-1].end


def calendar(
    worker_market: WorkerMarket,
    *,
    start: date,
    end: date,
    exchange: str,
    segment: str,
    schema_version: int,
    provisional: bool = False,
) -> dict[str, Any]:
    """``GET /market/calendar``: one row per day, trading or not, with its hours.

    ``provisional`` answers days past the published list too (marked), up to the last day the
    calendar answers at all; without it they are a 503.
    """
    check_schema(schema_version)
    market = _market(exchange, segment)
    if start > end:
        raise InvalidField("from", "must not be after to")
    if (end - start).days > MAX_CALENDAR_DAYS:
        raise InvalidField("to", f"at most {MAX_CALENDAR_DAYS} days per request")
    cal = worker_market.calendar
    last = cal.provisional_until if provisional else cal.last_day
    if start < cal.first_day or end > last:
        guessed = "" if provisional else f"; provisional=true answers to {cal.provisional_until}"
        raise Rejected(
            503,
            "CALENDAR_RANGE_UNCOVERED",
            f"the calendar covers {cal.first_day}..{cal.last_day}; {start}..{end} is outside "
            f"it ({IMPORT_HINT}{guessed})",
        )
    sessions = []
    day = start
    while day <= end:
        name = cal.holiday_name(day)
        row: dict[str, Any]
        if cal.is_trading_day(day):
            opens, closes = _hours(market, day)
            row = {
                "session_date": day.isoformat(),
                "session_type": "special" if day.weekday() >= 5 else "regular",
                "opens_at": datetime.combine(day, opens, tzinfo=IST).isoformat(),
                "closes_at": datetime.combine(day, closes, tzinfo=IST).isoformat(),
            }
        else:
            kind = "weekend" if day.weekday() >= 5 and name is None else "holiday"
            row = {"session_date": day.isoformat(), "session_type": kind}
            row |= {"opens_at": None, "closes_at": None}
        guess = cal.is_provisional(day)
        row |= {"verified": not guess, "provisional": guess, "source_reference": None}
        sessions.append({**row, "label": name})
        day += timedelta(days=1)
    return {
        **_envelope(worker_market.now()),
        "exchange": exchange.upper(),
        "segment": segment.upper(),
        "timezone": "Asia/Kolkata",
        "calendar_version": cal.last_day.year,
        "complete": not cal.uses_provisional(start, end),
        "sessions": sessions,
    }


def calendar_status(
    market: WorkerMarket, *, exchange: str, segment: str, schema_version: int
) -> dict[str, Any]:
    """``GET /market/calendar/status``: what range the calendar covers, and for how long."""
    check_schema(schema_version)
    _market(exchange, segment)
    now = market.now()
    cal = market.calendar
    return {
        **_envelope(now),
        "exchange": exchange.upper(),
        "segment": segment.upper(),
        "active_calendar_version": cal.last_day.year,
        "coverage_start": cal.first_day.isoformat(),
        "coverage_end": cal.last_day.isoformat(),
        "provisional_until": cal.provisional_until.isoformat(),
        "complete": True,
        "expiry_warning": cal.last_day - now.astimezone(IST).date() <= EXPIRY_WARNING,
        "official_source": "NSE trading holidays (shipped with the server)",
        "calendar_warning": calendar_warning(cal, now.astimezone(IST).date()),
    }


def _universe_name(source_list: str, known: tuple[str, ...]) -> str:
    """``Nifty50``, ``NIFTY 50``, ``nifty_50`` → the catalog's ``nifty_50``."""
    wanted = re.sub(r"[^a-z0-9]", "", source_list.lower())
    for name in known:
        if re.sub(r"[^a-z0-9]", "", name) == wanted:
            return name
    raise NotFound(f"unknown index list '{source_list}'; known: {', '.join(known)}")


def _member(instrument: Instrument) -> dict[str, Any]:
    return {
        "exchange": instrument.exchange.value,
        "tradingsymbol": instrument.tradingsymbol,
        "instrument_token": instrument.instrument_token,
        "company_name": instrument.name,
        "series": "EQ",
        "isin_code": instrument.isin,
        "sector": instrument.sector,
    }


def constituents(
    market: WorkerMarket, db: Session, source_list: str, *, schema_version: int
) -> dict[str, Any]:
    """``GET /market/indices/{source_list}``: the index's members."""
    check_schema(schema_version)
    catalog = market.catalog(db)
    name = _universe_name(source_list, catalog.universe_names)
    members = catalog.universe(name)
    return {
        **_envelope(market.now()),
        "source_list": source_list,
        "complete": True,
        "member_count": len(members),
        "checksum": None,
        "effective_date": None,
        "source_url": None,
        "members": [_member(i) for i in members],
    }


def constituents_status(
    market: WorkerMarket, db: Session, source_list: str, *, schema_version: int
) -> dict[str, Any]:
    """``GET /market/indices/{source_list}/status``."""
    check_schema(schema_version)
    catalog = market.catalog(db)
    count = len(catalog.universe(_universe_name(source_list, catalog.universe_names)))
    return {
        **_envelope(market.now()),
        "source_list": source_list,
        "complete": True,
        "expected_member_count": count,
        "actual_member_count": count,
        "fresh": True,
        "scheduler_state": "static",
        "retry_eligible": False,
    }

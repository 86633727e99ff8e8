"""One written form for every instant the API answers: ISO 8601 in UTC with ``Z``.

Clocks here may be IST (the feed's market time) or UTC, and a client may send any offset;
an answer that echoed them would mix ``+05:30``, ``+00:00`` and ``Z`` for the same instant
(docs/api-conventions.md, "Time"). Response models use `api.schemas.times.UtcDateTime`;
answers the services build as dicts write their instants with `utc_iso`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC (a naive value is taken as UTC, as the database stores it)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_iso(value: datetime) -> str:
    """``2026-11-20T04:30:00Z``: as pydantic writes a UTC datetime."""
    return as_utc(value).isoformat().replace("+00:00", "Z")

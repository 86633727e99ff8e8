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


# The last instant written and its text: an order's events carry the same `now` object in
# several fields (its time, its placing, its update), and `isoformat` is a tenth of an
# event's message. Held by identity (the tuple keeps the instant alive, so its id cannot
# be reused), and swapped whole, so a thread never reads one instant's text for another.
_last: tuple[datetime | None, str] = (None, "")


def utc_iso(value: datetime) -> str:
    """``2026-11-20T04:30:00Z``: as pydantic writes a UTC datetime."""
    global _last
    seen = _last
    if seen[0] is value:
        return seen[1]
    text = as_utc(value).isoformat().replace("+00:00", "Z")
    _last = (value, text)
    return text

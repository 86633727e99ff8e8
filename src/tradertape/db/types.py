"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pydantic_core import from_json, to_json
from sqlalchemy import JSON, DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

# SQLite's DATETIME storage format (its default), and the same by position: no dict a bind.
_SQLITE_TEXT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
_SQLITE_FAST = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends (SQLite otherwise drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, `process_bind_param` and the dialect's text format in one function:
        the decorator's stacked processors cost three Python calls and a dict for every
        time a statement binds, and an order binds a dozen (bench/paper_orders.py). The
        text is the dialect's own (its default storage format, checked), as before."""
        stored = self.impl_instance.dialect_impl(dialect)
        if dialect.name != "sqlite" or getattr(stored, "_storage_format", None) != _SQLITE_TEXT:
            return super().bind_processor(dialect)

        # The last value bound and its text: an order binds the same `now` object ten
        # times of its thirteen (its row, its events, its trade, its cash, its audit). By
        # identity (the tuple keeps the value alive, so its id cannot be reused), swapped
        # whole, so a thread never reads one value's text for another.
        last: list[tuple[datetime | None, str | None]] = [(None, None)]

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            seen = last[0]
            if seen[0] is value:
                return seen[1]
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            v = value.astimezone(UTC)
            text = _SQLITE_FAST % (
                v.year,
                v.month,
                v.day,
                v.hour,
                v.minute,
                v.second,
                v.microsecond,
            )
            last[0] = (value, text)
            return text

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A `Decimal` kept exactly: NUMERIC on PostgreSQL, text on SQLite.

    SQLite has no decimal type, so a plain Numeric would round-trip through float
    (and SQLAlchemy warns about it); prices and tick sizes must come back as written.
    Values are read back without trailing zeros (``24650``, not PostgreSQL's padded
    ``24650.0000``), so both backends return the same thing.
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Text on SQLite, the configured NUMERIC elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        """Store the decimal's exact text on SQLite."""
        if value is None or dialect.name != "sqlite":
            return value
        return str(value)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite (whose text column converts nothing) `_text_of` itself: one call a
        bound amount, not the decorator's two (an order binds about sixteen)."""
        if dialect.name != "sqlite" or self.impl_instance.bind_processor(dialect) is not None:
            return super().bind_processor(dialect)
        return _text_of

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """`_decimal_of` itself where the driver's value needs no converting first (SQLite's
        text): one call an amount read, not two (an order reads about twenty)."""
        if self.impl_instance.result_processor(dialect, coltype) is not None:
            return super().result_processor(dialect, coltype)
        return _decimal_of

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Return a `Decimal` on both backends."""
        return _decimal_of(value)


def _text_of(value: Decimal | None) -> str | None:
    """A decimal's exact text, as SQLite stores it."""
    return None if value is None else str(value)


def _decimal_of(value: Any) -> Decimal | None:
    """A stored amount as a plain `Decimal` (see `ExactDecimal`)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _exact(value)
    return _plain(value if isinstance(value, Decimal) else Decimal(value))


def _plain(number: Decimal) -> Decimal:
    """`number` without trailing zeros or an exponent (``24650``, not ``24650.0000``)."""
    return Decimal(format(number.normalize(), "f"))


@lru_cache(maxsize=4096)
def _exact(text: str) -> Decimal:
    """`_plain` of a decimal stored as text (SQLite): an order's rows read the same few
    prices and amounts again and again. Keyed by the text, so ``-0`` stays ``-0``."""
    return _plain(Decimal(text))


@dataclass(frozen=True, slots=True)
class EncodedJSON:
    """A document with its JSON text, written once: `FastJSON` stores the text as it is,
    and an answer splices it in unparsed (a backtest's curve and trades, 0.2 MB, were
    written once to be stored and again to be answered; a stored run is read as text,
    `services.research.backtests.read`, and sent without being parsed and written again)."""

    text: bytes
    value: Any = None  # the document itself when it is at hand, else parsed on demand
    members: dict[str, bytes] | None = None  # an object's members' own texts, when kept

    @classmethod
    def of(cls, value: Any) -> EncodedJSON:
        """`value` and its JSON text."""
        return cls(to_json(value), value)

    @classmethod
    def of_members(
        cls, value: dict[str, Any], writers: Mapping[str, Callable[[Any], bytes]] | None = None
    ) -> EncodedJSON:
        """`of` an object (the same text), keeping each member's text beside it: a run's
        columns answered as rows are cut from them, not written a second time. A member
        named in `writers` is written by its writer (one that writes `to_json`'s bytes)."""
        write = writers or {}
        members = {key: write.get(key, to_json)(member) for key, member in value.items()}
        pairs = b",".join(to_json(key) + b":" + text for key, text in members.items())
        return cls(b"{" + pairs + b"}", value, members)

    def parsed(self) -> Any:
        """The document (parsed from the text when only the text is at hand)."""
        return from_json(self.text) if self.value is None else self.value


class FastJSON(TypeDecorator[Any]):
    """JSON written and read by pydantic's Rust codec instead of the standard library's:
    for the large documents a row may hold (a backtest's curve and trades), several times
    faster both ways. The column is a plain JSON column on both backends; NaN and ±inf are
    written as ``NaN`` and ``Infinity``, as `json.dumps` writes them. An `EncodedJSON` is
    stored as its text, not written again."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        """Serialize to JSON text."""

        def process(value: Any) -> str | None:
            if isinstance(value, EncodedJSON):
                return value.text.decode()
            return None if value is None else to_json(value).decode()

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """Parse JSON text (PostgreSQL's driver may have parsed it already)."""

        def process(value: Any) -> Any:
            return from_json(value) if isinstance(value, str | bytes) else value

        return process

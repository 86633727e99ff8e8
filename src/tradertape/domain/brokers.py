"""Brokers we connect to: one row of facts per broker, the one place the server learns them.

A broker is a `BrokerFacts` row in `BROKERS`: its name and label, the segments it trades,
its order types, varieties and products, when its daily session dies, how it treats an
order above the exchange's freeze quantity, its order-rate ceiling, how it names an
instrument, whose charges schedule its fills pay, and how a user logs in. The server's
services, its schemas (`BrokerKey`), `GET /api/brokers/facts` (the web app) and the tests
(the adapters' conformance suite, `tests/brokers/conformance/`) read the row; nothing
restates it. A fourth broker is a row here, an adapter package beside its siblings in
``tradertape_brokers``, and a fake in ``tradertape.fakebrokers`` (``docs/brokers.md``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

_IST = ZoneInfo("Asia/Kolkata")


class BrokerName(StrEnum):
    """A real broker a user can connect."""

    KITE = "kite"
    UPSTOX = "upstox"
    GROWW = "groww"


#: The same names as a type, for request and response fields (their schema stays a plain
#: enum of strings); `tests/unit/test_broker_facts.py` holds it to `BrokerName`.
BrokerKey = Literal["kite", "upstox", "groww"]
#: Whose charges schedule a broker's fills pay (`domain.charge_rates.schedules_of`).
ScheduleName = Literal["zerodha", "upstox", "groww"]


class LoginFlow(StrEnum):
    """How a user gets the day's access token."""

    #: The broker's login page sends the browser back to our callback with a one-time code.
    REDIRECT = "redirect"
    #: No browser: the token is minted from the API key and a TOTP code or the key's secret.
    API_KEY = "api_key"


class Slicing(StrEnum):
    """Who cuts an order above the exchange's freeze quantity into children."""

    #: The broker does, from one request (Kite's autoslice, Upstox's ``slice``).
    BROKER = "broker"
    #: The order pipeline does, one request a child (`oms.slicing`).
    PIPELINE = "pipeline"


class OrderUpdates(StrEnum):
    """How a broker tells us of an order's changes besides being asked (the trading loop
    polls every broker)."""

    POSTBACK = "postback"  # an HTTP call to our server, and its ticker's order updates
    POLL = "poll"  # only what the poll reads


@dataclass(frozen=True, slots=True)
class BrokerFacts:
    """One broker, as the server needs to know it."""

    name: BrokerName
    label: str  # what people call it ("Kite")
    house: str  # the firm whose statements and charges it is ("Zerodha")
    #: Exchanges (Kite's segment names) it takes orders on.
    segments: tuple[str, ...]
    order_types: tuple[str, ...]  # Kite's names: every adapter translates to them
    varieties: tuple[str, ...]
    products: tuple[str, ...]
    #: The IST wall-clock time its daily access token dies (`access_token_expiry`).
    session_ends_at: time
    slicing: Slicing
    #: At most this many children for one order above the freeze quantity.
    slice_cap: int
    orders_per_second: int  # its published order-rate ceiling per API key
    #: How it names an instrument (`domain.symbols.SymbolFormat`, by the same value).
    symbols: str
    charges: ScheduleName
    #: The name its statements carry in the journal (`journal.statements`: ``zerodha``).
    statements: str
    login: LoginFlow
    updates: OrderUpdates
    #: Days one historical request may span, per candle interval (``day``, ``minute``);
    #: an interval it is not asked for is absent.
    history_days: Mapping[str, int]
    #: The local agent can place for a model portfolio at it (seed 000).
    agent: bool = True

    @property
    def session_ends(self) -> str:
        """The cut-off as people read it: ``06:00 IST``."""
        return f"{self.session_ends_at:%H:%M} IST"


_KITE_SEGMENTS = ("NSE", "BSE", "NFO", "BFO", "CDS", "MCX")
_TYPES = ("MARKET", "LIMIT", "SL", "SL-M")
_PRODUCTS = ("CNC", "MIS", "NRML")

_ROWS = (
    BrokerFacts(
        name=BrokerName.KITE,
        label="Kite",
        house="Zerodha",
        segments=_KITE_SEGMENTS,
        order_types=_TYPES,
        varieties=("regular", "amo", "co", "iceberg", "auction"),
        products=_PRODUCTS,
        session_ends_at=time(6, 0),
        slicing=Slicing.BROKER,
        slice_cap=10,  # autoslice: at most 10 children (SEBI's rules, since 2026-04-01)
        orders_per_second=10,
        symbols="kite",
        charges="zerodha",
        statements="zerodha",
        login=LoginFlow.REDIRECT,
        updates=OrderUpdates.POSTBACK,
        history_days=MappingProxyType({"day": 2000, "minute": 60}),
    ),
    BrokerFacts(
        name=BrokerName.UPSTOX,
        label="Upstox",
        house="Upstox",
        segments=("NSE", "BSE", "NFO", "BFO", "MCX"),
        order_types=_TYPES,
        varieties=("regular", "amo"),
        products=_PRODUCTS,
        session_ends_at=time(3, 30),
        slicing=Slicing.BROKER,
        slice_cap=25,  # the v3 place order's ``slice``: at most 25 children
        orders_per_second=10,
        symbols="upstox",
        charges="upstox",
        statements="upstox",
        login=LoginFlow.REDIRECT,
        updates=OrderUpdates.POLL,
        # Its daily API takes a decade (the adapter splits wider ranges itself).
        history_days=MappingProxyType({"day": 3650}),
    ),
    BrokerFacts(
        name=BrokerName.GROWW,
        label="Groww",
        house="Groww",
        segments=("NSE", "BSE", "NFO", "BFO"),
        order_types=_TYPES,
        varieties=("regular",),
        products=_PRODUCTS,
        session_ends_at=time(6, 0),
        slicing=Slicing.PIPELINE,
        slice_cap=10,  # the pipeline's cap (`oms.slicing`), as for a paper order
        orders_per_second=10,
        symbols="groww",
        charges="groww",
        statements="groww",
        login=LoginFlow.API_KEY,
        updates=OrderUpdates.POLL,
        history_days=MappingProxyType({"day": 365}),  # no span documented: a year is asked
    ),
)

#: Every broker a user can connect, in the order the screens list them.
BROKERS: Mapping[BrokerName, BrokerFacts] = MappingProxyType({row.name: row for row in _ROWS})
#: Their names, as the registry of adapters and the CLI's options spell them.
BROKER_NAMES: tuple[str, ...] = tuple(name.value for name in BROKERS)


def facts(broker: BrokerName | str) -> BrokerFacts:
    """The row of `broker` (a `BrokerName` or its value); `ValueError` for another name."""
    return BROKERS[BrokerName(broker)]


def is_broker(name: str) -> bool:
    """Whether `name` is a broker a user can connect (``paper`` is not)."""
    return name in BROKER_NAMES


def label_of(name: str) -> str:
    """How people call the broker `name` (``Kite``); `name` itself for any other name."""
    return BROKERS[BrokerName(name)].label if is_broker(name) else name


def of_statements(name: str) -> str:
    """The broker whose statements are named `name` (``zerodha`` → ``kite``); a broker's
    own name, and any other, is itself."""
    return next((row.name.value for row in BROKERS.values() if row.statements == name), name)


def listed(words: str = "or", *, names: bool = False) -> str:
    """The brokers' labels (or `names`) as a phrase: ``Kite, Upstox or Groww``."""
    said = [row.name.value if names else row.label for row in BROKERS.values()]
    return f"{', '.join(said[:-1])} {words} {said[-1]}" if len(said) > 1 else said[0]


def access_token_expiry(broker: BrokerName, issued_at: datetime) -> datetime:
    """When a token issued at `issued_at` stops working: the broker's next daily cut-off."""
    local = issued_at.astimezone(_IST)
    cutoff = datetime.combine(local.date(), BROKERS[broker].session_ends_at, tzinfo=_IST)
    if cutoff <= local:
        cutoff += timedelta(days=1)
    return cutoff


def is_base32_secret(value: str) -> bool:
    """Whether `value` is a base32 TOTP secret (an API-key login's "API secret" is one)."""
    cleaned = value.replace(" ", "").upper()
    if len(cleaned) < 16:
        return False
    try:
        base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        return False
    return True

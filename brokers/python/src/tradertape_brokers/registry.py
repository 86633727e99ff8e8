"""Adapters by broker name, for the server's connectors and the local agent alike.

A venue's module, and the official SDK under it (an optional extra), is imported only when
that venue is asked for: an agent installed with ``[kite]`` alone never needs growwapi.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tradertape_brokers.pacing import RateLimiter

if TYPE_CHECKING:
    from tradertape_brokers.port import Broker
    from tradertape_brokers.upstox.keys import InstrumentKeys

#: Every broker name an adapter answers to.
BROKERS = ("kite", "upstox", "groww")


class UnknownBroker(ValueError):
    """No adapter answers to this name."""


class MissingExtra(ImportError):
    """The broker's SDK is not installed (its extra of ``tradertape-brokers`` is missing)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """One account's session at a broker, as its adapter needs it."""

    api_key: str
    access_token: str
    #: Only logins use it (Kite's checksum, Upstox's code exchange, Groww's approval key);
    #: no adapter sends it.
    api_secret: str | None = None
    expires_at: datetime | None = None  # when the access token dies, if known
    #: The API's base URL; None is the broker's own (our fake brokers serve elsewhere).
    root: str | None = None


@dataclass(frozen=True, slots=True)
class _Options:
    timeout_secs: float | None
    attempts: int | None
    limiter: RateLimiter | None
    instrument_keys: InstrumentKeys | Mapping[str, str] | None


def _given(**values: Any) -> dict[str, Any]:
    """`values` less those left to the adapter's defaults (None)."""
    return {k: v for k, v in values.items() if v is not None}


def broker_name(name: str) -> str:
    """`name` as the registry knows it (``Kite`` → ``kite``); `UnknownBroker` if none."""
    wanted = name.strip().lower()
    if wanted not in BROKERS:
        raise UnknownBroker(f"unknown broker {name!r}: expected one of {', '.join(BROKERS)}")
    return wanted


@contextmanager
def _sdk(name: str) -> Iterator[None]:
    """Imports of `name`'s venue, whose failure names the extra to install."""
    try:
        yield
    except ImportError as exc:
        raise MissingExtra(
            f"the {name} adapter needs its SDK: pip install 'tradertape-brokers[{name}]' ({exc})"
        ) from exc


def new_limiter(name: str) -> RateLimiter:
    """A rate limiter with the broker's published ceilings. The ceilings are per API key:
    share one among the adapters of one key (`build_broker`'s ``limiter``)."""
    venue = broker_name(name)
    with _sdk(venue):
        if venue == "kite":
            from tradertape_brokers.kite import KITE_LIMITS as limits
        elif venue == "upstox":
            from tradertape_brokers.upstox import UPSTOX_LIMITS as limits
        else:
            from tradertape_brokers.groww import GROWW_LIMITS as limits
    return RateLimiter(limits)


def build_broker(
    name: str,
    credentials: Credentials,
    *,
    timeout_secs: float | None = None,
    attempts: int | None = None,
    limiter: RateLimiter | None = None,
    instrument_keys: InstrumentKeys | Mapping[str, str] | None = None,
) -> Broker:
    """The adapter for `name` (``kite``, ``upstox`` or ``groww``) acting with `credentials`.

    None leaves an option to the adapter: `timeout_secs` per request, `attempts` per call
    (retries included), `limiter` (`new_limiter`; by default the adapter's own).
    `instrument_keys` is Upstox's and required there: Kite key → Upstox instrument key
    (``NSE:RELIANCE`` → ``NSE_EQ|INE002A01018``), which Upstox names cannot be derived from.
    Raises `UnknownBroker` for another name, `MissingExtra` without the broker's SDK.
    """
    venue = broker_name(name)
    options = _Options(timeout_secs, attempts, limiter, instrument_keys)
    with _sdk(venue):
        build = {"kite": _kite, "upstox": _upstox, "groww": _groww}[venue]
        return build(credentials, options)


def _kite(credentials: Credentials, options: _Options) -> Broker:
    from tradertape_brokers.kite import DEFAULT_ROOT, Backoff, KiteBroker

    return KiteBroker(
        api_key=credentials.api_key,
        access_token=credentials.access_token,
        root=credentials.root or DEFAULT_ROOT,
        expires_at=credentials.expires_at,
        limiter=options.limiter,
        backoff=None if options.attempts is None else Backoff(attempts=options.attempts),
        **_given(timeout_secs=options.timeout_secs),
    )


def _upstox(credentials: Credentials, options: _Options) -> Broker:
    from tradertape_brokers.upstox import UPSTOX_ROOT, InstrumentKeys, UpstoxBroker

    keys = options.instrument_keys
    if keys is None:
        raise ValueError("the Upstox adapter needs instrument_keys (Kite key → Upstox key)")
    return UpstoxBroker(
        access_token=credentials.access_token,
        keys=keys if isinstance(keys, InstrumentKeys) else InstrumentKeys(keys),
        root=credentials.root or UPSTOX_ROOT,
        expires_at=credentials.expires_at,
        limiter=options.limiter,
        **_given(timeout_secs=options.timeout_secs, attempts=options.attempts),
    )


def _groww(credentials: Credentials, options: _Options) -> Broker:
    from tradertape_brokers.groww import DEFAULT_ROOT, GrowwBroker

    retries = None if options.attempts is None else max(0, options.attempts - 1)
    return GrowwBroker(
        access_token=credentials.access_token,
        root=credentials.root or DEFAULT_ROOT,
        expires_at=credentials.expires_at,
        limiter=options.limiter,
        **_given(timeout_secs=options.timeout_secs, retries=retries),
    )

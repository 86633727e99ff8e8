"""Each registered broker's fake, served, and its adapter logged in to it by the broker's own
login flow: what the conformance suite (`test_conformance.py`) runs every adapter against.

A broker's `Harness` knows only its broker's quirks: how to log in to its fake, how to move
a price and how to inject a fault. The suite asks the same questions of every harness, so a
fourth broker is registered by adding its row (`domain.brokers`), its adapter
(`tradertape_brokers.registry`), its fake (`tradertape.fakebrokers.FAKES`) and a harness in
`HARNESSES` below; the suite then runs it without another line (docs/brokers.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.brokers.kite.conftest import Sleeps
from tests.integration.groww.conftest import API_KEY as GROWW_KEY
from tests.integration.groww.conftest import API_SECRET as GROWW_SECRET
from tests.integration.groww.conftest import TOTP as GROWW_TOTP
from tests.serving import serve
from tests.upstox_kit import FakeUpstox, kite_to_upstox
from tradertape.domain.brokers import BrokerName
from tradertape.ports.clock import IST, ManualClock
from tradertape_brokers.pacing import Ceiling, RateLimiter
from tradertape_brokers.port import Broker, BrokerSession
from tradertape_brokers.registry import Credentials

#: A Friday in market hours: every fake opens its session here.
START = datetime(2026, 11, 20, 10, 0, tzinfo=IST)
#: The instrument every scenario trades, by the Kite key every adapter speaks.
KEY = "NSE:INFY"
PRICE = 1500.0


#: A rate limiter's clock and sleeper that record instead of waiting: its monotonic time
#: moves only when something sleeps, so a burst stands still until the limiter holds it.
Pace = Sleeps


def paced(limits: Mapping[str, Sequence[Ceiling]], pace: Pace) -> RateLimiter:
    """A limiter of `limits` on `pace`'s clock."""
    return RateLimiter(limits, monotonic=pace.monotonic, sleep=pace.sleep)


class Harness(Protocol):
    """One broker's served fake and how its adapter reaches it."""

    clock: ManualClock  # the fake's clock (its sessions die on it)
    root: str  # where the fake serves

    @property
    def limits(self) -> Mapping[str, Sequence[Ceiling]]:
        """The adapter package's published ceilings (its ``limits`` module)."""
        ...

    def login(self) -> BrokerSession:
        """Today's session, by the broker's own login flow against the fake."""
        ...

    def adapter(self, session: BrokerSession, pace: Pace) -> Broker:
        """The adapter acting with `session`, its waits (backoff, pacing) on `pace`."""
        ...

    def credentials(self, session: BrokerSession) -> tuple[Credentials, dict[str, Any]]:
        """What `registry.build_broker` needs to reach the fake with `session`, and its
        further options."""
        ...

    def price(self, key: str, value: float) -> None:
        """Move the fake's last price of `key` (a Kite key); resting orders react."""
        ...

    def refuse_places(self, times: int) -> None:
        """The fake answers the next `times` order placements 429 (too many requests)."""
        ...


class _Control:
    def __init__(self, root: str, prefix: str) -> None:
        self.root = root
        self._prefix = prefix

    def control(self, path: str, body: object) -> Any:
        answer = httpx.post(f"{self.root}/{self._prefix}/{path}", json=body, timeout=5)
        answer.raise_for_status()
        return answer.json() if answer.content else None


class KiteHarness(_Control):
    """The fake Kite: a checksum login after its login page's redirect."""

    def __init__(self, root: str, clock: ManualClock) -> None:
        super().__init__(root, "_fake")
        self.clock = clock

    @property
    def limits(self) -> Mapping[str, Sequence[Ceiling]]:
        from tradertape_brokers.kite import KITE_LIMITS

        return KITE_LIMITS

    def login(self) -> BrokerSession:
        from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET
        from tradertape_brokers.kite import checksum, exchange_request_token

        page = httpx.get(
            f"{self.root}/connect/login", params={"api_key": DEFAULT_API_KEY, "v": 3}, timeout=5
        )
        token = parse_qs(urlsplit(page.headers["location"]).query)["request_token"][0]
        signed = checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET)
        return exchange_request_token(DEFAULT_API_KEY, token, signed, self.root)

    def adapter(self, session: BrokerSession, pace: Pace) -> Broker:
        from tradertape.fakebrokers.kite import DEFAULT_API_KEY
        from tradertape_brokers.kite import Backoff, KiteBroker

        return KiteBroker(
            api_key=DEFAULT_API_KEY,
            access_token=session.access_token,
            root=self.root,
            timeout_secs=2,
            expires_at=session.expires_at,
            limiter=paced(self.limits, pace),
            backoff=Backoff(sleep=pace.sleep),
        )

    def credentials(self, session: BrokerSession) -> tuple[Credentials, dict[str, Any]]:
        from tradertape.fakebrokers.kite import DEFAULT_API_KEY

        return Credentials(DEFAULT_API_KEY, session.access_token, root=self.root), {}

    def price(self, key: str, value: float) -> None:
        self.control("price", {key: value})

    def refuse_places(self, times: int) -> None:
        fault = {"kind": "429", "count": times, "method": "POST", "path_prefix": "/orders"}
        self.control("faults", fault)


class UpstoxHarness(_Control):
    """The fake Upstox: its authorization dialog's code exchanged with the API secret."""

    REDIRECT = "http://127.0.0.1:1/api/brokers/upstox/callback"

    def __init__(self, root: str, clock: ManualClock) -> None:
        super().__init__(root, "_control")
        self.clock = clock
        self._keys = _upstox_keys()

    @property
    def limits(self) -> Mapping[str, Sequence[Ceiling]]:
        from tradertape_brokers.upstox import UPSTOX_LIMITS

        return UPSTOX_LIMITS

    def login(self) -> BrokerSession:
        from tradertape_brokers.upstox import exchange_code

        code = FakeUpstox(self.root).code("key", self.REDIRECT)
        return exchange_code("key", "secret", code, self.REDIRECT, self.root, now=self.clock.now)

    def adapter(self, session: BrokerSession, pace: Pace) -> Broker:
        from tradertape_brokers.upstox import InstrumentKeys, UpstoxBroker

        return UpstoxBroker(
            access_token=session.access_token,
            keys=InstrumentKeys(self._keys),
            root=self.root,
            expires_at=session.expires_at,
            timeout_secs=2,
            sleep=pace.sleep,
            limiter=paced(self.limits, pace),
        )

    def credentials(self, session: BrokerSession) -> tuple[Credentials, dict[str, Any]]:
        credentials = Credentials("key", session.access_token, root=self.root)
        return credentials, {"instrument_keys": self._keys}

    def price(self, key: str, value: float) -> None:
        self.control("prices", {self._keys[key]: value})

    def refuse_places(self, times: int) -> None:
        self.control("faults", {"kind": "429", "count": times, "path": "/v3/order/place"})


class GrowwHarness(_Control):
    """The fake Groww: no browser, today's token minted from the API key and a TOTP code."""

    API_KEY, API_SECRET, TOTP = GROWW_KEY, GROWW_SECRET, GROWW_TOTP

    def __init__(self, root: str, clock: ManualClock) -> None:
        super().__init__(root, "_fake")
        self.clock = clock

    @property
    def limits(self) -> Mapping[str, Sequence[Ceiling]]:
        from tradertape_brokers.groww import GROWW_LIMITS

        return GROWW_LIMITS

    def login(self) -> BrokerSession:
        from tradertape_brokers.groww import access_token_from_totp

        return access_token_from_totp(self.API_KEY, self.TOTP, self.root, now=self.clock.now)

    def adapter(self, session: BrokerSession, pace: Pace) -> Broker:
        from tradertape_brokers.groww import GrowwBroker

        return GrowwBroker(
            access_token=session.access_token,
            root=self.root,
            expires_at=session.expires_at,
            timeout_secs=2,
            sleep=pace.sleep,
            limiter=paced(self.limits, pace),
        )

    def credentials(self, session: BrokerSession) -> tuple[Credentials, dict[str, Any]]:
        return Credentials(self.API_KEY, session.access_token, root=self.root), {}

    def price(self, key: str, value: float) -> None:
        self.control("prices", {key.split(":", 1)[1]: value})

    def refuse_places(self, times: int) -> None:
        self.control("faults", {"kind": "429", "path": "/v1/order/create", "times": times})


@cache
def _upstox_keys() -> dict[str, str]:
    return kite_to_upstox()


def _kite_app(clock: ManualClock) -> Any:
    from tradertape.fakebrokers.kite import create_app

    return create_app(clock=clock.now)


def _upstox_app(clock: ManualClock) -> Any:
    from tradertape.fakebrokers.upstox import create_app

    return create_app(now=clock.now)


def _groww_app(clock: ManualClock) -> Any:
    from tradertape.fakebrokers.groww import create_app

    keys = {GrowwHarness.API_KEY: GrowwHarness.API_SECRET}
    return create_app(clock=clock, api_keys=keys, totp=GrowwHarness.TOTP)


@dataclass(frozen=True, slots=True)
class Registered:
    """How one broker's fake is built and its harness made around it."""

    app: Callable[[ManualClock], Any]
    harness: Callable[[str, ManualClock], Harness]


#: Every broker the suite runs, by name: a new broker registers its harness here.
HARNESSES: Mapping[BrokerName, Registered] = {
    BrokerName.KITE: Registered(_kite_app, KiteHarness),
    BrokerName.UPSTOX: Registered(_upstox_app, UpstoxHarness),
    BrokerName.GROWW: Registered(_groww_app, GrowwHarness),
}


def served(name: BrokerName) -> AbstractContextManager[Harness]:
    """`name`'s fake served on loopback at `START`, `KEY` priced at `PRICE`."""

    @contextmanager
    def running() -> Iterator[Harness]:
        clock = ManualClock(START)
        registered = HARNESSES[name]
        with serve(registered.app(clock)) as root:
            harness = registered.harness(root, clock)
            harness.price(KEY, PRICE)
            yield harness

    return running()

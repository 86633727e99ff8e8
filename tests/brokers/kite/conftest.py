"""The fake Kite on a loopback port, and an adapter logged in to it through the real SDK."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.serving import serve
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, FakeKite, create_app
from tradertape.ports.clock import ManualClock
from tradertape.services import baskets
from tradertape.settings import Settings
from tradertape_brokers.kite import KITE_LIMITS, Backoff, KiteBroker, RateLimiter, checksum
from tradertape_brokers.kite import exchange_request_token as exchange
from tradertape_brokers.port import BrokerSession

CALLBACK = "http://testserver/api/brokers/kite/callback"


def server_settings(tmp_path: Path, fake: Fake, **changes: Any) -> Settings:
    """A test server's settings pointing at the fake Kite, our app registered there with
    `CALLBACK` as its redirect; `changes` are further settings (live switches, timeouts)."""
    fake.control(
        "apps",
        {"api_key": DEFAULT_API_KEY, "api_secret": DEFAULT_API_SECRET, "redirect_url": CALLBACK},
    )
    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        public_base_url="http://testserver",
        redis_url=None,
        feed="none",
        warm_kernels=False,
        kite_root=fake.url,
        kite_login_url=f"{fake.url}/connect/login",
        _env_file=None,
        **changes,
    )


@dataclass
class Fake:
    """The served fake: its base URL, its state and a client for its control routes."""

    url: str
    kite: FakeKite
    http: httpx.Client

    def control(self, action: str, body: dict[str, Any] | None = None) -> Any:
        answer = self.http.post(f"{self.url}/_fake/{action}", json=body or {})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def state(self) -> Any:
        return self.http.get(f"{self.url}/_fake/state").json()

    def fault(self, kind: str, **kw: Any) -> None:
        self.control("faults", {"kind": kind, **kw})

    def price(self, key: str, value: float) -> None:
        self.control("price", {key: value})

    def request_token(self, api_key: str = DEFAULT_API_KEY) -> str:
        """Walk the fake's login page: the request token of its redirect."""
        answer = self.http.get(f"{self.url}/connect/login", params={"api_key": api_key, "v": 3})
        assert answer.status_code == 302, answer.text
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        assert query["status"] == ["success"]
        return query["request_token"][0]

    def login(self) -> BrokerSession:
        token = self.request_token()
        return exchange(
            DEFAULT_API_KEY, token, checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET), self.url
        )


@pytest.fixture(autouse=True)
def hedge_wait_on_its_own_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A live basket waits for its hedge's fill (`baskets.HedgeWait`, 5 s) on a clock of its
    own here: each look advances it by the poll, so no test sleeps through the wait."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    monkeypatch.setattr(
        baskets, "HEDGE_WAIT", baskets.HedgeWait(sleep=sleep, monotonic=lambda: now[0])
    )


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[Fake]:
    app = create_app(clock=clock.now)
    with serve(app) as url, httpx.Client(timeout=5) as http:
        yield Fake(url, app.state.kite, http)


@dataclass
class Sleeps:
    """A sleeper that records instead of sleeping (and moves a fake monotonic clock)."""

    waits: list[float] = field(default_factory=list)
    t: float = 0.0

    def sleep(self, secs: float) -> None:
        self.waits.append(secs)
        self.t += secs

    def monotonic(self) -> float:
        return self.t


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def broker(fake: Fake, sleeps: Sleeps) -> KiteBroker:
    session = fake.login()
    return KiteBroker(
        api_key=DEFAULT_API_KEY,
        access_token=session.access_token,
        root=fake.url,
        timeout_secs=0.5,
        expires_at=session.expires_at,
        limiter=RateLimiter(KITE_LIMITS, monotonic=sleeps.monotonic, sleep=sleeps.sleep),
        backoff=Backoff(sleep=sleeps.sleep),
    )

"""`tradertape data fetch-history`: Kite history through the real SDK against the fake Kite
on loopback, window by window, into the candle store labelled ``broker``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.serving import serve
from tradertape.cli import app
from tradertape.cli.common import build_runtime
from tradertape.domain.brokers import BrokerName
from tradertape.domain.market import Interval
from tradertape.fakebrokers.kite import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    FakeKite,
    create_app,
    market,
)
from tradertape.services.accounts.users import create_user
from tradertape.services.brokers.credentials import CredentialUpdate
from tradertape.services.brokers.history import windows

runner = CliRunner()
INFY = 408065


class Recorder:
    """ASGI middleware noting every historical request the fake answers."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.state = inner.state
        self.history: list[tuple[str, str, str]] = []  # (interval, from, to)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/instruments/historical/"):
            query = parse_qs(scope["query_string"].decode())
            self.history.append((path.rsplit("/", 1)[1], query["from"][0], query["to"][0]))
        await self.inner(scope, receive, send)


def _token(kite: FakeKite) -> str:
    _app, request_token = kite.sessions.login(DEFAULT_API_KEY)
    checksum = hashlib.sha256(
        (DEFAULT_API_KEY + request_token + DEFAULT_API_SECRET).encode()
    ).hexdigest()
    answer = kite.sessions.exchange(
        api_key=DEFAULT_API_KEY, request_token=request_token, checksum=checksum, now=kite.now()
    )
    token: str = answer["access_token"]
    return token


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """The fake Kite served, a data folder, and an admin whose stored session is the fake's."""
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    recorder = Recorder(create_app())
    with serve(recorder) as url:
        monkeypatch.setenv("TRADERTAPE_KITE_ROOT", url)
        runtime = build_runtime()
        with runtime.db.session() as db:
            create_user(db, clock=runtime.clock, email="someone@x.in")  # no session
            admin = create_user(db, clock=runtime.clock, email="admin@x.in", is_admin=True)
            update = CredentialUpdate(
                api_key=DEFAULT_API_KEY,
                access_token=_token(recorder.state.kite),
                access_token_expires_at=datetime.now(UTC) + timedelta(days=1),
            )
            runtime.brokers.save(db, user=admin, broker=BrokerName.KITE, update=update)
        yield recorder


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, ["data", "fetch-history", *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_windows_keep_within_a_span():
    five_years = windows(date(2019, 1, 1), date(2023, 12, 31), 2000)
    assert five_years == [(date(2019, 1, 1), date(2023, 12, 31))]  # 1826 days: one request
    minutes = windows(date(2024, 1, 1), date(2024, 3, 15), 60)
    assert minutes == [(date(2024, 1, 1), date(2024, 2, 29)), (date(2024, 3, 1), date(2024, 3, 15))]
    assert windows(date(2024, 1, 2), date(2024, 1, 1), 60) == []


def test_daily_history_in_2000_day_windows_lands_exactly_and_once(fake: Recorder):
    out = _run(["NSE:INFY", "--from", "2015-01-01", "--to", "2020-12-31"])
    # 2192 days: Kite takes at most 2000 a request, so two requests, oldest first.
    assert fake.history == [
        ("day", "2015-01-01 00:00:00", "2020-06-22 23:59:59"),
        ("day", "2020-06-23 00:00:00", "2020-12-31 23:59:59"),
    ]
    expected = market.candles(
        next(i for i in fake.state.kite.instruments if i.instrument_token == INFY),
        "day",
        "2015-01-01",
        "2020-12-31",
        date(2026, 1, 1),
    )
    assert len(expected) == 1566  # weekdays of the six years
    assert "NSE:INFY: 1566 day candles in 2 request(s), 1566 new" in out
    assert "2015-01-01 → 2020-12-31, 1566 candles (broker)" in out

    store = build_runtime().candles
    bars = store.read("NSE:INFY", Interval.DAY, date(2015, 1, 1), date(2020, 12, 31))
    assert [str(t) for t in bars.time[:2]] == ["2015-01-01", "2015-01-02"]
    assert bars.close.tolist() == [row[4] for row in expected]
    assert bars.open.tolist() == [row[1] for row in expected]
    assert bars.volume.tolist() == [row[5] for row in expected]
    info = store.info("NSE:INFY", Interval.DAY)
    assert info is not None
    assert (info.source.value, info.origin) == ("broker", "kite")

    again = _run(["NSE:INFY", "--from", "2015-01-01", "--to", "2020-12-31"])
    assert "1566 day candles in 2 request(s), 0 new" in again
    assert store.info("NSE:INFY", Interval.DAY) == info


def test_minute_history_in_60_day_windows(fake: Recorder):
    out = _run(["INFY", "--from", "2024-01-01", "--to", "2024-03-15", "--interval", "minute"])
    assert fake.history == [
        ("minute", "2024-01-01 00:00:00", "2024-02-29 23:59:59"),
        ("minute", "2024-03-01 00:00:00", "2024-03-15 23:59:59"),
    ]
    weekdays = int(np.busday_count("2024-01-01", "2024-03-16"))
    assert f"{weekdays * 375} minute candles in 2 request(s), {weekdays * 375} new" in out
    store = build_runtime().candles
    bars = store.read("NSE:INFY", Interval.MINUTE, date(2024, 1, 1), date(2024, 1, 1))
    assert str(bars.time[0]) == "2024-01-01T03:45:00"  # 09:15 IST


def test_a_synthetic_series_is_not_mixed_and_no_request_is_spent(fake: Recorder):
    synth = ["data", "synth", "--universe", "nifty_50"]
    synth += ["--from", "2024-01-01", "--to", "2024-01-31"]
    assert runner.invoke(app, synth).exit_code == 0
    out = _run(["RELIANCE", "--from", "2023-01-01", "--to", "2023-12-31"], code=1)
    assert "NSE:RELIANCE already has day candles from 'synthetic'" in out
    assert "--replace" in out
    assert fake.history == []
    replaced = _run(["RELIANCE", "--from", "2023-01-01", "--to", "2023-12-31", "--replace"])
    assert "2023-01-02 → 2023-12-29, 260 candles (broker)" in replaced


def test_an_expired_session_asks_for_a_new_login(fake: Recorder):
    fake.state.kite.sessions.expire_all()
    out = _run(["NSE:INFY", "--from", "2024-01-01", "--to", "2024-01-31"], code=1)
    assert "error: the kite session has expired: log in to kite again" in out
    # The stored session is marked dead: the next run does not even try.
    again = _run(["NSE:INFY", "--from", "2024-01-01", "--to", "2024-01-31"], code=1)
    assert "no live kite session for any user: log in to kite again" in again
    unknown = _run(["NSE:INFY", "--from", "2024-01-01", "--user", "nobody@x.in"], code=1)
    assert "--user: nobody@x.in has no kite credentials" in unknown
    assert build_runtime().candles.info("NSE:INFY", Interval.DAY) is None

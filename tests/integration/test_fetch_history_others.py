"""`data fetch-history --broker upstox|groww`: daily history through their adapters and real
SDKs against their fakes on loopback, labelled ``broker`` with the broker as origin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.serving import serve
from tradertape.cli import app
from tradertape.cli.common import build_runtime
from tradertape.domain.brokers import BrokerName
from tradertape.domain.market import Interval
from tradertape.fakebrokers import groww, upstox
from tradertape.services.accounts.users import create_user
from tradertape.services.brokers.credentials import CredentialUpdate

runner = CliRunner()


class Recorder:
    """ASGI middleware noting the paths and queries of the fake's history requests."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.state = inner.state
        self.history: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and "historical" in path:
            self.history.append(f"{path}?{scope['query_string'].decode()}")
        await self.inner(scope, receive, send)


def _access_token(broker: BrokerName, fake: Recorder) -> str:
    if broker is BrokerName.GROWW:
        minted = fake.state.fake.mint("growwkey", {"key_type": "totp", "totp": "123456"})
        token: str = minted["token"]
        return token
    return "upstox-token"  # the fake's history is public, as Upstox's is


@pytest.fixture(params=[BrokerName.UPSTOX, BrokerName.GROWW], ids=lambda b: b.value)
def fake(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[BrokerName, Recorder]]:
    broker: BrokerName = request.param
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    recorder = Recorder(upstox.create_app() if broker is BrokerName.UPSTOX else groww.create_app())
    with serve(recorder) as url:
        monkeypatch.setenv(f"TRADERTAPE_{broker.value.upper()}_ROOT", url)
        runtime = build_runtime()
        with runtime.db.session() as db:
            admin = create_user(db, clock=runtime.clock, email="admin@x.in", is_admin=True)
            update = CredentialUpdate(
                api_key="growwkey" if broker is BrokerName.GROWW else "upstoxkey",
                access_token=_access_token(broker, recorder),
                access_token_expires_at=datetime.now(UTC) + timedelta(hours=12),
            )
            runtime.brokers.save(db, user=admin, broker=broker, update=update)
        yield broker, recorder


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, ["data", "fetch-history", *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_daily_history_from_the_fake_lands_once(fake: tuple[BrokerName, Recorder]):
    broker, recorder = fake
    args = ["NSE:INFY", "--broker", broker.value, "--from", "2023-01-01", "--to", "2024-12-31"]
    out = _run(args)
    weekdays = int(np.busday_count("2023-01-01", "2025-01-01"))  # the fakes trade weekdays
    assert f"NSE:INFY: {weekdays} day candles" in out
    assert f"{weekdays} new" in out
    assert f"2023-01-02 → 2024-12-31, {weekdays} candles (broker)" in out
    if broker is BrokerName.GROWW:  # a year a request: three windows
        starts = [urlsplit(p).query.split("start_time=")[1][:10] for p in recorder.history]
        assert starts == ["2023-01-01", "2024-01-01", "2024-12-31"]
    else:  # a decade a request: one call
        assert [urlsplit(p).path.split("/")[-2:] for p in recorder.history] == [
            ["2024-12-31", "2023-01-01"]
        ]
    info = build_runtime().candles.info("NSE:INFY", Interval.DAY)
    assert info is not None
    assert (info.source.value, info.origin, info.rows) == ("broker", broker.value, weekdays)
    assert "0 new" in _run(args)
    assert build_runtime().candles.info("NSE:INFY", Interval.DAY) == info


def test_minute_history_is_kite_only(fake: tuple[BrokerName, Recorder]):
    broker, recorder = fake
    args = ["INFY", "--broker", broker.value, "--from", "2024-01-01", "--interval", "minute"]
    out = _run(args, code=1)
    assert f"--interval: {broker.value} history is fetched by day only" in out
    assert recorder.history == []

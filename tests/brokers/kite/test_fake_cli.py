"""`tradertape fake-broker kite --port P` serves the fake Kite (a real process, on loopback),
listing every instrument of the demo's universes at the demo's prices."""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tradertape.demo import DEMO_PORTFOLIO_UNIVERSE, DEMO_UNIVERSE, demo_closes
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tradertape_brokers.kite import checksum, exchange_request_token


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, datetime]]:
    """The CLI's fake Kite: its base URL once it answers, and when it was started."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli = Path(sys.executable).with_name("tradertape")
    started = datetime.now(UTC)
    process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [str(cli), "fake-broker", "kite", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # up to ~60 s: the CLI imports the server and prices the demo
            try:
                httpx.get(f"{base}/connect/login", timeout=0.5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                threading.Event().wait(0.05)
        yield base, started
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def test_fake_broker_kite_serves_its_login_page(served: tuple[str, datetime]):
    base, _ = served
    answer = httpx.get(f"{base}/connect/login?api_key=kitefake&v=3", timeout=2)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(
        "http://127.0.0.1:8000/api/brokers/kite/callback?action=login&type=login"
        "&status=success&request_token="
    )
    refused = httpx.get(f"{base}/portfolio/holdings", timeout=2)
    assert refused.status_code == 403
    assert refused.json()["error_type"] == "TokenException"


def _session(base: str) -> dict[str, str]:
    """Kite's auth header for a session the fake's login page hands out."""
    answer = httpx.get(f"{base}/connect/login", params={"api_key": DEFAULT_API_KEY, "v": 3})
    token = parse_qs(urlsplit(answer.headers["location"]).query)["request_token"][0]
    sum_ = checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET)
    session = exchange_request_token(DEFAULT_API_KEY, token, sum_, base)
    return {"Authorization": f"token {DEFAULT_API_KEY}:{session.access_token}"}


def test_it_lists_every_instrument_the_demo_trades_at_the_demos_prices(
    served: tuple[str, datetime],
):
    base, started = served
    auth = _session(base)
    dump = httpx.get(f"{base}/instruments", headers=auth, timeout=5)
    assert dump.status_code == 200
    rows = {
        f"{r['exchange']}:{r['tradingsymbol']}": r for r in csv.DictReader(io.StringIO(dump.text))
    }
    catalog = reference_catalog()
    for universe in (DEMO_UNIVERSE, DEMO_PORTFOLIO_UNIVERSE):
        members = {i.key for i in catalog.universe(universe)}
        assert members <= set(rows), sorted(members - set(rows))[:5]
    assert "NSE:NIFTY 50" in rows
    # the names it knew before keep Kite's real tokens
    assert (rows["NSE:INFY"]["instrument_token"], rows["NSE:ITC"]["name"]) == ("408065", "ITC LTD.")
    # each opens at its close in the demo's history (the last session closed when the CLI
    # started: a session may have closed since), so the demo's signals trade near it
    quoted = httpx.get(
        f"{base}/quote/ltp", params={"i": ["NSE:ITC", "NSE:RELIANCE"]}, headers=auth, timeout=5
    ).json()["data"]
    calendar = nse_calendar()
    then, now = (demo_closes(catalog, calendar, at) for at in (started, datetime.now(UTC)))
    for key in ("NSE:ITC", "NSE:RELIANCE"):
        assert Decimal(str(quoted[key]["last_price"])) in (then[key], now[key])
    # a demo signal's GTT at ITC is taken (it was "Invalid instrument NSE:ITC")
    itc = Decimal(str(quoted["NSE:ITC"]["last_price"]))
    condition = {
        "exchange": "NSE",
        "tradingsymbol": "ITC",
        "trigger_values": [float(itc * Decimal("1.01"))],
        "last_price": float(itc),
    }
    orders = [
        {
            "transaction_type": "BUY",
            "quantity": 10,
            "order_type": "LIMIT",
            "product": "CNC",
            "price": float(itc * Decimal("1.02")),
        }
    ]
    placed = httpx.post(
        f"{base}/gtt/triggers",
        data={"type": "single", "condition": json.dumps(condition), "orders": json.dumps(orders)},
        headers=auth,
        timeout=5,
    )
    assert placed.status_code == 200, placed.text
    assert placed.json()["data"]["trigger_id"] > 0

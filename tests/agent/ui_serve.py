"""The agent UI for the end-to-end tests: a fake Kite, Upstox and Groww and a fake cloud on
loopback, a settings file pointing at them, and the real agent (`Runner`: poll loop and UI)
on ``E2E_AGENT_PORT``. The account's obfuscation is on (uploads go scaled) and it holds two
mutual funds; Groww's key is a TOTP key (its secret makes no session: the page logs in).

Run from the repository's root (``python -m tests.agent.ui_serve``, as
``agent/web/playwright.config.ts`` does) with the server's and the agent's sources on the path:
the fakes live in the server package and the tests; the agent itself imports neither.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.agent.cloud_kit import KEY, FakeCloud, entry_signal
from tests.serving import serve
from tradertape.fakebrokers.groww import create_app as create_groww
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, create_app
from tradertape.fakebrokers.upstox import create_app as create_upstox
from tradertape.ports.clock import ManualClock
from tradertape_agent.cli import Runner
from tradertape_agent.config import Config, save
from tradertape_brokers.kite import checksum, exchange_request_token

HOLDINGS = {
    "NSE:INFY": (40, Decimal("1380.50")),
    "NSE:RELIANCE": (120, Decimal("1215.25")),
    "NSE:TCS": (15, Decimal("3420.00")),
    "NSE:HDFCBANK": (60, Decimal("1602.10")),
    "NSE:SBIN": (250, Decimal("742.35")),
}


#: The day's moves (the holdings' close is the instruments' base price).
PRICES = {
    "NSE:INFY": 1512.40,
    "NSE:RELIANCE": 1287.65,
    "NSE:TCS": 3236.80,
    "NSE:HDFCBANK": 1691.25,
    "NSE:SBIN": 811.05,
}


GROWW_KEY = "groww-totp-key"
GROWW_TOTP = "246810"
#: What the cloud values of the user's CAS (the shape of GET /api/agent/mutual-funds).
FUNDS = {
    "as_of": "2026-11-20",
    "total_value": "612474.47",
    "total_invested": "500000.00",
    "funds_xirr": "0.1432",
    "funds": [
        {
            "folio": "1234567/89",
            "scheme": "Parag Parikh Flexi Cap Fund - Direct Plan - Growth",
            "isin": "INF879O01027",
            "amfi": "122639",
            "units": "4521.337",
            "nav": "86.4215",
            "nav_date": "2026-11-19",
            "nav_source": "amfi",
            "nav_stale": False,
            "as_of": "2026-11-19",
            "value": "390740.73",
            "invested": "300000.00",
            "gain": "90740.73",
            "day_pnl": "1130.33",
            "xirr": "0.1581",
        },
        {
            "folio": "9988776",
            "scheme": "UTI Nifty 50 Index Fund - Direct Plan - Growth",
            "isin": "INF789F01XA0",
            "amfi": "120716",
            "units": "1402.118",
            "nav": "158.1420",
            "nav_date": "2026-11-19",
            "nav_source": "amfi",
            "nav_stale": False,
            "as_of": "2026-11-19",
            "value": "221733.74",
            "invested": "200000.00",
            "gain": "21733.74",
            "day_pnl": "-420.64",
            "xirr": "0.1198",
        },
    ],
    "warnings": [],
}


def kite_session(url: str) -> str:
    with httpx.Client(timeout=5) as http:
        http.post(f"{url}/_fake/price", json=PRICES).raise_for_status()
        answer = http.get(f"{url}/connect/login", params={"api_key": DEFAULT_API_KEY, "v": 3})
    token = parse_qs(urlsplit(answer.headers["location"]).query)["request_token"][0]
    session = exchange_request_token(
        DEFAULT_API_KEY, token, checksum(DEFAULT_API_KEY, token, DEFAULT_API_SECRET), url
    )
    return session.access_token


def main() -> int:
    port = int(os.environ.get("E2E_AGENT_PORT", "5679"))
    folder = Path(tempfile.mkdtemp(prefix="tradertape-agent-e2e-"))
    cloud = FakeCloud(
        signals=[
            entry_signal(101, symbol="NSE:INFY", quantity=12),
            entry_signal(
                102,
                symbol="NSE:HDFCBANK",
                quantity=8,
                close_price="1700.00",
                trigger_price="1717.00",
                limit_price="1725.60",
                stop_price="1615.00",
            ),
        ],
        expected=[
            {"symbol": "NSE:INFY", "broker": None, "quantity": 40},
            {"symbol": "NSE:RELIANCE", "broker": None, "quantity": 100},
            {"symbol": "NSE:TCS", "broker": None, "quantity": 15},
            {"symbol": "NSE:HDFCBANK", "broker": None, "quantity": 60},
            {"symbol": "NSE:SBIN", "broker": None, "quantity": 250},
        ],
        obfuscate=True,
        funds=FUNDS,
    )
    kite = create_app(holdings=HOLDINGS)
    # a TOTP key: its "secret" mints nothing (the approval flow refuses it), the code does
    groww = create_groww(
        clock=ManualClock(datetime.now(UTC)),
        api_keys={GROWW_KEY: "approval-secret"},
        totp=GROWW_TOTP,
    )
    upstox = create_upstox(feed_interval_secs=None)  # not logged in: the UI's button does it
    with (
        serve(kite) as kite_url,
        serve(upstox) as upstox_url,
        serve(groww) as groww_url,
        serve(cloud.asgi()) as cloud_url,
    ):
        config = Config(
            cloud_url=cloud_url,
            api_key=KEY,
            primary_broker="kite",
            kite_api_key=DEFAULT_API_KEY,
            kite_api_secret=DEFAULT_API_SECRET,
            kite_access_token=kite_session(kite_url),
            kite_root=kite_url,
            upstox_api_key="upstox-key",
            upstox_api_secret="upstox-secret",  # noqa: S106 - a fake
            upstox_root=upstox_url,
            groww_api_key=GROWW_KEY,
            groww_api_secret="not-the-approval-secret",  # noqa: S106 - a fake
            groww_root=groww_url,
            auto_execute=False,
            poll_interval=5,
            ui_host="127.0.0.1",
            ui_port=port,
        )
        with httpx.Client(timeout=5) as http:  # Upstox holds a little too (read only)
            http.post(
                f"{upstox_url}/_control/holdings",
                json=[
                    {
                        "instrument_key": "NSE_EQ|INE467B01029",
                        "quantity": 10,
                        "average_price": 3105,
                    },
                    {
                        "instrument_key": "NSE_EQ|INE002A01018",
                        "quantity": 30,
                        "average_price": 1251.4,
                    },
                ],
            ).raise_for_status()
            upstox_prices = {"NSE_EQ|INE467B01029": 3236.80, "NSE_EQ|INE002A01018": 1287.65}
            http.post(f"{upstox_url}/_control/prices", json=upstox_prices).raise_for_status()
        path = folder / "agent.json"
        save(config, path)
        runner = Runner(path)
        signal.signal(signal.SIGTERM, lambda *_: runner.stop.set())
        signal.signal(signal.SIGINT, lambda *_: runner.stop.set())
        return runner.run()


if __name__ == "__main__":
    sys.exit(main())

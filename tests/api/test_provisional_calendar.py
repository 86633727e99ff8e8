"""With the clock in January 2027, past the shipped NSE holiday list: a scan, a backtest and a
GTT that rest on provisional (guessed) sessions say so when read back; once NSE's list for the
years they use is imported, new ones no longer do, and the old ones keep their mark."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, deploy_funded
from tests.helpers import sign_in as sign_up
from tradertape.api.app import create_app
from tradertape.candles import CandleStore
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.db.engine import Database
from tradertape.domain.calendar_data import import_holidays, nse_calendar
from tradertape.domain.holiday_file import parse_holiday_file
from tradertape.domain.instruments_data import reference_catalog
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings

AFTER_CLOSE = datetime(2027, 1, 6, 16, 0, tzinfo=IST)  # a Wednesday past the shipped list
NSE_2027_2028 = (
    "Sr. No,Date,Day,Description\n"
    "1,26-Jan-2027,Tuesday,Republic Day\n"
    "2,22-Mar-2027,Monday,Holi\n"
    "3,26-Jan-2028,Wednesday,Republic Day\n"
    "4,15-Aug-2028,Tuesday,Independence Day\n"
)


@pytest.fixture(scope="module")
def candles_into_2027(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NIFTY 50 members and indices, synthetic, from mid-2025 to the clock's week."""
    root = tmp_path_factory.mktemp("candles2027")
    catalog = reference_catalog()
    store = CandleStore(root, catalog=catalog)
    members = [i.key for i in catalog.universe("nifty_50")]
    market = SyntheticMarket(catalog, nse_calendar())
    synthesize(store, market, members, date(2025, 6, 1), AFTER_CLOSE.date())
    return root


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(AFTER_CLOSE)


@pytest.fixture
def alice(client: TestClient, runtime: Runtime, candles_into_2027: Path) -> TestClient:
    shutil.copytree(candles_into_2027, runtime.candles.root, dirs_exist_ok=True)
    sign_up(client, runtime, "alice@x.in")
    client.post("/api/portfolio/funds", json={"amount": "1000000"})
    return client


def _deploy(client: TestClient) -> int:
    templates = client.get("/api/strategies", params={"is_template": True}).json()
    template = next(s["id"] for s in templates if s["base_model"] == "v1_momentum")
    body = {
        "strategy_id": template,
        "universe": "nifty_50",
        "starting_capital": "1000000",
        "position_size_pct": "10",
        "max_positions": 5,
        "max_per_sector": 2,
        "paper_fill": "close",
    }
    response = deploy_funded(client, body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _scan(client: TestClient, day: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Scan a new portfolio at ``day``; its report, and its signals as the cart reads them."""
    pid = _deploy(client)
    response = client.post("/api/model/scan", json={"portfolio_id": pid, "date": day})
    assert response.status_code == 200, response.text
    (report,) = response.json()
    assert report["skipped"] is None
    assert report["entries"] or report["exits"], "the scan decided nothing to mark"
    listed = client.get("/api/model/signals", params={"portfolio_id": pid}).json()
    return report, listed


def _last_scan_provisional(client: TestClient) -> list[bool]:
    portfolios = sorted(client.get("/api/model/portfolios").json(), key=lambda p: p["id"])
    return [p["last_scan_provisional"] for p in portfolios]


def _backtest(client: TestClient, start: str, end: str) -> dict[str, Any]:
    templates = client.get("/api/strategies", params={"is_template": True}).json()
    body = {
        "strategy_id": next(s["id"] for s in templates if s["base_model"] == "v1_momentum"),
        "universe": "nifty_50",
        "start_date": start,
        "end_date": end,
        "starting_capital": 1000000,
    }
    response = client.post("/api/backtest/run", json=body)
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()
    return run


def _gtt(client: TestClient) -> dict[str, Any]:
    body = {
        "type": "single",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "trigger_values": ["1450"],
            "last_price": "1400",
        },
        "orders": [
            {
                "transaction_type": "BUY",
                "quantity": 1,
                "order_type": "LIMIT",
                "product": "CNC",
                "price": "1455",
            }
        ],
    }
    created = client.post("/api/gtt/triggers", json=body)
    assert created.status_code == 201, created.text
    read = client.get(f"/api/gtt/triggers/{created.json()['trigger_id']}")
    gtt: dict[str, Any] = read.json()
    return gtt


@pytest.fixture
def imported(
    alice: TestClient, settings: Settings, clock: ManualClock, database: Database
) -> Iterator[TestClient]:
    """The same install restarted after `tradertape calendar import` of NSE's 2027 and 2028
    lists (a GTT made in January 2027 runs until January 2028)."""
    import_holidays(settings.data_dir, parse_holiday_file(NSE_2027_2028).holidays)
    runtime = Runtime.build(settings, clock=clock, db=database, transport=LogTransport())
    assert runtime.candles.calendar.last_day == date(2028, 12, 31)
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        signed_in = client.post(
            "/api/auth/password-login", json={"email": "alice@x.in", "password": PASSWORD}
        )
        assert signed_in.status_code == 200
        yield client


def test_a_scan_on_a_provisional_day_marks_its_report_signals_and_portfolio(alice: TestClient):
    covered, covered_signals = _scan(alice, "2026-12-31")
    guessed, guessed_signals = _scan(alice, "2027-01-06")
    assert covered["provisional_calendar"] is False
    assert {s["provisional_calendar"] for s in covered_signals} == {False}
    assert guessed["provisional_calendar"] is True
    assert {s["provisional_calendar"] for s in guessed_signals} == {True}
    assert _last_scan_provisional(alice) == [False, True]


def test_a_backtest_over_provisional_days_is_marked(alice: TestClient):
    covered = _backtest(alice, "2026-07-01", "2026-12-31")
    guessed = _backtest(alice, "2026-10-01", "2027-01-06")
    assert (covered["provisional_calendar"], guessed["provisional_calendar"]) == (False, True)
    assert guessed["equity_curve"][-1]["date"] == "2027-01-06"
    history = {r["id"]: r["provisional_calendar"] for r in alice.get("/api/backtest/runs").json()}
    assert history == {covered["id"]: False, guessed["id"]: True}
    read = alice.get(f"/api/backtest/runs/{guessed['id']}").json()
    assert read["provisional_calendar"] is True


def test_a_gtt_whose_validity_runs_over_provisional_days_is_marked(alice: TestClient):
    gtt = _gtt(alice)
    assert gtt["expires_at"].startswith("2028-01-06")
    assert gtt["provisional_calendar"] is True
    (listed,) = alice.get("/api/gtt/triggers").json()
    assert listed["provisional_calendar"] is True


def test_after_importing_nses_list_new_results_are_not_provisional(
    alice: TestClient, imported: TestClient
):
    old_gtt = _gtt(alice)
    old_run = _backtest(alice, "2026-10-01", "2027-01-06")
    _scan(alice, "2027-01-06")

    report, signals = _scan(imported, "2027-01-06")
    assert report["provisional_calendar"] is False
    assert {s["provisional_calendar"] for s in signals} == {False}
    assert _backtest(imported, "2026-10-01", "2027-01-06")["provisional_calendar"] is False
    assert _gtt(imported)["provisional_calendar"] is False
    # What was made on guessed days keeps saying so.
    assert _last_scan_provisional(imported) == [True, False]
    assert imported.get(f"/api/gtt/triggers/{old_gtt['id']}").json()["provisional_calendar"]
    assert imported.get(f"/api/backtest/runs/{old_run['id']}").json()["provisional_calendar"]

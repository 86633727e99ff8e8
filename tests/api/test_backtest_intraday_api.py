"""POST /api/backtest/run with an intraday interval: the same answer's shape, trades with
IST times, and 422s that name the field (never a 500)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.unit.backtest.test_intraday import STRATEGY, _store
from tradertape.runtime import Runtime


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _body(**extra: Any) -> dict[str, Any]:
    return {
        "strategy": STRATEGY.model_dump(mode="json"),
        "universe": ["INFY"],
        "start_date": "2025-03-03",
        "end_date": "2025-03-04",
        "position_size_pct": 5,
        "slippage_bps": 0,
        "interval": "5minute",
        "product": "MIS",
        **extra,
    }


def test_an_mis_run_answers_trades_with_ist_times(alice: TestClient, runtime: Runtime):
    _store(Path(runtime.candles.root))
    response = alice.post("/api/backtest/run", json=_body())
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["config"]["interval"] == "5minute"
    assert run["config"]["product"] == "MIS"
    assert [t["exit_reason"] for t in run["trades"]] == ["below_1000", "square_off"]
    assert run["trades"][1]["exit_time"] == "2025-03-04T15:15:00+05:30"
    assert [d["date"] for d in run["equity_curve"]] == ["2025-03-03", "2025-03-04"]
    assert run["equity_curve"][-1]["equity"] == 999_503.82
    columns = alice.get(f"/api/backtest/runs/{run['id']}", params={"columns": True}).json()
    assert columns["trade_columns"]["entry_time"] == [
        "2025-03-03T09:35:00+05:30",
        "2025-03-04T14:05:00+05:30",
    ]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        pytest.param({}, "universe", "no minute candles stored for NSE:INFY", id="no-candles"),
        pytest.param({"interval": "day"}, "product", "intraday interval", id="mis-on-days"),
        pytest.param({"interval": "2minute"}, "interval", "", id="unknown-interval"),
        pytest.param({"product": "NRML"}, "product", "", id="unknown-product"),
        pytest.param(
            {
                "interval": "minute",
                "universe": "nifty_50",
                "start_date": "2021-01-01",
                "end_date": "2025-12-31",
            },
            "end_date",
            "2021-01-01 to 2025-12-31 at minute for 50 symbols",
            id="too-many-bars",
        ),
    ],
)
def test_bad_intraday_requests_name_the_field(alice: TestClient, change, field, words):
    response = alice.post("/api/backtest/run", json=_body(**change))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert field in {e["field"] for e in detail}
    assert words in " ".join(e["message"] if "message" in e else e["msg"] for e in detail)

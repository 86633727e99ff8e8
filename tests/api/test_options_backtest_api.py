"""POST /api/backtests/options: an options strategy over generated NIFTY chains."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime

STRADDLE: dict[str, Any] = {
    "name": "weekly short straddle",
    "underlying": "NIFTY",
    "resolution": "daily",
    "hold": "expiry",
    "legs": [
        {
            "option_type": kind,
            "side": "sell",
            "stop_loss": {"unit": "pct", "value": 30},
            "reentry": {"times": 1},
        }
        for kind in ("CE", "PE")
    ],
    "slippage": {"unit": "points", "value": 0.5},
}


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _body(**changes: Any) -> dict[str, Any]:
    return {"strategy": STRADDLE, "start_date": "2025-02-03", "end_date": "2025-03-28"} | changes


def test_a_short_straddle_answers_results_that_add_up(alice: TestClient):
    response = alice.post("/api/backtests/options", json=_body())
    assert response.status_code == 200, response.text
    run = response.json()
    assert (run["data_source"], run["synthetic"]) == ("synthetic", True)
    assert run["trades"]
    assert {t["reason"] for t in run["trades"]} <= {
        "stop_loss", "settlement", "end", "time", "target", "trailing_stop",
    }  # fmt: skip
    gross = sum(Decimal(t["gross"]) for t in run["trades"])
    slippage = sum(Decimal(t["slippage"]) for t in run["trades"])
    charges = sum(Decimal(c["total"]) for c in run["charges_by_day"])
    assert Decimal(run["gross"]) == gross
    assert Decimal(run["slippage"]) == slippage > 0
    assert Decimal(run["charges"]) == charges > 0
    assert Decimal(run["net"]) == gross - slippage - charges
    assert run["final_equity"] == pytest.approx(
        float(Decimal(run["capital"]) + Decimal(run["net"]))
    )
    assert Decimal(run["margin_peak"]) > 0
    assert [b["key"] for b in run["by_weekday"]] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert len(run["worst_days"]) == 5
    assert run["worst_days"][0]["pnl"] == min(p["pnl"] for p in run["curve"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"strategy": STRADDLE | {"legs": []}}, "strategy.legs", id="no-legs"),
        pytest.param(
            {"strategy": STRADDLE | {"legs": [STRADDLE["legs"][0] | {"lots": "2"}]}},
            "strategy.legs[0].lots",
            id="lots-a-string",
        ),
        pytest.param(
            {
                "strategy": STRADDLE
                | {"legs": [STRADDLE["legs"][0] | {"strike": {"type": "delta", "delta": 1.5}}]}
            },
            'strategy.legs[0].strike.delta"',
            id="delta-past-1",
        ),  # fmt: skip
        pytest.param(
            {
                "strategy": STRADDLE
                | {"legs": [STRADDLE["legs"][0] | {"stop_loss": {"unit": "pct", "value": "30"}}]}
            },
            "strategy.legs[0].stop_loss.value",
            id="stop-a-string",
        ),  # fmt: skip
        pytest.param({"end_date": "2025-01-01"}, "end_date", id="reversed"),
        pytest.param({"seed": True}, "seed", id="seed-a-bool"),
        pytest.param(
            {"strategy": STRADDLE | {"underlying": "BANKNIFTY"}},
            "strategy.underlying",
            id="no-chains",
        ),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(alice: TestClient, change: dict[str, Any], field: str):
    response = alice.post("/api/backtests/options", json=_body(**change))
    assert response.status_code == 422, response.text
    assert field in response.text


def test_signed_out_is_refused(client: TestClient):
    assert client.post("/api/backtests/options", json=_body()).status_code == 401


def test_a_covered_straddle_with_a_future_runs_on_synthetic_chains(alice: TestClient):
    legs = [*STRADDLE["legs"], {"option_type": "FUT", "side": "buy"}]
    body = _body(strategy=STRADDLE | {"legs": legs}, end_date="2025-02-28")
    response = alice.post("/api/backtests/options", json=body)
    assert response.status_code == 200, response.text
    run = response.json()
    futures = [t for t in run["trades"] if t["option_type"] == "FUT"]
    assert futures
    assert {Decimal(t["strike"]) for t in futures} == {Decimal(0)}
    # held to the first leg's expiry (the weekly's): the future is closed there at its close
    # (the last set: at the run's end); on its own expiry (the monthly's) it settles
    weeklies = {t["expiry"] for t in run["trades"] if t["option_type"] != "FUT"}
    assert {t["exit_day"] for t in futures} <= weeklies | {"2025-02-28"}
    assert all(t["reason"] == "settlement" for t in futures if t["exit_day"] == t["expiry"])
    assert any(t["reason"] == "settlement" for t in futures)
    assert len(run["payoffs"]) == run["trade_sets"]

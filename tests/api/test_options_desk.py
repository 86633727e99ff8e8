"""The web's option pages: underlyings, a chain around ATM with OI, PCR and max pain, and
the payoff of a spread (and of an option run) with a what-if, all computed by the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.workers_kit import Worker, new_worker, set_price
from tradertape.runtime import Runtime

OPT = "/api/options"
NIFTY = "NSE:NIFTY 50"


@pytest.fixture
def signed_in(client: TestClient, runtime: Runtime) -> TestClient:
    set_price(runtime, NIFTY, "25010")
    sign_in(client, runtime, "o@x.in")
    return client


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_underlyings_and_chain_around_atm(signed_in: TestClient) -> None:
    (nifty,) = [u for u in _ok(signed_in.get(f"{OPT}/underlyings")) if u["underlying"] == "NIFTY"]
    assert (Decimal(nifty["spot"]), nifty["lot_size"]) == (Decimal(25010), 65)
    params: dict[str, str | int] = {"expiry": "2026-12-01", "window": 3}
    chain = _ok(signed_in.get(f"{OPT}/underlyings/NIFTY/chain", params=params))
    assert chain["expiry"] == "2026-12-01"
    assert [Decimal(r["strike"]) for r in chain["rows"]] == [
        Decimal(s) for s in (24850, 24900, 24950, 25000, 25050, 25100, 25150)
    ]
    atm = chain["rows"][3]
    assert Decimal(chain["atm_strike"]) == Decimal(25000)
    call, put = atm["call"], atm["put"]
    assert call["tradingsymbol"] == "NIFTY26D0125000CE"
    assert call["oi"] > 0
    assert put["oi"] > 0
    assert 0.45 < call["delta"] < 0.6
    assert chain["pcr"] == pytest.approx(chain["put_oi"] / chain["call_oi"], abs=0.01)
    assert chain["max_pain"] is not None
    worker_view = signed_in.get(f"{OPT}/underlyings/NIFTY/chain", params={"expiry": "weekly"})
    assert worker_view.status_code == 422


def _spread(chain: dict[str, Any]) -> list[dict[str, Any]]:
    """Buy the ATM call, sell the call two strikes (100 points) above."""
    rows = chain["rows"]
    atm = next(i for i, r in enumerate(rows) if r["strike"] == chain["atm_strike"])
    return [
        {"tradingsymbol": rows[atm]["call"]["tradingsymbol"], "transaction_type": "BUY", "lots": 1},
        {
            "tradingsymbol": rows[atm + 2]["call"]["tradingsymbol"],
            "transaction_type": "SELL",
            "lots": 1,
        },
    ]


def test_spread_payoff_and_what_if(signed_in: TestClient) -> None:
    chain = _ok(signed_in.get(f"{OPT}/underlyings/NIFTY/chain", params={"expiry": "2026-12-01"}))
    legs = _spread(chain)
    body = _ok(signed_in.post(f"{OPT}/payoff", json={"underlying": "NIFTY", "legs": legs}))
    debit = -Decimal(body["net_premium"])
    buy, sell = body["legs"]
    assert debit == (Decimal(buy["ltp"]) - Decimal(sell["ltp"])) * 65
    assert Decimal(body["max_loss"]) == -debit
    assert Decimal(body["max_profit"]) == 100 * 65 - debit
    (be,) = body["breakevens"]
    assert Decimal(be) == pytest.approx(Decimal(25000) + debit / 65, abs=Decimal("0.5"))
    assert len(body["points"]) == 81
    assert body["greeks"]["delta"] > 0
    later = _ok(
        signed_in.post(
            f"{OPT}/payoff",
            json={
                "underlying": "NIFTY",
                "legs": legs,
                "spot": 25300,
                "days_to_expiry": 0,
                "iv_shift": 2,
            },
        )
    )
    assert later["scenario"] == {"spot": "25300.00", "iv_shift": 2.0, "days_to_expiry": 0.0}
    assert (
        Decimal(later["pnl_today"])
        == Decimal(later["pnl_at_expiry"])
        == Decimal(later["max_profit"])
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param(
            {"legs": [{"tradingsymbol": "INFY", "transaction_type": "BUY", "lots": 1}]},
            "legs.0.tradingsymbol",
            id="not-an-option",
        ),
        pytest.param({"legs": []}, "legs", id="no-legs"),
        pytest.param({"iv_shift": 500}, "iv_shift", id="iv"),
        pytest.param({"iv_shift": True}, "iv_shift", id="iv-not-a-number"),
        pytest.param({"days_to_expiry": "5"}, "days_to_expiry", id="days-a-string"),
    ],
)
def test_bad_payoff_names_the_field(
    signed_in: TestClient, change: dict[str, Any], field: str
) -> None:
    body = {
        "underlying": "NIFTY",
        "legs": [{"tradingsymbol": "NIFTY26D0125000CE", "transaction_type": "BUY", "lots": 1}],
        **change,
    }
    response = signed_in.post(f"{OPT}/payoff", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field


def test_option_run_on_the_desk(client: TestClient, runtime: Runtime) -> None:
    set_price(runtime, NIFTY, "25010")
    worker: Worker = new_worker(client, runtime)
    chain = _ok(client.get(f"{OPT}/underlyings/NIFTY/chain", params={"expiry": "2026-12-01"}))
    body = {"strategy_name": "Bull call spread", "product": "NRML", "legs": _spread(chain)}
    created = worker.call("POST", "/options/runs", json=body)
    assert created.status_code == 200, created.text
    run_key = created.json()["strategy_run_id"]
    entered = worker.call("POST", f"/options/runs/{run_key}/enter", json={})
    assert entered.status_code == 200, entered.text
    (card,) = _ok(client.get("/api/algo-workers/runs"))
    assert card["is_option_run"] is True
    state = _ok(client.get(f"/api/algo-workers/runs/{card['id']}/option"))
    assert [leg["net_quantity"] for leg in state["legs"]] == [65, -65]
    payoff = _ok(client.post(f"/api/algo-workers/runs/{card['id']}/option/payoff", json={}))
    fills = [Decimal(str(leg["average_price"])) for leg in state["legs"]]
    assert [Decimal(leg["entry_price"]) for leg in payoff["legs"]] == fills
    assert Decimal(payoff["net_premium"]) == (fills[1] - fills[0]) * 65

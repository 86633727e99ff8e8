"""POST /api/backtest/run and the run history, on synthetic NIFTY 50 candles."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_strategies_api import SMA_CROSS
from tests.helpers import sign_in
from tradertape.candles import CandleSource
from tradertape.db.models import BacktestRun
from tradertape.runtime import Runtime

SEED_KEYS = {"cagr", "win_rate", "total_trades"}


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _v1_id(client: TestClient) -> int:
    templates = client.get("/api/strategies", params={"is_template": True}).json()
    return int(next(s["id"] for s in templates if s["base_model"] == "v1_momentum"))


def _seed_body(strategy_id: int) -> dict[str, Any]:
    # seed 001's example, with the range moved onto the test's synthetic history
    return {
        "strategy_id": strategy_id,
        "universe": "nifty_50",
        "start_date": "2023-01-01",
        "end_date": "2025-12-31",
        "starting_capital": 10000000,
        "position_size_pct": 10,
        "max_positions": 20,
        "max_per_sector": 2,
        "slippage_bps": 5,
    }


def test_seed_example_runs_and_is_kept(alice: TestClient):
    response = alice.post("/api/backtest/run", json=_seed_body(_v1_id(alice)))
    assert response.status_code == 200, response.text
    run = response.json()
    summary = run["summary"]
    assert set(summary) >= SEED_KEYS
    assert summary["total_trades"] > 20
    assert 0 <= summary["win_rate"] <= 100
    closed = [t for t in run["trades"] if t["exit_reason"] != "end_of_data"]
    assert len(closed) == summary["total_trades"]
    assert {t["exit_reason"] for t in closed} <= {"rsi_overbought", "sma20_cross"}
    # the money adds up: final equity = capital + realised and open P&L (all after charges),
    # to the half-paisa each trade's rounding allows
    pnl = sum(t["pnl"] for t in run["trades"])
    slack = 0.005 * len(run["trades"]) + 0.01
    assert summary["final_equity"] == pytest.approx(10_000_000 + pnl, abs=slack)
    assert summary["total_charges"] == pytest.approx(sum(t["charges"] for t in run["trades"]))
    # sector cap: never more than two open positions of a sector
    assert run["equity_curve"][0]["date"] == "2023-01-02"
    assert max(p["positions"] for p in run["equity_curve"]) <= 20
    assert summary["benchmark_return"] is not None

    history = alice.get("/api/backtest/runs").json()
    assert [(r["id"], r["strategy_name"]) for r in history] == [(run["id"], "V1 Momentum")]
    assert "trades" not in history[0]
    again = alice.get(f"/api/backtest/runs/{run['id']}").json()
    assert again["trades"] == run["trades"]
    assert again["config"]["slippage_bps"] == 5


def test_equity_curve_carries_the_benchmark_rebased_to_the_capital(alice: TestClient):
    run = alice.post("/api/backtest/run", json=_seed_body(_v1_id(alice))).json()
    curve = run["equity_curve"]
    bench = [day["benchmark"] for day in curve if day["benchmark"] is not None]
    assert len(bench) == len(curve)  # the synthetic index trades every day the panel does
    assert curve[0]["benchmark"] == pytest.approx(curve[0]["equity"], abs=0.01)
    # the curve's own return is the summary's buy-and-hold figure (a percent, 4 decimals)
    assert (bench[-1] / bench[0] - 1) * 100 == pytest.approx(
        run["summary"]["benchmark_return"], abs=1e-3
    )
    assert len(set(bench)) > 10  # it moves with the index, not a flat line


def test_same_inputs_same_result(alice: TestClient):
    body = _seed_body(_v1_id(alice))
    first = alice.post("/api/backtest/run", json=body).json()
    second = alice.post("/api/backtest/run", json=body).json()
    assert first["summary"] == second["summary"]
    assert first["trades"] == second["trades"]


def test_inline_strategy_with_flat_charges(alice: TestClient):
    body = _seed_body(0) | {"strategy": SMA_CROSS, "charges": {"flat_pct": 0.1}}
    del body["strategy_id"]
    response = alice.post("/api/backtest/run", json=body)
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["strategy_id"] is None
    assert run["strategy"]["name"] == "SMA cross"
    for trade in run["trades"][:20]:
        value = trade["entry_price"] * trade["quantity"] + (
            trade["exit_price"] * trade["quantity"] if trade["exit_reason"] != "end_of_data" else 0
        )
        assert trade["charges"] == pytest.approx(value * 0.001, abs=0.01)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"universe": "nifty_7"}, "universe", id="unknown-universe"),
        pytest.param({"end_date": "2022-06-01"}, "end_date", id="reversed-dates"),
        pytest.param(
            {"start_date": "2019-01-01", "end_date": "2019-12-31"}, "start_date", id="no-data"
        ),
        pytest.param({"start_date": "0002-01-01"}, "start_date", id="before-the-calendar"),
        pytest.param({"starting_capital": 0}, "starting_capital", id="no-capital"),
        pytest.param({"strategy_id": None}, "strategy_id", id="no-strategy"),
        pytest.param({"charges": "groww"}, "charges", id="unknown-charges"),
    ],
)
def test_bad_requests_name_the_field(alice: TestClient, change, field):
    body = _seed_body(_v1_id(alice)) | change
    response = alice.post("/api/backtest/run", json=body)
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["detail"]}
    assert alice.get("/api/backtest/runs").json() == []


def test_runs_are_private_and_deletable(client: TestClient, with_candles: Runtime):
    from tests.helpers import PASSWORD, make_user

    make_user(with_candles, "bob@x.in")
    sign_in(client, with_candles, "alice@x.in")
    run = client.post("/api/backtest/run", json=_seed_body(_v1_id(client))).json()
    client.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    assert client.get(f"/api/backtest/runs/{run['id']}").status_code == 404
    assert client.delete(f"/api/backtest/runs/{run['id']}").status_code == 404
    assert client.get("/api/backtest/runs").json() == []
    client.post("/api/auth/password-login", json={"email": "alice@x.in", "password": PASSWORD})
    assert client.delete(f"/api/backtest/runs/{run['id']}").status_code == 204
    assert client.get(f"/api/backtest/runs/{run['id']}").status_code == 404


def test_a_run_says_where_its_candles_came_from(alice: TestClient, with_candles: Runtime):
    body = {**_seed_body(_v1_id(alice)), "universe": ["INFY", "TCS"]}
    synthetic = alice.post("/api/backtest/run", json=body).json()["summary"]
    assert (synthetic["data_source"], synthetic["synthetic"]) == ("synthetic", True)
    # Real INFY and TCS, measured against the synthetic NIFTY 50: the figures mix both.
    store = with_candles.candles
    for key in ("NSE:INFY", "NSE:TCS"):
        bars = store.read_daily(key, date(2018, 1, 1), date(2025, 12, 31))
        store.write_daily(key, bars, source=CandleSource.IMPORT, replace=True)
    mixed = alice.post("/api/backtest/run", json=body).json()
    assert (mixed["summary"]["data_source"], mixed["summary"]["synthetic"]) == ("mixed", True)
    stored = alice.get(f"/api/backtest/runs/{mixed['id']}").json()["summary"]
    assert stored["data_source"] == "mixed"


def test_columns_carry_the_rows_as_columns(alice: TestClient, with_candles: Runtime):
    body = _seed_body(_v1_id(alice))
    rows = alice.post("/api/backtest/run", json=body).json()
    columns = alice.post("/api/backtest/run", params={"columns": True}, json=body).json()
    assert (columns["trades"], columns["equity_curve"]) == ([], [])
    assert "trade_columns" not in rows
    assert "equity_columns" not in rows
    for rows_key, columns_key in (("trades", "trade_columns"), ("equity_curve", "equity_columns")):
        table = columns[columns_key]
        assert list(table) == list(rows[rows_key][0])  # the fields, in the rows' order
        items = zip(*table.values(), strict=True)
        assert [dict(zip(table, item, strict=True)) for item in items] == rows[rows_key]
    again = alice.get(f"/api/backtest/runs/{columns['id']}", params={"columns": True}).json()
    assert again["trade_columns"] == columns["trade_columns"]
    assert alice.get(f"/api/backtest/runs/{columns['id']}").json()["trades"] == rows["trades"]
    # kept as columns: one list per field, not an object per trade
    with with_candles.db.session() as db:
        stored = db.get(BacktestRun, columns["id"])
        assert stored is not None
        assert stored.trades == columns["trade_columns"]


def test_a_run_stored_as_rows_reads_as_rows(alice: TestClient, with_candles: Runtime):
    run = alice.post("/api/backtest/run", json=_seed_body(_v1_id(alice))).json()
    # as runs were stored before columns: rows, and days without the benchmark
    days = [{k: v for k, v in day.items() if k != "benchmark"} for day in run["equity_curve"]]
    with with_candles.db.session() as db:
        stored = db.get(BacktestRun, run["id"])
        assert stored is not None
        stored.equity_curve, stored.trades = days, run["trades"]
        db.commit()
    again = alice.get(f"/api/backtest/runs/{run['id']}").json()
    assert again["trades"] == run["trades"]
    assert again["equity_curve"] == [{**day, "benchmark": None} for day in days]
    columns = alice.get(f"/api/backtest/runs/{run['id']}", params={"columns": True}).json()
    assert columns["trade_columns"]["symbol"] == [t["symbol"] for t in run["trades"]]
    assert columns["equity_columns"]["benchmark"] == [None] * len(days)


def test_a_run_with_no_rows_answers_every_column_empty(alice: TestClient, with_candles: Runtime):
    run = alice.post("/api/backtest/run", json=_seed_body(_v1_id(alice))).json()
    with with_candles.db.session() as db:
        stored = db.get(BacktestRun, run["id"])
        assert stored is not None
        stored.equity_curve, stored.trades = [], []  # as a queued or failed run holds them
        db.commit()
    columns = alice.get(f"/api/backtest/runs/{run['id']}", params={"columns": True}).json()
    assert columns["trade_columns"] == {key: [] for key in run["trades"][0]}
    assert columns["equity_columns"] == {key: [] for key in run["equity_curve"][0]}


def test_a_run_is_gzipped_only_for_a_client_that_accepts_it(alice: TestClient):
    body = _seed_body(_v1_id(alice))
    plain = alice.post("/api/backtest/run", json=body, headers={"Accept-Encoding": "identity"})
    packed = alice.post("/api/backtest/run", json=body, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert plain.headers["vary"] == packed.headers["vary"] == "Accept-Encoding"
    # the same answer either way (the client unpacks it), but for what is the run's own
    mine = {"id", "created_at", "duration_ms", "timings_ms"}
    answers = [{k: v for k, v in r.json().items() if k not in mine} for r in (plain, packed)]
    assert answers[0] == answers[1]
    run_id = packed.json()["id"]
    again = alice.get(f"/api/backtest/runs/{run_id}", headers={"Accept-Encoding": "gzip"})
    assert again.headers["content-encoding"] == "gzip"
    assert again.json() == packed.json()

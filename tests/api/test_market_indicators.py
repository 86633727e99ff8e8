"""``GET /api/market/indicators``: the DSL's indicators on daily candles, aligned with the
history of the same range and defined from its first day."""

from __future__ import annotations

from statistics import fmean

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime

RANGE = {"symbol": "NSE:INFY", "from": "2025-06-02", "to": "2025-07-31"}


@pytest.fixture
def trader(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "t@x.in")
    return client


def test_series_align_with_the_candles_and_equal_the_formulas(trader: TestClient):
    names = "sma20,rsi14,bb20_upper,bb20_middle,macd_12_26_9,macd_12_26_9_signal"
    response = trader.get("/api/market/indicators", params={**RANGE, "names": names})
    assert response.status_code == 200, response.text
    body = response.json()
    history = trader.get("/api/market/history", params=RANGE).json()
    assert body["symbol"] == "NSE:INFY"
    assert body["source"] == history["source"] == "synthetic"
    assert body["times"] == [c[0] for c in history["candles"]]
    assert body["times"][0] == "2025-06-02T00:00:00+05:30"
    assert set(body["series"]) == set(names.split(","))
    for values in body["series"].values():
        assert len(values) == len(body["times"])
        assert None not in values  # warmed up on the candles before the range

    # sma20 on the last day: the mean of the last 20 closes
    year = {**RANGE, "from": "2025-01-01"}
    closes = [c[4] for c in trader.get("/api/market/history", params=year).json()["candles"]]
    assert body["series"]["sma20"][-1] == pytest.approx(fmean(closes[-20:]), abs=1e-4)
    assert body["series"]["bb20_middle"] == body["series"]["sma20"]
    assert all(0 <= v <= 100 for v in body["series"]["rsi14"])
    assert all(
        u > m for u, m in zip(body["series"]["bb20_upper"], body["series"]["sma20"], strict=True)
    )


@pytest.mark.parametrize(
    ("names", "message"),
    [
        pytest.param("sma0", "sma0", id="bad-period"),
        pytest.param("golden_cross", "golden_cross", id="unknown"),
        pytest.param("trend_alignment", "a label, not a series", id="categorical"),
        pytest.param(",".join(f"sma{n}" for n in range(2, 13)), "at most 10", id="too-many"),
    ],
)
def test_bad_names_are_422_on_names(trader: TestClient, names: str, message: str):
    response = trader.get("/api/market/indicators", params={**RANGE, "names": names})
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["field"] == "names"
    assert message in problem["msg"]


def test_unknown_symbol_is_404(trader: TestClient):
    response = trader.get(
        "/api/market/indicators", params={**RANGE, "symbol": "NSE:NOSUCH", "names": "sma20"}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown instrument 'NSE:NOSUCH'"}


def test_signed_out_is_401(client: TestClient):
    response = client.get("/api/market/indicators", params={**RANGE, "names": "sma20"})
    assert response.status_code == 401


def test_every_dsl_form_is_offered_with_its_place_and_usual_parameters(trader: TestClient):
    from tradertape.indicators.names import FORMS_BY_KIND

    body = trader.get("/api/market/indicator-forms").json()
    forms = {f["kind"]: f for f in body["forms"]}
    raw_and_labels = {"open", "high", "low", "close", "volume", "vol_regime", "trend_alignment"}
    assert set(forms) == set(FORMS_BY_KIND) - raw_and_labels
    assert forms["sma"]["place"] == "price"
    assert forms["bb_upper"]["place"] == "price"
    assert forms["rsi"]["place"] == "pane"
    assert forms["macd_signal"]["template"] == "macd_{0}_{1}_{2}_signal"
    assert [p["default"] for p in forms["macd_signal"]["params"]] == [12, 26, 9]
    assert [p["default"] for p in forms["bb_upper"]["params"]] == [20, 2]
    # every form, spelled with its defaults, is a name the indicators route computes
    names = [f["template"].format(*(p["default"] for p in f["params"])) for f in forms.values()]
    for start in range(0, len(names), 10):
        chunk = ",".join(names[start : start + 10])
        response = trader.get("/api/market/indicators", params={**RANGE, "names": chunk})
        assert response.status_code == 200, (chunk, response.text)


def test_intraday_indicators_align_with_the_intraday_candles(client: TestClient, runtime: Runtime):
    from datetime import date

    from tradertape.candles.populate import synthesize
    from tradertape.candles.synthetic import SyntheticMarket
    from tradertape.candles.synthetic_minutes import synthesize_minutes

    sign_in(client, runtime, "m@x.in")
    store = runtime.candles
    synthesize(
        store,
        SyntheticMarket(store.catalog, store.calendar, seed=7),
        ["NSE:INFY"],
        date(2026, 1, 1),
        date(2026, 11, 19),
    )
    sessions = store.calendar.trading_days(date(2026, 11, 1), date(2026, 11, 19))
    synthesize_minutes(store, ["NSE:INFY"], sessions, seed=7)
    query = {"symbol": "NSE:INFY", "interval": "5minute", "from": "2026-11-17", "to": "2026-11-19"}
    history = client.get("/api/market/history", params=query).json()
    body = client.get("/api/market/indicators", params={**query, "names": "sma20,rsi14"}).json()
    assert body["interval"] == "5minute"
    assert body["times"] == [c[0] for c in history["candles"]]
    assert len(body["times"]) == 3 * 75
    # warmed up on the sessions before the range: defined from the first candle
    assert None not in body["series"]["sma20"]
    closes = [c[4] for c in history["candles"]]
    assert body["series"]["sma20"][-1] == pytest.approx(fmean(closes[-20:]), abs=1e-4)
    assert all(0 <= v <= 100 for v in body["series"]["rsi14"])

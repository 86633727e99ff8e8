"""GET /api/market/indicators: the DSL's indicators over daily candles, for the chart."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.candles import Bars, CandleSource
from tradertape.domain.market import Interval
from tradertape.runtime import Runtime

CLOSES = [10.0, 11.0, 12.0, 13.0, 14.0]


def _store(runtime: Runtime) -> None:
    days = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    bars = Bars.from_arrays(
        Interval.DAY,
        time=days,
        open=CLOSES,
        high=[c + 1 for c in CLOSES],
        low=[c - 1 for c in CLOSES],
        close=CLOSES,
        volume=[100] * 5,
    )
    runtime.candles.write_daily("NSE:INFY", bars, source=CandleSource.SYNTHETIC)


def test_indicator_series_aligned_with_candles(client: TestClient, runtime: Runtime):
    assert client.get("/api/market/indicators?symbol=NSE:INFY&names=sma3").status_code == 401
    sign_in(client, runtime, "a@x.in")
    _store(runtime)
    query = "symbol=infy&names=SMA3,ema3,bb3_upper&from=2024-01-01&to=2024-01-05"
    response = client.get(f"/api/market/indicators?{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["symbol"], body["source"]) == ("NSE:INFY", "synthetic")
    assert body["times"] == [f"2024-01-0{d}T00:00:00+05:30" for d in range(1, 6)]
    assert body["series"]["sma3"] == [None, None, 11.0, 12.0, 13.0]
    # TA-Lib's EMA seeds with the SMA of the first N closes, then steps by 2/(N+1).
    assert body["series"]["ema3"] == [None, None, 11.0, 12.0, 13.0]
    upper = body["series"]["bb3_upper"]
    assert upper[:2] == [None, None]
    assert abs(upper[2] - (11.0 + 2 * (2 / 3) ** 0.5)) < 1e-9

    empty = client.get("/api/market/indicators?symbol=NSE:TCS&names=sma3,rsi14").json()
    assert (empty["source"], empty["times"], empty["series"]) == (
        "none",
        [],
        {"sma3": [], "rsi14": []},
    )
    bad = client.get("/api/market/indicators?symbol=NSE:INFY&names=sma3,zzz9")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "names"
    many = ",".join(f"sma{n}" for n in range(2, 16))
    too_many = client.get(f"/api/market/indicators?symbol=NSE:INFY&names={many}")
    assert too_many.status_code == 422
    assert client.get("/api/market/indicators?symbol=NSE:NOSUCH&names=sma3").status_code == 404

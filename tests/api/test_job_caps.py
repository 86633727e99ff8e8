"""Heavy jobs past a user's cap (docs/limits.md, "Heavy jobs"): a 429 with Retry-After
before anything is read or stored, on each kind's routes; other users are not held back."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime
from tradertape.services.job_caps import BACKTEST, EXPORT, UPLOAD

CSV = ("trades.csv", b"symbol,trade_date\n", "text/csv")


def test_uploads_exports_and_backtests_at_the_cap_are_429(client: TestClient, runtime: Runtime):
    user = sign_in(client, runtime, "alice@x.in")
    caps = runtime.settings
    held = [runtime.job_caps.take(user, UPLOAD) for _ in range(caps.max_uploads_per_user)]
    held += [runtime.job_caps.take(user, EXPORT) for _ in range(caps.max_exports_per_user)]
    held += [runtime.job_caps.take(user, BACKTEST) for _ in range(caps.max_backtests_per_user)]
    backtest = {"strategy_id": 1, "universe": ["INFY"]}
    backtest |= {"start_date": "2024-01-01", "end_date": "2024-06-30"}
    answers = [
        ("uploads", client.post("/api/uploads/tradebook", files=[("files[]", CSV)])),
        ("exports", client.get("/api/journal/tax/export", params={"fy": "2024-25"})),
        ("backtests", client.post("/api/backtest/run", json=backtest)),
        ("backtests", client.post("/api/backtest/runs", json=backtest)),
    ]
    for plural, answer in answers:
        assert answer.status_code == 429, (plural, answer.text)
        assert int(answer.headers["Retry-After"]) > 0
        assert f"of your {plural} already under way" in answer.json()["detail"]
    assert client.get("/api/uploads").json() == []
    assert client.get("/api/backtest/runs").json() == []

    bob = TestClient(client.app)
    sign_in(bob, runtime, "bob@x.in")
    assert bob.get("/api/journal/tax/export", params={"fy": "2024-25"}).status_code == 200
    for release in held:
        release()
    assert client.get("/api/journal/tax/export", params={"fy": "2024-25"}).status_code == 200

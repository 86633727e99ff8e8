"""Someone else's row answers exactly as a missing one does, so ids cannot be probed.

docs/api-conventions.md, "Ownership": a 403 for another user's id and a 404 for an unknown
one would tell an attacker which ids exist.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.test_backtest_api import _seed_body, _v1_id
from tests.api.test_model_api import _deploy, _scan
from tests.api.test_risk_api import ORDER_CAP
from tests.api.test_strategies_api import SMA_CROSS
from tests.fuzz_seeds import TRADEBOOK_CSV
from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.runtime import Runtime

MISSING = 999_999


def _created(client: TestClient, path: str, body: object) -> int:
    response = client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    return int(response.json()["id"])


def test_another_users_ids_answer_as_missing_ones(client: TestClient, with_candles: Runtime):
    sign_in(client, with_candles, "alice@x.in")
    strategy = _created(client, "/api/strategies", SMA_CROSS)
    backtest = _created(client, "/api/backtest/run", _seed_body(_v1_id(client)))
    key = _created(client, "/api/agent/keys", {"name": "laptop"})
    portfolio = _deploy(client)["id"]
    held, carted = _scan(client, portfolio)["entries"][:2]
    client.post(f"/api/model/signals/{held}/approve")
    assert client.post("/api/model/cart/place").json()["placed"] == [held]
    (position,) = [p["id"] for p in client.get("/api/model/positions").json()]
    rule = _created(client, "/api/risk/rules", ORDER_CAP)  # after the entry it would refuse
    watchlist = _created(client, "/api/watchlists", {"name": "mine", "items": ["NSE:INFY"]})
    sent = client.post("/api/uploads/tradebook", files=[("files[]", ("t.csv", TRADEBOOK_CSV))])
    upload = sent.json()["files"][0]["upload"]["id"]
    group = _created(client, "/api/family/groups", {"name": "Alice's family"})

    make_user(with_candles, "bob@x.in")
    bob = TestClient(client.app)
    bob.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    probes = [
        ("GET", "/api/strategies/{}", strategy),
        ("POST", "/api/strategies/{}/fork", strategy),
        ("GET", "/api/backtest/runs/{}", backtest),
        ("DELETE", "/api/backtest/runs/{}", backtest),
        ("GET", "/api/risk/rules/{}", rule),
        ("DELETE", "/api/risk/rules/{}", rule),
        ("POST", "/api/agent/keys/{}/revoke", key),
        ("POST", "/api/model/portfolios/{}/pause", portfolio),
        ("GET", "/api/model/dashboard?portfolio_id={}", portfolio),
        ("POST", "/api/model/signals/{}/approve", carted),
        ("POST", "/api/model/positions/{}/close", position),
        ("GET", "/api/watchlists/{}", watchlist),
        ("DELETE", "/api/watchlists/{}", watchlist),
        ("GET", "/api/uploads/{}", upload),
        ("DELETE", "/api/uploads/{}", upload),
        ("GET", "/api/journal/pnl?group_id={}", group),
        ("GET", "/api/journal/edge?group_id={}", group),
        ("GET", "/api/journal/patterns?group_id={}", group),
    ]
    for method, path, row_id in probes:
        theirs = bob.request(method, path.format(row_id))
        missing = bob.request(method, path.format(MISSING))
        assert (theirs.status_code, missing.status_code) == (404, 404), (path, theirs.text)
        # the same sentence with the id swapped: nothing says the row exists
        assert re.sub(r"\d+", "N", theirs.json()["detail"]) == re.sub(
            r"\d+", "N", missing.json()["detail"]
        ), path
    # and nothing changed for Alice
    assert client.get(f"/api/risk/rules/{rule}").status_code == 200
    assert client.get(f"/api/watchlists/{watchlist}").json()["items"] == ["NSE:INFY"]
    assert client.get(f"/api/uploads/{upload}").json()["rows_added"] == 2
    assert client.get(f"/api/backtest/runs/{backtest}").status_code == 200
    assert client.get("/api/model/portfolios").json()[0]["status"] == "active"


def test_another_familys_ids_answer_as_missing_ones(client: TestClient, runtime: Runtime):
    """Every family route, probed by someone outside the group, answers as for a group
    that does not exist (and changes nothing)."""
    sign_in(client, runtime, "alice@x.in")
    alice = client.get("/api/auth/me").json()["id"]
    group = _created(client, "/api/family/groups", {"name": "Ours"})
    invite = _created(client, f"/api/family/groups/{group}/invite", {"email": "carol@x.in"})

    make_user(runtime, "bob@x.in")
    bob = TestClient(client.app)
    bob.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    probes: list[tuple[str, str, dict[str, object] | None]] = [
        ("GET", "/api/family/groups/{}", None),
        ("PUT", "/api/family/groups/{}", {"name": "Mine now"}),
        ("DELETE", "/api/family/groups/{}", None),
        ("POST", "/api/family/groups/{}/invite", {"email": "eve@x.in"}),
        ("POST", "/api/family/groups/{}/accept", {}),
        ("POST", "/api/family/groups/{}/decline", {}),
        ("POST", "/api/family/groups/{}/leave", None),
        ("DELETE", f"/api/family/groups/{{}}/members/{alice}", None),
        ("PUT", f"/api/family/groups/{{}}/members/{alice}", {"role": "admin"}),
        ("DELETE", f"/api/family/groups/{{}}/invites/{invite}", None),
        ("GET", "/api/family/consolidated?group_id={}", None),
    ]
    for method, path, body in probes:
        theirs = bob.request(method, path.format(group), json=body)
        missing = bob.request(method, path.format(MISSING), json=body)
        assert (theirs.status_code, missing.status_code) == (404, 404), (path, theirs.text)
        assert re.sub(r"\d+", "N", theirs.json()["detail"]) == re.sub(
            r"\d+", "N", missing.json()["detail"]
        ), path
    assert bob.get("/api/family/groups").json() == []
    kept = client.get(f"/api/family/groups/{group}").json()
    assert (kept["name"], [m["user_id"] for m in kept["members"]]) == ("Ours", [alice])
    assert [i["id"] for i in kept["invites"]] == [invite]

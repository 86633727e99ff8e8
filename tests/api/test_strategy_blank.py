"""A blank new strategy: the library's first draft, saved once it has a name and a condition."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime


def test_a_blank_draft_becomes_a_strategy_once_named_with_a_condition(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "a@x.in")
    answer = client.get("/api/strategies/blank")
    assert answer.status_code == 200
    draft = answer.json()["document"]
    assert (draft["name"], draft["entry_rules"]) == ("", {"type": "and", "conditions": []})
    assert (draft["exit_rules"], draft["conviction_scoring"]) == ([], [])
    assert draft["config"]["min_hold"] == 0  # every part at the DSL's default
    assert draft["addon_rules"]["enabled"] is False

    as_is = client.post("/api/strategies", json=draft)
    assert as_is.status_code == 422
    assert {e["field"] for e in as_is.json()["detail"]} >= {"name"}
    assert client.get("/api/strategies", params={"is_template": False}).json() == []

    draft["name"] = "My first"
    draft["entry_rules"]["conditions"].append(
        {
            "type": "compare",
            "left": {"type": "indicator", "name": "rsi14"},
            "op": "<",
            "right": {"type": "literal", "value": 30},
        }
    )
    made = client.post("/api/strategies", json=draft)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["name"], body["version"], body["is_owner"]) == ("My first", 1, True)
    assert body["document"]["entry_rules"]["conditions"][0]["right"]["value"] == 30

"""The strategy library over HTTP: templates, CRUD with versions, fork, share, visibility."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.runtime import Runtime

SMA_CROSS: dict[str, Any] = {
    "name": "SMA cross",
    "base_model": "v1_momentum",
    "entry_rules": {
        "type": "crosses_above",
        "left": {"type": "indicator", "name": "sma20"},
        "right": {"type": "indicator", "name": "sma50"},
    },
    "exit_rules": [
        {
            "name": "cross_down",
            "priority": 0,
            "condition": {
                "type": "crosses_below",
                "left": {"type": "indicator", "name": "sma20"},
                "right": {"type": "indicator", "name": "sma50"},
            },
        }
    ],
    "addon_rules": {"enabled": False},
    "conviction_scoring": ["trend_alignment"],
    "config": {"min_hold": 0, "max_hold": None, "atr_stop_mult": 0, "exit_buffer_pct": 0},
}


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _create(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/api/strategies", json=body or SMA_CROSS)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_builtins_are_read_only_templates(alice: TestClient):
    listed = alice.get("/api/strategies", params={"is_template": True}).json()
    assert [s["base_model"] for s in listed] == [
        "v0_dart_monkey",
        "v1_momentum",
        "v2_breakout",
        "v3_dip_buyer",
        "v4_trend_rider",
    ]
    v1 = next(s for s in listed if s["base_model"] == "v1_momentum")
    assert (v1["is_builtin"], v1["is_owner"], v1["version"]) == (True, False, 1)
    assert v1["document"]["config"]["min_hold"] == 10
    assert [r["name"] for r in v1["document"]["exit_rules"]] == ["rsi_overbought", "sma20_cross"]
    put = alice.put(f"/api/strategies/{v1['id']}", json=SMA_CROSS)
    assert put.status_code == 403
    assert "read-only" in put.json()["detail"]
    assert alice.delete(f"/api/strategies/{v1['id']}").status_code == 403


def test_create_read_and_version_on_every_save(alice: TestClient):
    created = _create(alice)
    assert (created["version"], created["is_owner"], created["exit_rule_count"]) == (1, True, 1)
    changed = copy.deepcopy(SMA_CROSS) | {"name": "SMA cross v2"}
    changed["config"]["min_hold"] = 3
    put = alice.put(f"/api/strategies/{created['id']}", json=changed)
    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.json()["name"]) == (2, "SMA cross v2")
    versions = alice.get(f"/api/strategies/{created['id']}/versions").json()
    assert [(v["version"], v["document"]["config"]["min_hold"]) for v in versions] == [
        (1, 0),
        (2, 3),
    ]
    first = alice.get(f"/api/strategies/{created['id']}/versions/1").json()
    assert first["document"]["name"] == "SMA cross"
    assert alice.get(f"/api/strategies/{created['id']}/versions/9").status_code == 404


def test_put_requires_the_full_body(alice: TestClient):
    created = _create(alice)
    partial = {k: v for k, v in SMA_CROSS.items() if k != "exit_rules"}
    response = alice.put(f"/api/strategies/{created['id']}", json=partial)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["exit_rules"]
    assert alice.get(f"/api/strategies/{created['id']}").json()["version"] == 1


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        pytest.param(
            lambda d: d.update(
                entry_rules={
                    "type": "and",
                    "conditions": [
                        {
                            "type": "compare",
                            "left": {"type": "indicator", "name": "close"},
                            "op": ">",
                            "right": {"type": "literal", "value": 1},
                        },
                        {
                            "type": "compare",
                            "left": {"type": "indicator", "name": "close"},
                            "op": "=>",
                            "right": {"type": "literal", "value": 1},
                        },
                    ],
                }
            ),
            "entry_rules.conditions[1].op",
            "'>', '>='",
            id="bad-operator",
        ),
        pytest.param(
            lambda d: d.update(
                entry_rules={
                    "type": "and",
                    "conditions": [
                        {
                            "type": "compare",
                            "left": {"type": "indicator", "name": "rsi14"},
                            "op": op,
                            "right": {"type": "literal", "value": value},
                        }
                        for op, value in (("<", 45), (">", 50))
                    ],
                }
            ),
            "entry_rules",
            "RSI 14 < 45 and RSI 14 > 50 can never both be true",
            id="contradictory-ranges",
        ),
        pytest.param(
            lambda d: d["exit_rules"][0]["condition"]["left"].update(name="smaa20"),
            "exit_rules[0].condition.left.name",
            "unknown indicator",
            id="unknown-indicator",
        ),
        pytest.param(
            lambda d: d["entry_rules"].update(type="nand"),
            "entry_rules",
            "nand",
            id="unknown-node",
        ),
        pytest.param(
            lambda d: d["conviction_scoring"].append("best_guess"),
            "conviction_scoring[1]",
            "rsi_band",
            id="unknown-scorer",
        ),
        pytest.param(
            lambda d: d["config"].update(min_hold=-1),
            "config.min_hold",
            "greater than or equal",
            id="negative-hold",
        ),
    ],
)
def test_invalid_documents_name_the_json_path(alice: TestClient, mutate, field, words):
    body = copy.deepcopy(SMA_CROSS)
    mutate(body)
    response = alice.post("/api/strategies", json=body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [e["field"] for e in errors] == [field]
    assert words in errors[0]["msg"]
    assert alice.get("/api/strategies", params={"mine": True}).json() == []


def test_a_refusal_says_the_field_in_words_for_people(alice: TestClient):
    body = copy.deepcopy(SMA_CROSS)
    body["entry_rules"] = {"type": "and", "conditions": []}
    response = alice.post("/api/strategies", json=body)
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    # clients still find the input by `loc` and `field`; people read `message`
    assert problem["loc"] == ["body", "entry_rules", "and", "conditions"]
    assert problem["field"] == "entry_rules.conditions"
    assert problem["message"] == "Entry rules: add at least one condition"


def _switch(client: TestClient, email: str) -> None:
    response = client.post("/api/auth/password-login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_fork_share_and_visibility(client: TestClient, runtime: Runtime):
    make_user(runtime, "bob@x.in")
    sign_in(client, runtime, "alice@x.in")
    mine = _create(client)
    _switch(client, "bob@x.in")
    assert client.get(f"/api/strategies/{mine['id']}").status_code == 404
    assert client.post(f"/api/strategies/{mine['id']}/fork").status_code == 404

    _switch(client, "alice@x.in")
    shared = client.post(f"/api/strategies/{mine['id']}/share", json={"is_public": True})
    assert shared.json()["is_public"] is True

    _switch(client, "bob@x.in")
    public = client.get("/api/strategies", params={"is_public": True}).json()
    assert [(s["id"], s["is_owner"]) for s in public] == [(mine["id"], False)]
    assert client.put(f"/api/strategies/{mine['id']}", json=SMA_CROSS).status_code == 403
    fork = client.post(f"/api/strategies/{mine['id']}/fork", json={"name": "Bob's cross"})
    assert fork.status_code == 201
    body = fork.json()
    assert (body["forked_from"], body["version"], body["is_owner"], body["is_public"]) == (
        mine["id"],
        1,
        True,
        False,
    )
    assert body["document"]["entry_rules"] == mine["document"]["entry_rules"]
    mine_only = client.get("/api/strategies", params={"mine": True}).json()
    assert [s["name"] for s in mine_only] == ["Bob's cross"]


def test_delete(alice: TestClient):
    created = _create(alice)
    assert alice.delete(f"/api/strategies/{created['id']}").status_code == 204
    assert alice.get(f"/api/strategies/{created['id']}").status_code == 404


def test_list_filters_and_pages(alice: TestClient):
    _create(alice, SMA_CROSS | {"name": "active"})
    _create(alice, SMA_CROSS | {"name": "archived", "is_active": False})
    names = [s["name"] for s in alice.get("/api/strategies", params={"is_active": False}).json()]
    assert names == ["archived"]
    page = alice.get("/api/strategies", params={"limit": 2, "offset": 1}).json()
    assert [s["name"] for s in page] == ["archived", "V0 Dart Monkey"]


def test_schema_is_published(alice: TestClient):
    schema = alice.get("/api/strategies/schema").json()
    assert {"entry_rules", "exit_rules", "config"} <= set(schema["properties"])
    assert schema["x-category-labels"]["trend_alignment"] == [
        "fully_against",
        "against",
        "aligned",
        "fully_aligned",
    ]
    assert any(form["form"].startswith("sma") for form in schema["x-indicators"])

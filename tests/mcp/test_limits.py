"""Limits an assistant cannot lift: each test tries to get past one.

The scope is the key's, fixed by the user; a read key changes nothing, a paper key places no
live order, a live order only waits for the user's click; no tool touches scopes, risk
rules, the kill switch or paper/live, and the risk gate holds for the assistant's orders as
for the user's own; every call, refused ones too, is in the audit trail naming the key.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api.test_gtt_books import GTT
from tests.helpers import PASSWORD
from tests.mcp.conftest import connected, fund, issue_key, structured, text_of, user_with_key
from tests.workers_kit import set_price
from tradertape.db.models import Alert, AssistantConfirmation, Gtt, Order
from tradertape.runtime import Runtime
from tradertape.services.accounts import assistant_keys
from tradertape.services.assistant.calls import CALL_KIND
from tradertape.services.audit import trail
from tradertape.services.risk import rules

pytestmark = pytest.mark.anyio

BUY: dict[str, Any] = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 1,
    "product": "CNC",
    "order_type": "MARKET",
}
NOTICE = {
    "name": "INFY above 1600",
    "symbol": "NSE:INFY",
    "condition": {
        "type": "crosses_above",
        "left": {"type": "indicator", "name": "close"},
        "right": {"type": "literal", "value": 1600},
    },
}
WRITES = [
    ("place_order", {"order": BUY}),
    ("place_order", {"order": BUY | {"mode": "live"}}),
    ("create_alert", {"alert": NOTICE}),
    ("place_gtt", {"gtt": GTT}),
]


def _count(runtime: Runtime, model: Any) -> int:
    with runtime.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(("tool", "arguments"), WRITES)
async def test_a_read_key_is_refused_every_write(runtime: Runtime, tool: str, arguments: Any):
    user_id, secret = user_with_key(runtime, "read")
    fund(runtime, user_id, "100000")
    set_price(runtime, "NSE:INFY", "1500")
    async with connected(runtime, secret) as client:
        answer = await client.call_tool(tool, arguments)

    assert answer.is_error
    assert "'read' scope" in text_of(answer)
    assert [_count(runtime, m) for m in (Order, Alert, AssistantConfirmation, Gtt)] == [0] * 4


#: research: a read key runs it (a backtest, an options backtest, a sweep, a walk-forward joins
#: the user's history; none places an order)
RESEARCH = {"run_backtest", "run_options_backtest", "start_sweep", "start_walk_forward"}


async def test_every_change_but_research_is_one_a_read_key_is_refused(runtime: Runtime):
    _, secret = user_with_key(runtime, "read")
    async with connected(runtime, secret) as client:
        tools = (await client.list_tools()).tools

    changes = {t.name for t in tools if t.annotations and not t.annotations.read_only_hint}
    # each write is tried above, and the basket in its own test below
    assert changes - RESEARCH == {tool for tool, _ in WRITES} | {"place_basket"}


async def test_a_paper_key_places_no_live_order_and_does_not_even_ask(runtime: Runtime):
    _, secret = user_with_key(runtime, "paper")
    async with connected(runtime, secret) as client:
        answer = await client.call_tool("place_order", {"order": BUY | {"mode": "live"}})

    assert answer.is_error
    assert "needs 'live'" in text_of(answer)
    assert _count(runtime, AssistantConfirmation) == 0
    assert _count(runtime, Order) == 0


async def test_no_tool_touches_scopes_risk_rules_the_kill_switch_or_paper_live(runtime: Runtime):
    _, secret = user_with_key(runtime, "live")
    async with connected(runtime, secret) as client:
        tools = (await client.list_tools()).tools

    words = ("scope", "key", "risk", "rule", "kill", "switch", "live", "setting", "trading_mode")
    verbs = ("set_", "change_", "update_", "delete_", "enable_", "disable_", "toggle_")
    assert [t.name for t in tools if any(w in t.name for w in words)] == []
    assert [t.name for t in tools if t.name.startswith(verbs)] == []
    for tool in tools:  # nor does any take such an argument
        fields = set(tool.input_schema.get("properties", {}))
        assert not fields & {"scope", "scopes", "kill_switch", "risk_rules", "live_trading"}


async def test_the_kill_switch_holds_for_an_assistants_paper_order(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "paper")
    fund(runtime, user_id, "100000")
    set_price(runtime, "NSE:INFY", "1500")
    with runtime.db.session() as db:
        rules.set_kill_switch(db, clock=runtime.clock, user_id=user_id, on=True)
    async with connected(runtime, secret) as client:
        answer = structured(await client.call_tool("place_order", {"order": BUY}))

    assert answer["status"] == "rejected"
    assert "risk rule" in answer["message"].lower()


async def test_a_live_order_waits_for_the_users_click_and_is_declined_there(
    runtime: Runtime, client: TestClient
):
    user_id, secret = user_with_key(runtime, "live")
    signed_in = client.post(
        "/api/auth/password-login", json={"email": "a@x.in", "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    async with connected(runtime, secret) as mcp:
        asked = structured(await mcp.call_tool("place_order", {"order": BUY | {"mode": "live"}}))
        waiting = client.get("/api/assistant/confirmations").json()
        by_key = TestClient(client.app).post(
            f"/api/assistant/confirmations/{asked['confirmation_id']}/confirm",
            headers={"Authorization": f"Bearer {secret}"},
        )
        declined = client.post(f"/api/assistant/confirmations/{asked['confirmation_id']}/decline")
        told = structured(
            await mcp.call_tool("order_confirmation", {"confirmation_id": asked["confirmation_id"]})
        )

    assert asked["status"] == "waiting for your confirmation"
    assert _count(runtime, Order) == 0
    assert [(w["id"], w["key_name"], w["order"]["mode"]) for w in waiting] == [
        (asked["confirmation_id"], "Claude", "live")
    ]
    assert by_key.status_code == 401  # the assistant cannot click for the user
    assert declined.json()["status"] == "declined"
    assert told["status"] == "declined"
    assert _count(runtime, Order) == 0


async def test_another_users_confirmation_is_not_found(runtime: Runtime):
    _, mine = user_with_key(runtime, "live")
    _, theirs = user_with_key(runtime, "live", email="b@x.in")
    async with connected(runtime, theirs) as client:
        asked = structured(await client.call_tool("place_order", {"order": BUY | {"mode": "live"}}))
    async with connected(runtime, mine) as client:
        answer = await client.call_tool(
            "order_confirmation", {"confirmation_id": asked["confirmation_id"]}
        )

    assert answer.is_error
    assert "not found" in text_of(answer)


async def test_a_revoked_key_stops_at_its_next_call(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "read")
    other = issue_key(runtime, user_id, "read", name="other")
    async with connected(runtime, secret) as client:
        first = await client.call_tool("account", {})
        with runtime.db.session() as db:
            row = assistant_keys.keys.list_for(db, user_id=user_id, limit=5, offset=0)[-1]
            assistant_keys.keys.revoke(db, clock=runtime.clock, user_id=user_id, row_id=row.id)
        second = await client.call_tool("account", {})

    assert not first.is_error
    assert second.is_error
    assert "revoked" in text_of(second)
    assert other != secret


async def test_every_call_is_in_the_audit_trail_naming_the_key(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "paper")
    fund(runtime, user_id, "100000")
    set_price(runtime, "NSE:INFY", "1500")
    async with connected(runtime, secret) as client:
        await client.call_tool("positions", {})
        await client.call_tool("place_order", {"order": BUY})
        await client.call_tool("place_order", {"order": BUY | {"mode": "live"}})

    with runtime.db.session() as db:
        entries = trail.entries(db, user_id=user_id)
        verdict = trail.verify(db, user_id=user_id, keys=runtime.audit_keys)
    calls = [e for e in entries if e.kind == CALL_KIND]
    assert [(c.payload["tool"], c.payload["outcome"][:7]) for c in calls] == [
        ("positions", "ok"),
        ("place_order", "ok"),
        ("place_order", "refused"),
    ]
    assert {c.source for c in calls} == {f"assistant:{calls[0].payload['key_id']}"}
    assert {c.payload["key_name"] for c in calls} == {"Claude"}
    order_events = [e for e in entries if e.kind.startswith("order.")]
    assert order_events
    assert {e.source for e in order_events} == {f"assistant:{calls[0].payload['key_id']}"}
    assert verdict.broken is None


async def test_a_paper_gtt_is_placed_and_a_live_one_is_the_users(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "live")
    fund(runtime, user_id, "100000")
    set_price(runtime, "NSE:INFY", "1400")
    async with connected(runtime, secret) as client:
        paper = structured(await client.call_tool("place_gtt", {"gtt": GTT}))
        live = await client.call_tool("place_gtt", {"gtt": GTT | {"mode": "live"}})

    assert paper["trigger_id"] >= 1
    assert live.is_error
    assert "paper GTTs only" in text_of(live)
    with runtime.db.session() as db:
        assert [g.broker for g in db.scalars(select(Gtt))] == ["paper"]


SPREAD = {
    "legs": [
        {"tradingsymbol": "NIFTY26DEC25000CE", "transaction_type": "BUY", "lots": 1},
        {"tradingsymbol": "NIFTY26DEC25500CE", "transaction_type": "SELL", "lots": 1},
    ],
    "idempotency_key": "assistant-spread",
}


def _chain(runtime: Runtime) -> None:
    set_price(runtime, "NSE:NIFTY 50", "25000")
    set_price(runtime, "NFO:NIFTY26DEC25000CE", "300.00")
    set_price(runtime, "NFO:NIFTY26DEC25500CE", "100.00")


async def test_a_paper_basket_goes_through_the_gate_as_the_assistants(runtime: Runtime):
    user_id, secret = user_with_key(runtime, "paper")
    fund(runtime, user_id, "2000000")
    _chain(runtime)
    async with connected(runtime, secret) as client:
        answer = structured(await client.call_tool("place_basket", {"basket": SPREAD}))
        again = structured(await client.call_tool("place_basket", {"basket": SPREAD}))

    assert answer["status"] == "success", answer
    assert [(leg["tradingsymbol"], leg["state"]) for leg in answer["legs"]] == [
        ("NIFTY26DEC25000CE", "filled"),  # the hedge first
        ("NIFTY26DEC25500CE", "filled"),
    ]
    assert [leg["order_id"] for leg in again["legs"]] == [leg["order_id"] for leg in answer["legs"]]
    with runtime.db.session() as db:
        sources = set(db.scalars(select(Order.source).where(Order.user_id == user_id)))
    assert len(sources) == 1
    assert sources.pop().startswith("assistant:")


async def test_a_basket_takes_the_paper_scope_and_is_never_live(runtime: Runtime):
    _chain(runtime)
    _, read_secret = user_with_key(runtime, "read")
    async with connected(runtime, read_secret) as client:
        refused = await client.call_tool("place_basket", {"basket": SPREAD})
    assert refused.is_error
    assert "scope" in text_of(refused).lower()

    user_id, live_secret = user_with_key(runtime, "live", "b@x.in")
    fund(runtime, user_id, "2000000")
    async with connected(runtime, live_secret) as client:
        live = await client.call_tool("place_basket", {"basket": SPREAD | {"mode": "live"}})
    assert live.is_error
    assert "paper baskets only" in text_of(live)
    assert _count(runtime, Order) == 0

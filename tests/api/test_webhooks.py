"""Inbound webhooks over HTTP: the secret shown once and kept encrypted; a signed request
places its orders through the pipeline; a wrong or stale one is refused and places nothing;
a retried delivery of either kind (signed, or token) places nothing and answers the first;
token hooks need their token and an allowed address; TradingView's and Chartink's bodies
mapped by the template; the rate per hook; owners only; every request logged."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from tests.helpers import sign_in
from tradertape.db.models import Webhook
from tradertape.db.models.trading import Order
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.webhooks.receive import REPEAT_WINDOW, WRONG_PROOFS_PER_MINUTE
from tradertape.services.webhooks.signing import signature
from tradertape.testkit import make_tick

TV_BODY = {"ticker": "NSE:INFY", "action": "buy", "contracts": "3"}


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    for key, price in (("NSE:INFY", "1500"), ("NSE:SBIN", "800"), ("NSE:TCS", "3200")):
        runtime.quotes.update(make_tick(key, price, ts=runtime.clock.now()))
    return client


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "TradingView", "preset": "tradingview", **fields}
    response = client.post("/api/webhooks", json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def now_s(runtime: Runtime) -> str:
    return str(int(runtime.clock.now().timestamp()))


def send(
    client: TestClient,
    hook: dict[str, Any],
    body: dict[str, Any] | bytes,
    *,
    runtime: Runtime,
    secret: str | None = None,
    timestamp: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = dict(headers or {})
    if secret is not None:
        stamp = timestamp or now_s(runtime)
        sent["X-TraderTape-Timestamp"] = stamp
        sent["X-TraderTape-Signature"] = signature(secret, stamp, raw)
    return client.post(hook["url_path"], content=raw, headers=sent)


def orders(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/portfolio/orders").json()
    return found


def log(client: TestClient, hook: dict[str, Any]) -> list[tuple[str, int]]:
    rows = client.get(f"/api/webhooks/{hook['id']}/deliveries").json()
    return [(r["outcome"], r["status_code"]) for r in rows]


def test_the_secret_is_shown_once_and_kept_encrypted(alice: TestClient, runtime: Runtime):
    hook = create(alice)
    assert hook["secret"].startswith("whsec_")
    assert hook["url_path"] == f"/api/hooks/{hook['hook_id']}"
    assert "secret" not in alice.get(f"/api/webhooks/{hook['id']}").json()
    assert all("secret" not in h for h in alice.get("/api/webhooks").json())
    with runtime.db.session() as db:
        row = db.scalars(select(Webhook)).one()
        assert row.secret is not None
        assert hook["secret"] not in row.secret
        assert runtime.vault.decrypt(row.secret) == hook["secret"]


def test_a_signed_request_places_through_the_pipeline(alice: TestClient, runtime: Runtime):
    hook = create(alice)
    response = send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"])
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["outcome"] == "placed"
    (placed,) = answer["orders"]
    assert placed["symbol"] == "NSE:INFY"
    (order,) = orders(alice)
    assert (order["order_id"], order["tradingsymbol"], order["quantity"]) == (
        placed["order_id"],
        "INFY",
        3,
    )
    assert (order["transaction_type"], order["product"], order["status"]) == (
        "BUY",
        "MIS",
        "COMPLETE",
    )
    assert log(alice, hook) == [("placed", 200)]


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        pytest.param("signature", 401, id="wrong-signature"),
        pytest.param("stale", 401, id="older-than-5-minutes"),
        pytest.param("future", 401, id="more-than-5-minutes-ahead"),
        pytest.param("unsigned", 401, id="no-signature"),
        pytest.param("other-secret", 401, id="another-hooks-secret"),
    ],
)
def test_a_bad_signature_is_refused_and_places_nothing(
    alice: TestClient, runtime: Runtime, tamper: str, status: int
):
    hook = create(alice)
    secret: str | None = hook["secret"]
    stamp = None
    if tamper == "signature":
        secret = hook["secret"] + "x"
    elif tamper == "stale":
        stamp = str(int(runtime.clock.now().timestamp()) - 301)
    elif tamper == "future":
        stamp = str(int(runtime.clock.now().timestamp()) + 301)
    elif tamper == "unsigned":
        secret = None
    else:
        secret = create(alice, name="other")["secret"]
    response = send(alice, hook, TV_BODY, runtime=runtime, secret=secret, timestamp=stamp)
    assert response.status_code == status, response.text
    assert "X-TraderTape" in response.json()["detail"]
    assert orders(alice) == []
    assert log(alice, hook) == [("refused", status)]


def test_a_signed_paper_order_commits_once_its_log_and_notice_with_the_order(
    alice: TestClient, runtime: Runtime
):
    """The claim of the delivery id, the order, the delivery's outcome and the owner's
    notice in one transaction (issue 69: five commits before, the rate counted through the
    database; then two, the claim apart)."""
    hook = create(alice)
    commits = []
    listener = lambda _connection: commits.append(1)  # noqa: E731
    event.listen(runtime.db.engine, "commit", listener)
    try:
        response = send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"])
    finally:
        event.remove(runtime.db.engine, "commit", listener)
    assert response.json()["outcome"] == "placed"
    assert len(commits) == 1
    assert log(alice, hook) == [("placed", 200)]
    notices = alice.get("/api/notifications").json()
    assert any("TradingView: NSE:INFY placed" in str(n) for n in notices)


def test_a_signed_request_claims_its_delivery_without_reading_the_log_first(
    alice: TestClient, runtime: Runtime
):
    """Its id is its signature, held for ever: the claim's unique key finds a retry, so the
    delivery log is written (the claim, then the outcome) and never read (issue 69)."""
    hook = create(alice)
    sent: list[str] = []

    def listener(*args: Any) -> None:
        statement = args[2]
        if "webhook_deliveries" in statement:
            sent.append(statement.split(None, 1)[0].upper())

    event.listen(runtime.db.engine, "before_cursor_execute", listener)
    try:
        response = send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"])
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", listener)
    assert response.json()["outcome"] == "placed"
    assert sent == ["INSERT", "UPDATE"]


def test_a_signed_retry_answers_the_first_delivery_and_places_nothing(
    alice: TestClient, runtime: Runtime, clock: ManualClock
):
    hook = create(alice)
    raw = json.dumps(TV_BODY).encode()
    stamp = now_s(runtime)
    headers = {
        "X-TraderTape-Timestamp": stamp,
        "X-TraderTape-Signature": signature(hook["secret"], stamp, raw),
    }
    first = alice.post(hook["url_path"], content=raw, headers=headers)
    clock.advance(timedelta(minutes=4))  # within the signature's 5 minutes
    again = alice.post(hook["url_path"], content=raw, headers=headers)

    assert first.status_code == 200, first.text
    assert again.status_code == 200, again.text
    assert first.json()["replayed"] is False
    assert again.json() == first.json() | {"replayed": True}
    assert len(orders(alice)) == 1
    assert log(alice, hook) == [("replayed", 200), ("placed", 200)]
    clock.advance(timedelta(minutes=2))  # past it, the same request is stale: refused
    stale = alice.post(hook["url_path"], content=raw, headers=headers)
    assert stale.status_code == 401
    assert len(orders(alice)) == 1


def test_every_webhook_order_passes_the_kill_switch(alice: TestClient, runtime: Runtime):
    hook = create(alice)
    assert alice.post("/api/risk/kill-switch", json={"on": True}).status_code == 200
    answer = send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"]).json()
    assert answer["outcome"] == "rejected"
    assert "kill switch" in answer["orders"][0]["message"]
    (order,) = orders(alice)
    assert order["status"] == "REJECTED"


def test_an_order_the_pipeline_refuses_keeps_its_delivery_and_a_retry_answers_it(
    alice: TestClient, runtime: Runtime
):
    """The claim rides with the first order's commit: a refusal rolls it back, so the
    delivery is logged again, before the next order (whose attribution names it) or with
    the outcome; a retry still finds it and places nothing."""
    hook = create(alice, name="Chartink", preset="chartink", template={"amount": "10000"})
    # priced by a tick, so the template sizes it; not listed, so the pipeline refuses it
    runtime.quotes.update(make_tick("NSE:NOSUCHSTOCK", "100", ts=runtime.clock.now()))
    body = {"stocks": "NOSUCHSTOCK,SBIN", "trigger_prices": "100,800", "scan_name": "mixed"}
    raw = json.dumps(body).encode()
    stamp = now_s(runtime)
    headers = {
        "X-TraderTape-Timestamp": stamp,
        "X-TraderTape-Signature": signature(hook["secret"], stamp, raw),
    }
    first = alice.post(hook["url_path"], content=raw, headers=headers)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert [(o["symbol"], o["outcome"]) for o in answer["orders"]] == [
        ("NSE:NOSUCHSTOCK", "refused"),
        ("NSE:SBIN", "placed"),
    ]
    assert log(alice, hook) == [("partial", 200)]
    with runtime.db.session() as db:
        attributions = db.scalars(select(Order.attribution).where(Order.source == "webhook"))
        assert [a["delivery_id"] for a in attributions] == [answer["delivery_id"]]
    again = alice.post(hook["url_path"], content=raw, headers=headers)
    stored = [o for o in answer["orders"] if o["order_id"]]  # a refused one has no row
    assert again.json() == answer | {"replayed": True, "orders": stored}
    assert len(orders(alice)) == 1

    lone = {"ticker": "NSE:NOSUCHSTOCK", "action": "buy", "contracts": "1"}
    tv = create(alice, name="TV")
    only = send(alice, tv, lone, runtime=runtime, secret=tv["secret"])
    assert only.status_code == 200, only.text
    assert only.json()["outcome"] == "rejected"
    assert log(alice, tv) == [("rejected", 200)]


def test_chartink_buys_each_stock_for_the_amount(alice: TestClient, runtime: Runtime):
    hook = create(alice, name="Chartink", preset="chartink", template={"amount": "10000"})
    body = {"stocks": "SBIN,TCS", "trigger_prices": "800,3200", "scan_name": "breakouts"}
    answer = send(alice, hook, body, runtime=runtime, secret=hook["secret"]).json()
    assert [(o["symbol"], o["outcome"]) for o in answer["orders"]] == [
        ("NSE:SBIN", "placed"),
        ("NSE:TCS", "placed"),
    ]
    bought = {o["tradingsymbol"]: o["quantity"] for o in orders(alice)}
    assert bought == {"SBIN": 12, "TCS": 3}  # ₹10,000 at ₹800 and at ₹3,200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"action": "buy", "contracts": "1"}, "body.ticker", id="missing-path"),
        pytest.param({**TV_BODY, "action": "hold"}, "template.side", id="bad-side"),
        pytest.param({**TV_BODY, "contracts": "1.5"}, "template.quantity", id="fraction"),
        pytest.param({**TV_BODY, "contracts": "-2"}, "template.quantity", id="negative"),
        pytest.param(b"not json", "body", id="not-json"),
        pytest.param(b"[1, 2]", "body", id="not-an-object"),
    ],
)
def test_a_body_the_template_cannot_map_is_422_naming_the_field(
    alice: TestClient, runtime: Runtime, body: dict[str, Any] | bytes, field: str
):
    hook = create(alice)
    response = send(alice, hook, body, runtime=runtime, secret=hook["secret"])
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert orders(alice) == []
    assert log(alice, hook) == [("refused", 422)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("contracts", "1E+600000", id="contracts-1E+600000"),
        pytest.param("contracts", 10**4000, id="contracts-4000-digits"),
        pytest.param("contracts", "9" * 30_000, id="contracts-30000-nines"),
        pytest.param("contracts", "1e-600000", id="contracts-tiny"),
    ],
)
def test_a_huge_number_in_a_signed_body_is_refused_before_it_is_used(
    alice: TestClient, runtime: Runtime, field: str, value: object
):
    """The repro of issue 66: a signed ``"contracts": "1E+600000"`` held the server for
    40 s in ``int()``. It is now a 422 naming the template's quantity, decided on the
    number's length and exponent (`decimal_input.parse_bounded`), and places nothing."""
    hook = create(alice)
    response = send(alice, hook, {**TV_BODY, field: value}, runtime=runtime, secret=hook["secret"])
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "template.quantity"
    assert orders(alice) == []
    assert log(alice, hook) == [("refused", 422)]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 200_000 + b"]" * 200_000, id="nested-past-the-recursion-limit"),
        pytest.param(b'{"ticker": "' + b"x" * 70_000 + b'"}', id="past-64-KB"),
    ],
)
def test_a_signed_body_is_still_read_within_bounds(
    alice: TestClient, runtime: Runtime, body: bytes
):
    """Whatever its Content-Type, a hook's body is refused (the server's JSON check, or the
    hook's own) before it costs more than its bound, and places nothing."""
    hook = create(alice)
    for headers in ({}, {"Content-Type": "text/plain"}):
        response = send(alice, hook, body, runtime=runtime, secret=hook["secret"], headers=headers)
        assert response.status_code in (413, 422), response.text
        assert response.json()["detail"][0]["field"] == "body"
    assert orders(alice) == []


def test_a_token_hook_needs_its_token_and_an_allowed_address(alice: TestClient, runtime: Runtime):
    hook = create(alice, auth="token", allowed_ips=["203.0.113.0/24"])
    token = hook["secret"]
    assert token.startswith("whtok_")
    with runtime.db.session() as db:
        row = db.scalars(select(Webhook)).one()
        assert (row.secret, len(row.token_digest or "")) == (None, 64)
    wrong = send(alice, hook, TV_BODY, runtime=runtime, headers={"X-TraderTape-Token": "x"})
    assert wrong.status_code == 401
    elsewhere = send(alice, hook, TV_BODY, runtime=runtime, headers={"X-TraderTape-Token": token})
    assert elsewhere.status_code == 403  # the test client's address is not in the list
    assert orders(alice) == []
    allowed = TestClient(alice.app, client=("203.0.113.7", 50000))
    placed = send(allowed, hook, TV_BODY, runtime=runtime, headers={"X-TraderTape-Token": token})
    assert placed.status_code == 200, placed.text
    assert len(orders(alice)) == 1
    assert log(alice, hook) == [("placed", 200), ("refused", 403), ("refused", 401)]


def test_the_rate_per_hook_is_429_past_it(alice: TestClient, runtime: Runtime):
    hook = create(alice, max_per_minute=2)
    codes = [
        send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"]).status_code
        for _ in range(3)
    ]
    assert codes[:2] == [200, 200]  # (the same second's body: a retry, placing nothing)
    assert codes[2] == 429
    assert len(orders(alice)) == 1


def test_wrong_signatures_do_not_use_up_the_owners_rate(alice: TestClient, runtime: Runtime):
    """Issue 66: 1,000 wrong signatures used up a hook's 30 a minute and the owner's valid
    request got a 429. The proof is checked first: wrong ones are limited per address
    (`WRONG_PROOFS_PER_MINUTE`, logged until then, 429 after) and never touch the hook's rate."""
    hook = create(alice, max_per_minute=3)
    stranger = TestClient(alice.app, client=("198.51.100.9", 40000))
    codes = [
        send(stranger, hook, {**TV_BODY, "n": i}, runtime=runtime, secret="wrong").status_code
        for i in range(WRONG_PROOFS_PER_MINUTE + 40)
    ]
    assert codes == [401] * WRONG_PROOFS_PER_MINUTE + [429] * 40
    placed = send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"])
    assert placed.status_code == 200, placed.text
    assert len(orders(alice)) == 1
    logged = log(alice, hook)
    assert logged.count(("refused", 401)) == WRONG_PROOFS_PER_MINUTE  # the flood's 429s: not
    assert logged[0] == ("placed", 200)


def test_a_switched_off_or_unknown_hook_is_404(alice: TestClient, runtime: Runtime):
    hook = create(alice)
    alice.patch(f"/api/webhooks/{hook['id']}", json={"enabled": False})
    off = send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"])
    assert off.status_code == 404
    unknown = alice.post("/api/hooks/wh_nothing_here", content=b"{}")
    assert unknown.status_code == 404
    assert orders(alice) == []


BAD_HOOKS = [
    pytest.param(
        {"preset": None, "template": {"side": "BUY", "quantity": 1}},
        "template.symbol",
        id="no-symbol",
    ),
    pytest.param({"template": {"amount": "100"}}, "template.quantity", id="quantity-and-amount"),
    pytest.param({"template": {"colour": "red"}}, "template.colour", id="unknown-field"),
    pytest.param({"template": {"product": "BO"}}, "template.product", id="bad-product"),
    pytest.param({"auth": "token"}, "allowed_ips", id="token-without-addresses"),
    pytest.param({"allowed_ips": ["300.1.1.1"]}, "allowed_ips[0]", id="bad-address"),
    pytest.param({"broker": "kite"}, "broker", id="broker-on-paper"),
    pytest.param({"max_per_minute": 0}, "max_per_minute", id="rate"),
    pytest.param({"auth": "basic"}, "auth", id="auth"),
]


@pytest.mark.parametrize(("change", "field"), BAD_HOOKS)
def test_bad_input_is_a_4xx_naming_the_field_and_stores_nothing(
    alice: TestClient, change: dict[str, Any], field: str
):
    body = {"name": "x", "preset": "tradingview", **change}
    response = alice.post("/api/webhooks", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    fields = [d["field"] for d in detail] if isinstance(detail, list) else [detail]
    assert field in fields or any(str(f).startswith(f"{field}:") for f in fields), detail
    assert alice.get("/api/webhooks").json() == []


def test_a_bad_patch_changes_nothing(alice: TestClient):
    hook = create(alice)
    path = f"/api/webhooks/{hook['id']}"
    before = alice.get(path).json()
    bad = alice.patch(path, json={"name": "y", "template": {"side": "BUY"}})
    assert bad.status_code == 422
    assert alice.get(path).json() == before


def test_another_users_hook_is_404(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    hook = create(client)
    client.post("/api/auth/logout")
    sign_in(client, runtime, "b@x.in")
    path = f"/api/webhooks/{hook['id']}"
    assert client.get(path).status_code == 404
    assert client.patch(path, json={"name": "mine"}).status_code == 404
    assert client.get(f"{path}/deliveries").status_code == 404
    assert client.delete(path).status_code == 404
    assert client.get("/api/webhooks").json() == []


# -- a token hook's retries (issue 68: one request sent twice placed two orders) -------------

ALLOWED = ("203.0.113.7", 50000)


def _token_hook(alice: TestClient) -> tuple[dict[str, Any], TestClient]:
    hook = create(alice, auth="token", allowed_ips=["203.0.113.0/24"])
    return hook, TestClient(alice.app, client=ALLOWED)


def _token_send(
    sender: TestClient, hook: dict[str, Any], body: dict[str, Any], key: str | None = None
) -> Any:
    headers = {"X-TraderTape-Token": hook["secret"]}
    if key is not None:
        headers["Idempotency-Key"] = key
    return sender.post(hook["url_path"], content=json.dumps(body).encode(), headers=headers)


def _fresh_prices(runtime: Runtime) -> None:
    for key, price in (("NSE:INFY", "1500"), ("NSE:SBIN", "800")):
        runtime.quotes.update(make_tick(key, price, ts=runtime.clock.now()))


def test_a_token_hooks_same_body_within_the_window_places_once_and_after_it_again(
    alice: TestClient, runtime: Runtime, clock: ManualClock
):
    hook, sender = _token_hook(alice)
    first = _token_send(sender, hook, TV_BODY)
    clock.advance(REPEAT_WINDOW - timedelta(seconds=1))
    _fresh_prices(runtime)
    retry = _token_send(sender, hook, TV_BODY)

    assert first.status_code == 200, first.text
    assert retry.status_code == 200, retry.text
    assert retry.json() == first.json() | {"replayed": True}
    assert len(orders(alice)) == 1
    other = _token_send(sender, hook, {**TV_BODY, "contracts": "4"})  # another body: new
    assert (other.json()["outcome"], other.json()["replayed"]) == ("placed", False)
    assert len(orders(alice)) == 2

    clock.advance(timedelta(seconds=2))  # the first delivery is older than the window
    _fresh_prices(runtime)
    later = _token_send(sender, hook, TV_BODY)
    assert (later.json()["outcome"], later.json()["replayed"]) == ("placed", False)
    assert later.json()["delivery_id"] != first.json()["delivery_id"]
    assert len(orders(alice)) == 3
    assert log(alice, hook) == [
        ("placed", 200),
        ("placed", 200),
        ("replayed", 200),
        ("placed", 200),
    ]


def test_a_retry_across_the_edge_of_a_window_is_still_a_retry(
    alice: TestClient, runtime: Runtime, clock: ManualClock
):
    hook, sender = _token_hook(alice)
    width = REPEAT_WINDOW.total_seconds()
    to_edge = width - runtime.clock.now().timestamp() % width
    clock.advance(timedelta(seconds=to_edge - 10))  # 10 s before a window ends
    _fresh_prices(runtime)
    first = _token_send(sender, hook, TV_BODY)
    clock.advance(timedelta(seconds=20))  # 10 s into the next one
    _fresh_prices(runtime)
    retry = _token_send(sender, hook, TV_BODY)

    assert retry.json() == first.json() | {"replayed": True}
    assert len(orders(alice)) == 1


def test_an_idempotency_key_names_the_delivery_whatever_its_body(
    alice: TestClient, runtime: Runtime, clock: ManualClock
):
    hook, sender = _token_hook(alice)
    first = _token_send(sender, hook, TV_BODY, key="tv-alert-0001")
    changed = _token_send(sender, hook, {**TV_BODY, "contracts": "9"}, key="tv-alert-0001")
    same_body = _token_send(sender, hook, TV_BODY, key="tv-alert-0002")

    assert changed.json() == first.json() | {"replayed": True}
    assert (same_body.json()["outcome"], same_body.json()["replayed"]) == ("placed", False)
    assert sorted(o["quantity"] for o in orders(alice)) == [3, 3]
    clock.advance(REPEAT_WINDOW + timedelta(seconds=1))
    _fresh_prices(runtime)
    reused = _token_send(sender, hook, TV_BODY, key="tv-alert-0001")
    assert (reused.json()["outcome"], reused.json()["replayed"]) == ("placed", False)
    assert len(orders(alice)) == 3


def test_a_retry_of_a_refused_delivery_is_judged_again(alice: TestClient, runtime: Runtime):
    """Only an accepted delivery claims its id: a refused one (here, a body the template
    cannot map) held nothing, so its retry is judged afresh, and refused again."""
    hook, sender = _token_hook(alice)
    bad = {"ticker": "NSE:INFY", "action": "hold", "contracts": "3"}
    assert _token_send(sender, hook, bad).status_code == 422
    assert _token_send(sender, hook, bad).status_code == 422
    assert orders(alice) == []
    assert log(alice, hook) == [("refused", 422), ("refused", 422)]


@pytest.mark.parametrize("key", [b"", b"a b", b"x" * 201, "ключ".encode()])
def test_a_bad_idempotency_key_is_422_naming_it_and_places_nothing(
    alice: TestClient, runtime: Runtime, key: bytes
):
    hook, sender = _token_hook(alice)
    headers = {"X-TraderTape-Token": hook["secret"].encode(), "Idempotency-Key": key}
    answer = sender.post(hook["url_path"], content=json.dumps(TV_BODY).encode(), headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "Idempotency-Key"
    assert orders(alice) == []

"""A process keeps the hooks it read (`services.webhooks.known`): a kept hook's request
reads no hook, and a hook rotated, changed, switched off or deleted, here (the route drops
it) or by another process (only its row changed), answers as it now stands at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from tests.api.test_webhooks import TV_BODY, alice, create, log, orders, send
from tradertape.db.models import Webhook
from tradertape.runtime import Runtime
from tradertape.services.webhooks import hooks

__all__ = ["alice"]  # the fixture, shared with test_webhooks


def _elsewhere(runtime: Runtime, hook: dict[str, Any], change: Callable[..., Any]) -> Any:
    """`change(db, webhook_id, user_id=…)` as another process makes it: on the row only,
    this process's kept hook left as it was."""
    with runtime.db.session() as db:
        user_id = db.scalar(select(Webhook.user_id).where(Webhook.id == hook["id"]))
        return change(db, hook["id"], user_id=user_id)


def _hook_reads(runtime: Runtime, do: Callable[[], Any]) -> tuple[Any, int]:
    """What `do` answered, and how many statements read the webhooks table."""
    reads: list[str] = []

    def listener(*args: Any) -> None:
        if "FROM webhooks" in args[2] and args[2].lstrip().upper().startswith("SELECT"):
            reads.append(args[2])

    event.listen(runtime.db.engine, "before_cursor_execute", listener)
    try:
        answer = do()
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", listener)
    return answer, len(reads)


def test_a_kept_hooks_request_reads_no_hook(alice: TestClient, runtime: Runtime):
    hook = create(alice)
    first, first_reads = _hook_reads(
        runtime, lambda: send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"])
    )
    body = {**TV_BODY, "contracts": "2"}
    second, second_reads = _hook_reads(
        runtime, lambda: send(alice, hook, body, runtime=runtime, secret=hook["secret"])
    )
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first_reads, second_reads) == (1, 0)
    assert len(orders(alice)) == 2


@pytest.mark.parametrize("where", ["here", "elsewhere"])
def test_a_rotated_secret_refuses_the_old_signature_at_once(
    alice: TestClient, runtime: Runtime, where: str
):
    hook = create(alice)
    assert send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"]).status_code == 200
    if where == "here":
        rotated = alice.post(f"/api/webhooks/{hook['id']}/rotate")
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
    else:
        new_secret = _elsewhere(
            runtime,
            hook,
            lambda db, pk, user_id: (
                hooks.rotate(db, pk, vault=runtime.vault, user_id=user_id).secret
            ),
        )
    assert new_secret != hook["secret"]
    body = {**TV_BODY, "contracts": "2"}
    old = send(alice, hook, body, runtime=runtime, secret=hook["secret"])
    assert old.status_code == 401
    new = send(alice, hook, body, runtime=runtime, secret=new_secret)
    assert new.status_code == 200, new.text
    assert sorted(o["quantity"] for o in orders(alice)) == [2, 3]
    assert log(alice, hook) == [("placed", 200), ("refused", 401), ("placed", 200)]  # newest first


def test_a_token_hook_has_no_secret_to_rotate(alice: TestClient):
    hook = create(alice, auth="token", allowed_ips=["127.0.0.1"])
    assert alice.post(f"/api/webhooks/{hook['id']}/rotate").status_code == 409


@pytest.mark.parametrize("where", ["here", "elsewhere"])
def test_a_deleted_hook_is_404_at_once(alice: TestClient, runtime: Runtime, where: str):
    hook = create(alice)
    assert send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"]).status_code == 200
    if where == "here":
        assert alice.delete(f"/api/webhooks/{hook['id']}").status_code == 204
    else:
        _elsewhere(runtime, hook, hooks.delete)
    body = {**TV_BODY, "contracts": "2"}
    gone = send(alice, hook, body, runtime=runtime, secret=hook["secret"])
    assert gone.status_code == 404
    assert len(orders(alice)) == 1


def test_a_hook_switched_off_elsewhere_is_404_at_once(alice: TestClient, runtime: Runtime):
    hook = create(alice)
    assert send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"]).status_code == 200
    _elsewhere(
        runtime,
        hook,
        lambda db, pk, user_id: hooks.update(
            db, pk, hooks.HookChange(enabled=False), user_id=user_id
        ),
    )
    off = send(alice, hook, {**TV_BODY, "contracts": "2"}, runtime=runtime, secret=hook["secret"])
    assert off.status_code == 404
    assert len(orders(alice)) == 1


@pytest.mark.parametrize("where", ["here", "elsewhere"])
def test_a_template_changed_maps_the_next_request(alice: TestClient, runtime: Runtime, where: str):
    hook = create(alice)
    assert send(alice, hook, TV_BODY, runtime=runtime, secret=hook["secret"]).status_code == 200
    template = {"symbol": "NSE:SBIN", "side": "BUY", "quantity": 5}
    if where == "here":
        patched = alice.patch(f"/api/webhooks/{hook['id']}", json={"template": template})
        assert patched.status_code == 200, patched.text
    else:
        _elsewhere(
            runtime,
            hook,
            lambda db, pk, user_id: hooks.update(
                db, pk, hooks.HookChange(template=template), user_id=user_id
            ),
        )
    again = send(alice, hook, {"any": "thing"}, runtime=runtime, secret=hook["secret"])
    assert again.status_code == 200, again.text
    placed = sorted((o["tradingsymbol"], o["quantity"]) for o in orders(alice))
    assert placed == [("INFY", 3), ("SBIN", 5)]

"""Family groups over HTTP: invitations by magic link, roles and their rights, the
consolidated view, and that membership shares a view and nothing else."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_risk_api import ORDER_CAP
from tests.api.test_strategies_api import SMA_CROSS
from tests.helpers import PASSWORD, latest_mail, make_user, sign_in
from tradertape.db.models import FamilyInvite
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.security.tokens import sha256_hex


def _as(client: TestClient, runtime: Runtime, email: str) -> TestClient:
    """Another browser, signed in as `email` (created if new)."""
    make_user(runtime, email)
    other = TestClient(client.app)
    answer = other.post("/api/auth/password-login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return other


def _token(runtime: Runtime, email: str) -> tuple[int, str]:
    found = re.search(r"#group=(\d+)&token=([A-Za-z0-9_-]+)", latest_mail(runtime, email))
    assert found
    return int(found.group(1)), found.group(2)


def _group(client: TestClient, name: str = "Sharma family") -> int:
    made = client.post("/api/family/groups", json={"name": name})
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "owner"
    return int(made.json()["id"])


def _join(
    owner: TestClient,
    member: TestClient,
    runtime: Runtime,
    email: str,
    gid: int,
    role: str = "member",
) -> None:
    sent = owner.post(f"/api/family/groups/{gid}/invite", json={"email": email, "role": role})
    assert sent.status_code == 201, sent.text
    group_id, token = _token(runtime, email)
    assert group_id == gid
    joined = member.post(f"/api/family/groups/{gid}/accept", json={"token": token})
    assert joined.status_code == 200, joined.text


def test_invite_by_magic_link_accept_decline_expire(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    gid = _group(client)
    sent = client.post(f"/api/family/groups/{gid}/invite", json={"email": "Bob@X.in"})
    assert sent.status_code == 201, sent.text
    assert (sent.json()["email"], sent.json()["status"], sent.json()["role"]) == (
        "bob@x.in",
        "pending",
        "member",
    )
    _, token = _token(runtime, "bob@x.in")
    with runtime.db.session() as db:  # only the token's hash is kept
        (row,) = db.scalars(select(FamilyInvite)).all()
        assert row.token_hash == sha256_hex(token)
        assert token not in row.token_hash
    assert client.get("/api/family/groups").json()[0]["invites"][0]["email"] == "bob@x.in"

    carol = _as(client, runtime, "carol@x.in")  # not invited: the link is not hers
    assert carol.post(f"/api/family/groups/{gid}/accept", json={"token": token}).status_code == 404
    bob = _as(client, runtime, "bob@x.in")
    assert [i["group_name"] for i in bob.get("/api/family/invites").json()] == ["Sharma family"]
    wrong = bob.post(f"/api/family/groups/{gid}/accept", json={"token": "x" * 43})
    assert wrong.status_code == 422
    assert "token" in wrong.text
    joined = bob.post(f"/api/family/groups/{gid}/accept", json={"token": token})
    assert joined.status_code == 200, joined.text
    assert [(m["email"], m["role"]) for m in joined.json()["members"]] == [
        ("alice@x.in", "owner"),
        ("bob@x.in", "member"),
    ]
    assert joined.json()["invites"] == []  # a member does not see invitations
    again = bob.post(f"/api/family/groups/{gid}/accept", json={"token": token})
    assert again.status_code == 404  # answered once

    # carol declines; dave's invitation expires after 7 days
    client.post(f"/api/family/groups/{gid}/invite", json={"email": "carol@x.in"})
    assert carol.post(f"/api/family/groups/{gid}/decline", json={}).status_code == 204
    assert carol.get("/api/family/groups").json() == []
    client.post(f"/api/family/groups/{gid}/invite", json={"email": "dave@x.in"})
    dave = _as(client, runtime, "dave@x.in")
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(days=7, seconds=1))
    late = dave.post(f"/api/family/groups/{gid}/accept", json={})
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]
    assert dave.get("/api/family/invites").json() == []


def test_roles_and_their_rights(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "owner@x.in")
    gid = _group(client)
    admin = _as(client, runtime, "admin@x.in")
    member = _as(client, runtime, "member@x.in")
    _join(client, admin, runtime, "admin@x.in", gid, role="admin")
    _join(admin, member, runtime, "member@x.in", gid)  # an admin invites members
    ids = {
        m["email"]: m["user_id"] for m in client.get(f"/api/family/groups/{gid}").json()["members"]
    }

    # an admin cannot invite an admin, remove the owner, change roles or delete the group
    as_admin = admin.post(
        f"/api/family/groups/{gid}/invite", json={"email": "e@x.in", "role": "admin"}
    )
    assert as_admin.status_code == 403
    assert admin.delete(f"/api/family/groups/{gid}/members/{ids['owner@x.in']}").status_code == 403
    role = admin.put(
        f"/api/family/groups/{gid}/members/{ids['member@x.in']}", json={"role": "admin"}
    )
    assert role.status_code == 403
    assert admin.delete(f"/api/family/groups/{gid}").status_code == 403
    # a member only sees, and may leave
    assert (
        member.post(f"/api/family/groups/{gid}/invite", json={"email": "f@x.in"}).status_code == 403
    )
    assert member.delete(f"/api/family/groups/{gid}/members/{ids['admin@x.in']}").status_code == 403
    assert member.put(f"/api/family/groups/{gid}", json={"name": "Ours"}).status_code == 403
    # the owner changes roles; the owner cannot leave
    promoted = client.put(
        f"/api/family/groups/{gid}/members/{ids['member@x.in']}", json={"role": "admin"}
    )
    assert {m["email"]: m["role"] for m in promoted.json()["members"]}["member@x.in"] == "admin"
    assert client.post(f"/api/family/groups/{gid}/leave").status_code == 409
    # an admin removes a non-owner; a member leaves
    assert admin.delete(f"/api/family/groups/{gid}/members/{ids['member@x.in']}").status_code == 204
    assert member.get(f"/api/family/groups/{gid}").status_code == 404
    assert admin.post(f"/api/family/groups/{gid}/leave").status_code == 204
    assert [m["email"] for m in client.get(f"/api/family/groups/{gid}").json()["members"]] == [
        "owner@x.in"
    ]
    # bad input names the field
    bad = client.post(f"/api/family/groups/{gid}/invite", json={"email": "not-an-address"})
    assert bad.status_code == 422
    assert "email" in bad.text
    assert client.post("/api/family/groups", json={"name": "   "}).status_code == 422
    assert client.delete(f"/api/family/groups/{gid}").status_code == 204
    assert client.get("/api/family/groups").json() == []


def _holdings(client: TestClient, rows: list[dict[str, object]]) -> None:
    key = client.post("/api/agent/keys", json={"name": "laptop"}).json()["api_key"]
    agent = TestClient(client.app)
    sent = agent.post(
        "/api/agent/sync-holdings",
        headers={"Authorization": f"Bearer {key}"},
        json={"broker": "kite", "as_of": "2025-06-02T10:00:00Z", "holdings": rows},
    )
    assert sent.status_code == 200, sent.text


def _row(symbol: str, isin: str, quantity: int, last: str, close: str) -> dict[str, object]:
    return {
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "isin": isin,
        "quantity": quantity,
        "average_price": "100",
        "last_price": last,
        "close_price": close,
    }


def test_consolidated_view_merges_members_and_shares_nothing_else(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    _holdings(client, [_row("INFY", "INE009A01021", 10, "1500", "1490")])
    strategy = client.post("/api/strategies", json=SMA_CROSS).json()["id"]
    rule = client.post("/api/risk/rules", json=ORDER_CAP)
    assert rule.status_code == 201, rule.text
    gid = _group(client)
    bob = _as(client, runtime, "bob@x.in")
    _holdings(
        bob,
        [
            _row("INFY", "INE009A01021", 5, "1500", "1490"),
            _row("TCS", "INE467B01029", 2, "3200", "3250"),
        ],
    )
    _join(client, bob, runtime, "bob@x.in", gid)

    family = bob.get(f"/api/family/consolidated?group_id={gid}").json()
    assert family["net_worth"] == "28900.00"  # 15 × 1500 + 2 × 3200
    assert family["day_pnl"] == "50.00"  # 15 × 10 − 2 × 50
    assert [(m["email"], m["net_worth"], m["day_pnl"]) for m in family["members"]] == [
        ("alice@x.in", "15000.00", "100.00"),
        ("bob@x.in", "13900.00", "-50.00"),
    ]
    infy, tcs = family["holdings"]  # one row per symbol across members
    assert (infy["symbol"], infy["quantity"], infy["value"], len(infy["members"])) == (
        "INFY",
        "15",
        "22500.00",
        2,
    )
    assert (tcs["symbol"], tcs["quantity"], tcs["day_pnl"]) == ("TCS", "2", "-100.00")
    alice_id = family["members"][0]["user_id"]
    only_alice = bob.get(f"/api/family/consolidated?group_id={gid}&member={alice_id}").json()
    assert only_alice["net_worth"] == "15000.00"
    stranger = bob.get(f"/api/family/consolidated?group_id={gid}&member=999999")
    assert stranger.status_code == 422
    assert "member" in stranger.text
    assert Decimal(family["allocation"][0]["share"]) == Decimal("1.0000")

    # visibility only: Bob reads none of Alice's strategies, rules or credentials, and
    # cannot act on them
    assert bob.get(f"/api/strategies/{strategy}").status_code == 404
    assert bob.get(f"/api/risk/rules/{rule.json()['id']}").status_code == 404
    assert all(r["id"] != rule.json()["id"] for r in bob.get("/api/risk/rules").json())
    assert bob.put(f"/api/strategies/{strategy}", json=SMA_CROSS).status_code == 404
    assert len(bob.get("/api/agent/keys").json()) == 1  # his own; Alice's is hers
    text = bob.get(f"/api/family/consolidated?group_id={gid}").text.lower()
    for secret in ("api_key", "access_token", "secret", "password", "strategy", "rule"):
        assert secret not in text


def test_without_a_group_named_the_family_is_your_only_group_or_a_choice(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    _holdings(client, [_row("INFY", "INE009A01021", 10, "1500", "1490")])
    alone = client.get("/api/family/consolidated").json()  # in no group: her own
    assert (alone["scope"], alone["groups"], alone["group_id"], alone["net_worth"]) == (
        "me",
        [],
        None,
        "15000.00",
    )
    gid = _group(client)
    bob = _as(client, runtime, "bob@x.in")
    _holdings(bob, [_row("TCS", "INE467B01029", 2, "3200", "3250")])
    _join(client, bob, runtime, "bob@x.in", gid)

    # in exactly one group: that family's totals, and which family it is
    for who in (client, bob):
        family = who.get("/api/family/consolidated").json()
        assert (family["scope"], family["group_id"], family["group_name"]) == (
            "group",
            gid,
            "Sharma family",
        )
        assert family["net_worth"] == "21400.00"  # 10 × 1500 + 2 × 3200
        assert [m["email"] for m in family["members"]] == ["alice@x.in", "bob@x.in"]
        assert family["groups"] == [{"id": gid, "name": "Sharma family", "members": 2}]
        # how old each figure is: the agent read both brokers on 2 June 2025
        assert [m["oldest_as_of"] for m in family["members"]] == ["2025-06-02", "2025-06-02"]
        assert [h["as_of"] for h in family["holdings"]] == ["2025-06-02", "2025-06-02"]
        assert (family["as_of"], family["oldest_as_of"]) == ("2026-11-20", "2025-06-02")
    named = bob.get(f"/api/family/consolidated?group_id={gid}").json()
    assert named["net_worth"] == "21400.00"

    # in two groups and none named: her own figures, and the groups to choose from
    other = _group(client, "Verma family")
    torn = client.get("/api/family/consolidated").json()
    assert (torn["scope"], torn["group_id"], torn["net_worth"]) == (
        "choose_group",
        None,
        "15000.00",
    )
    assert [m["email"] for m in torn["members"]] == ["alice@x.in"]
    assert torn["groups"] == [
        {"id": gid, "name": "Sharma family", "members": 2},
        {"id": other, "name": "Verma family", "members": 1},
    ]
    chosen = client.get(f"/api/family/consolidated?group_id={other}").json()
    assert (chosen["scope"], chosen["group_name"], chosen["net_worth"]) == (
        "group",
        "Verma family",
        "15000.00",
    )
    # Bob is still in one group: his family's totals
    assert bob.get("/api/family/consolidated").json()["group_id"] == gid


def test_nothing_is_placed_for_another_member(client: TestClient, runtime: Runtime):
    """No order, GTT or deploy names a member: a body that tries is refused or lands in
    the sender's own account, never in another's."""
    sign_in(client, runtime, "alice@x.in")
    alice_id = client.get("/api/auth/me").json()["id"]
    gid = _group(client)
    bob = _as(client, runtime, "bob@x.in")
    _join(client, bob, runtime, "bob@x.in", gid)
    bob.post("/api/portfolio/funds", json={"amount": 100000})
    order = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 1,
        "product": "CNC",
        "order_type": "LIMIT",
        "price": 1400,
    }
    for extra in ({"user_id": alice_id}, {"family_group_id": gid}, {"member": alice_id}):
        sent = bob.post("/api/orders", json={**order, **extra})
        assert sent.status_code in (201, 422), sent.text
    assert client.get("/api/portfolio/orders").json() == []  # Alice's book is untouched
    deploy = bob.post("/api/model/portfolios/deploy", json={"user_id": alice_id})
    assert deploy.status_code == 422
    assert client.get("/api/model/portfolios").json() == []


def test_invitations_a_day_are_capped(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    from tradertape.services.family import groups

    monkeypatch.setattr(groups, "MAX_INVITES_A_DAY", 2)
    sign_in(client, runtime, "alice@x.in")
    gid = _group(client)
    for n in range(2):
        sent = client.post(f"/api/family/groups/{gid}/invite", json={"email": f"k{n}@x.in"})
        assert sent.status_code == 201
    refused = client.post(f"/api/family/groups/{gid}/invite", json={"email": "k9@x.in"})
    assert refused.status_code == 409
    assert "in a day" in refused.json()["detail"]
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(days=1, seconds=1))
    assert (
        client.post(f"/api/family/groups/{gid}/invite", json={"email": "k9@x.in"}).status_code
        == 201
    )


def test_the_member_cap_holds_at_accept(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    """Invitations may outnumber free places; the one accepted into a full group is a 409
    that changes nothing and stays open until a place frees up."""
    from tradertape.services.family import groups

    monkeypatch.setattr(groups, "MAX_MEMBERS", 3)
    sign_in(client, runtime, "alice@x.in")
    gid = _group(client)
    emails = ["b@x.in", "c@x.in", "d@x.in"]
    for email in emails:  # each sent while the group has room
        assert client.post(f"/api/family/groups/{gid}/invite", json={"email": email}).is_success
    browsers = [_as(client, runtime, email) for email in emails]
    tokens = [_token(runtime, email)[1] for email in emails]
    for browser, token in zip(browsers[:2], tokens[:2], strict=True):
        assert browser.post(f"/api/family/groups/{gid}/accept", json={"token": token}).is_success
    late = browsers[2].post(f"/api/family/groups/{gid}/accept", json={"token": tokens[2]})
    assert late.status_code == 409, late.text
    assert "at most 3 members" in late.json()["detail"]
    assert len(client.get(f"/api/family/groups/{gid}").json()["members"]) == 3
    assert [i["email"] for i in client.get(f"/api/family/groups/{gid}").json()["invites"]] == [
        "d@x.in"
    ]
    assert browsers[0].post(f"/api/family/groups/{gid}/leave").status_code == 204
    again = browsers[2].post(f"/api/family/groups/{gid}/accept", json={"token": tokens[2]})
    assert again.status_code == 200, again.text


def test_concurrent_accepts_never_pass_the_cap(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    from tradertape.errors import Conflict
    from tradertape.services.family import groups

    monkeypatch.setattr(groups, "MAX_MEMBERS", 3)
    sign_in(client, runtime, "alice@x.in")
    gid = _group(client)
    invited = [make_user(runtime, f"m{n}@x.in") for n in range(6)]
    for n in range(6):
        assert client.post(f"/api/family/groups/{gid}/invite", json={"email": f"m{n}@x.in"})
    start = threading.Barrier(len(invited))
    outcomes: list[str] = []

    def accept(user_id: int) -> None:
        with runtime.db.session() as db:
            start.wait()
            try:
                groups.accept(db, gid, user_id=user_id, token=None, clock=runtime.clock)
                outcomes.append("joined")
            except Conflict:
                outcomes.append("full")

    threads = [threading.Thread(target=accept, args=(user_id,)) for user_id in invited]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["full"] * 4 + ["joined"] * 2
    assert len(client.get(f"/api/family/groups/{gid}").json()["members"]) == 3

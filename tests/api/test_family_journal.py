"""The journal through the family switcher: only me, the chosen members, or the whole
group; a group you are not in is a 404, a member not in it a 422, and tax stays yours."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.api.test_family import _as, _group, _join
from tests.api.test_uploads import XLSX
from tests.helpers import sign_in
from tests.statement_files import Fill, zerodha_csv
from tradertape.runtime import Runtime


def _upload(client: TestClient, account: str, symbol: str, buy: str, sell: str) -> None:
    rows = [
        Fill(symbol, "2024-06-03", "buy", 10, buy, f"{account}B", f"{account}1"),
        Fill(symbol, "2024-06-10", "sell", 10, sell, f"{account}S", f"{account}2"),
    ]
    name = f"tradebook-{account}-EQ-2024-04-01-to-2024-06-30.csv"
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", (name, zerodha_csv(rows), XLSX))]
    )
    assert sent.status_code == 201, sent.text


def test_the_switcher_scopes_the_journal_to_the_chosen_members(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    _upload(client, "AL1111", "SBIN", "800", "830")  # +300.00
    bob = _as(client, runtime, "bob@x.in")
    _upload(bob, "BO2222", "INFY", "1500", "1490")  # -100.00
    carol = _as(client, runtime, "carol@x.in")
    _upload(carol, "CA3333", "TCS", "3900", "3950")  # +500.00, not in the group
    gid = _group(client)
    _join(client, bob, runtime, "bob@x.in", gid)
    ids = {
        m["email"]: m["user_id"] for m in client.get(f"/api/family/groups/{gid}").json()["members"]
    }

    mine = client.get("/api/journal/pnl").json()
    assert (mine["realised"], [t["member"] for t in mine["round_trips"]]) == ("300.00", [None])

    everyone = client.get("/api/journal/pnl", params={"group_id": gid}).json()
    assert everyone["realised"] == "200.00"  # 300.00 - 100.00; Carol is not in the group
    assert sorted((t["symbol"], t["member"]) for t in everyone["round_trips"]) == [
        ("INFY", "bob@x.in"),
        ("SBIN", "alice@x.in"),
    ]
    assert [y["realised"] for y in everyone["years"]] == ["200.00"]
    # Bob sees the same family view from his side
    assert bob.get("/api/journal/pnl", params={"group_id": gid}).json()["realised"] == "200.00"

    chosen = client.get("/api/journal/pnl", params={"group_id": gid, "member": [ids["bob@x.in"]]})
    assert [t["symbol"] for t in chosen.json()["round_trips"]] == ["INFY"]
    edge = client.get("/api/journal/edge", params={"group_id": gid}).json()
    assert sorted(e["symbol"] for e in edge["symbols"]) == ["INFY", "SBIN"]
    patterns = client.get("/api/journal/patterns", params={"group_id": gid}).json()
    holding = next(d for d in patterns["dimensions"] if d["name"] == "holding_period")
    assert [(b["label"], b["count"]) for b in holding["buckets"]] == [("4-7d", 2)]

    # Carol is in no group with Alice: the group is a 404 to her, Alice's id a 422 to Alice
    assert carol.get("/api/journal/pnl", params={"group_id": gid}).status_code == 404
    assert carol.get("/api/journal/edge", params={"group_id": gid}).status_code == 404
    assert carol.get("/api/journal/patterns", params={"group_id": gid}).status_code == 404
    stranger = client.get("/api/journal/pnl", params={"group_id": gid, "member": [9999]})
    assert stranger.status_code == 422
    assert "not in this group" in stranger.text
    alone = client.get("/api/journal/pnl", params={"member": [ids["bob@x.in"]]})
    assert alone.status_code == 422  # members are chosen within a group

    # tax is a person's own: the family's round trips never reach it
    tax = client.get("/api/journal/tax", params={"fy": "2024-25", "group_id": gid}).json()
    # Alice's own ₹300.00, less its transfer expenses (the charges but STT)
    assert [
        (b["kind"], Decimal(b["net"]) + Decimal(b["expenses"])) for b in tax["capital_gains"]
    ] == [("stcg", Decimal("300.00"))]

"""The audit trail against someone who can write the database (issue 66): each of the
eleven tamperings an attacker tried, plus a rebuilt trail and a changed anchor file, is
caught by `GET /api/audit/verify` (the server's anchor) or `POST /api/audit/verify` (the
user's own), and a whole trail still verifies. The forger knows the algorithm but not the
key, which is derived from the server secret and never stored in the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tests.api.test_audit_trail import _trade
from tests.helpers import sign_in
from tradertape.db.models import AuditEntry, AuditKey
from tradertape.domain.audit_chain import ChainEntry, entry_hash
from tradertape.jobs.audit_anchors import anchor_once
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db

GUESSED_KEY = b"the forger's best guess at the key"


def _chain_entry(row: AuditEntry, **changes: object) -> ChainEntry:
    fields: dict[str, object] = {
        "user_id": row.user_id,
        "seq": row.seq,
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "kind": row.kind,
        "source": row.source,
        "order_id": row.order_id,
        "payload": row.payload,
        "prev_hash": row.prev_hash,
        "key_id": row.key_id,
    }
    return ChainEntry(**(fields | changes))  # type: ignore[arg-type]


def _rows(db: Session, user_id: int) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.user_id == user_id).order_by(AuditEntry.seq)
    return list(db.scalars(query))


def _recompute_from(db: Session, user_id: int, seq: int, *, keyed: bool) -> None:
    """What a forger does after a change: every hash from `seq` on made again, linked,
    either plain (as the trail was before keys) or under a guessed key."""
    rows = _rows(db, user_id)
    prev = rows[seq - 2].hash if seq > 1 else "0" * 64
    for row in rows[seq - 1 :]:
        row.prev_hash = prev
        row.key_id = row.key_id if keyed else None
        row.hash = entry_hash(_chain_entry(row), GUESSED_KEY if keyed else None)
        prev = row.hash
    db.flush()


def _edit(db: Session, user_id: int) -> None:
    db.execute(
        update(AuditEntry)
        .where(AuditEntry.user_id == user_id, AuditEntry.seq == 2)
        .values(payload={"type": "order.filled", "note": "rewritten"})
    )


def _overwrite_hash(db: Session, user_id: int) -> None:
    db.execute(
        update(AuditEntry)
        .where(AuditEntry.user_id == user_id, AuditEntry.seq == 2)
        .values(hash="f" * 64)
    )


def _delete_middle(db: Session, user_id: int) -> None:
    db.execute(delete(AuditEntry).where(AuditEntry.user_id == user_id, AuditEntry.seq == 2))


def _swap(db: Session, user_id: int) -> None:
    rows = _rows(db, user_id)
    rows[1].seq, rows[2].seq = -1, -2
    db.flush()
    rows[1].seq, rows[2].seq = 3, 2
    db.flush()


def _relink(db: Session, user_id: int) -> None:
    db.execute(
        update(AuditEntry)
        .where(AuditEntry.user_id == user_id, AuditEntry.seq == 2)
        .values(prev_hash="a" * 64)
    )


def _retime(db: Session, user_id: int) -> None:
    row = _rows(db, user_id)[1]
    row.at = row.at.replace(year=2025)
    db.flush()


def _truncate(db: Session, user_id: int) -> None:
    last = len(_rows(db, user_id))
    db.execute(delete(AuditEntry).where(AuditEntry.user_id == user_id, AuditEntry.seq >= last - 1))


def _append_forged(db: Session, user_id: int, key: bytes | None) -> None:
    last = _rows(db, user_id)[-1]
    forged = _chain_entry(
        last, seq=last.seq + 1, prev_hash=last.hash, order_id="forged", key_id=key and 1
    )
    db.add(
        AuditEntry(
            user_id=user_id,
            seq=forged.seq,
            at=last.at,
            kind=forged.kind,
            source=forged.source,
            order_id="forged",
            payload=dict(forged.payload),
            prev_hash=forged.prev_hash,
            hash=entry_hash(forged, key),
            key_id=forged.key_id,
        )
    )
    db.flush()


def _append_forged_plain(db: Session, user_id: int) -> None:
    _append_forged(db, user_id, None)


def _append_forged_keyed(db: Session, user_id: int) -> None:
    _append_forged(db, user_id, GUESSED_KEY)


def _edit_and_recompute(db: Session, user_id: int) -> None:
    _edit(db, user_id)
    db.flush()
    _recompute_from(db, user_id, 2, keyed=True)


def _edit_and_recompute_plain(db: Session, user_id: int) -> None:
    _edit(db, user_id)
    db.flush()
    _recompute_from(db, user_id, 2, keyed=False)


def _delete_renumber_recompute(db: Session, user_id: int) -> None:
    db.execute(delete(AuditEntry).where(AuditEntry.user_id == user_id, AuditEntry.seq == 3))
    db.flush()
    for row in _rows(db, user_id)[2:]:
        row.seq -= 1
        db.flush()
    _recompute_from(db, user_id, 3, keyed=True)


def _wipe(db: Session, user_id: int) -> None:
    db.execute(delete(AuditEntry).where(AuditEntry.user_id == user_id))


def _rebuild_plain(db: Session, user_id: int) -> None:
    """The whole trail made again as if written before keys, with one entry changed."""
    _edit(db, user_id)
    db.flush()
    _recompute_from(db, user_id, 1, keyed=False)


def _unissued_key(db: Session, user_id: int) -> None:
    db.execute(
        update(AuditEntry)
        .where(AuditEntry.user_id == user_id, AuditEntry.seq == 3)
        .values(key_id=99)
    )


Tamper = Callable[[Session, int], None]
TAMPERINGS: list[tuple[Tamper, int | str]] = [
    (_edit, 2),
    (_overwrite_hash, 2),
    (_delete_middle, 2),
    (_swap, 2),
    (_relink, 2),
    (_retime, 2),
    (_truncate, "end"),
    (_append_forged_plain, "last"),
    (_append_forged_keyed, "last"),
    (_edit_and_recompute, 2),
    (_delete_renumber_recompute, 3),
    (_wipe, 1),
    (_edit_and_recompute_plain, 2),
    (_rebuild_plain, "anchor"),
    (_unissued_key, 3),
]


def _anchored_trail(client: TestClient, runtime: Runtime) -> tuple[int, int]:
    user_id = sign_in(client, runtime, "a@x.in")
    _trade(client, runtime)
    assert anchor_once(runtime) == 1  # the server's anchor, as its job writes it
    verdict = client.get("/api/audit/verify").json()
    assert verdict["ok"] is True, verdict
    assert verdict["anchored_seq"] == verdict["entries"] >= 5
    return user_id, verdict["entries"]


@pytest.mark.parametrize(
    ("tamper", "where"), [pytest.param(t, w, id=t.__name__.strip("_")) for t, w in TAMPERINGS]
)
def test_every_tampering_is_caught(
    client: TestClient, runtime: Runtime, tamper: Tamper, where: int | str
):
    user_id, count = _anchored_trail(client, runtime)
    kept = client.get("/api/audit/anchor").json()  # the user's own, kept off the server
    assert (kept["seq"], kept["key_id"]) == (count, 1)
    with runtime.db.session() as db:
        tamper(db, user_id)
        db.commit()

    verdict = client.get("/api/audit/verify").json()
    against_mine = client.post("/api/audit/verify", json=kept).json()

    expected = {"end": count - 1, "last": count + 1, "anchor": count}.get(str(where), where)
    assert (verdict["ok"], verdict["first_bad_seq"]) == (False, expected), verdict
    assert (against_mine["ok"], against_mine["first_bad_seq"]) == (False, expected)
    assert anchor_once(runtime) == 0  # a trail that lost its anchored entry keeps its anchor


def test_the_anchor_moves_with_a_growing_trail_and_a_rotated_key(
    client: TestClient, runtime: Runtime
):
    user_id, count = _anchored_trail(client, runtime)
    with runtime.db.session() as db:
        assert runtime.audit_keys.rotate(db, reason="test") == 2
        db.commit()
    _trade(client, runtime)

    assert anchor_once(runtime) == 1
    verdict = client.get("/api/audit/verify").json()
    assert (verdict["ok"], verdict["anchored_seq"]) == (True, verdict["entries"])
    with runtime.db.session() as db:
        keys = [row.key_id for row in _rows(db, user_id)]
        issued = list(db.scalars(select(AuditKey.id).order_by(AuditKey.id)))
    assert (keys[:count], set(keys[count:]), issued[-1]) == ([1] * count, {2}, 2)


def test_an_anchor_the_server_did_not_sign_is_refused(client: TestClient, runtime: Runtime):
    _anchored_trail(client, runtime)
    kept = client.get("/api/audit/anchor").json()
    made_up = kept | {"seq": kept["seq"] - 2}

    refused = client.post("/api/audit/verify", json=made_up)

    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "mac"
    sign_in(client, runtime, "b@x.in")  # another user's anchor is not theirs
    assert client.post("/api/audit/verify", json=kept).status_code == 422


def test_a_changed_anchor_file_is_named(client: TestClient, runtime: Runtime):
    _anchored_trail(client, runtime)
    path = runtime.audit_anchors.path
    content = json.loads(path.read_text())
    content["anchors"][0]["seq"] -= 2  # hide the two entries about to be removed
    path.write_text(json.dumps(content))

    verdict = client.get("/api/audit/verify").json()

    assert verdict["ok"] is False
    assert "anchor file" in verdict["reason"]

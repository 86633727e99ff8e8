"""`tradertape audit verify`: a whole trail passes; a changed entry is named (exit 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from tradertape.cli import app
from tradertape.db.models import AuditEntry, User
from tradertape.domain.audit_chain import GENESIS, ChainEntry, entry_hash

runner = CliRunner()
AT = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)


def _write_chain(user_id: int, count: int) -> None:
    from tradertape.cli.common import build_runtime

    runtime = build_runtime()
    prev = GENESIS
    with runtime.db.session() as db:
        for seq in range(1, count + 1):
            payload = {"type": "order.accepted", "order_id": f"o{seq}"}
            at = AT.isoformat(timespec="microseconds")
            entry = ChainEntry(user_id, seq, at, "order.accepted", "api", f"o{seq}", payload, prev)
            digest = entry_hash(entry)
            db.add(
                AuditEntry(
                    user_id=user_id,
                    seq=seq,
                    at=AT,
                    kind=entry.kind,
                    source=entry.source,
                    order_id=entry.order_id,
                    payload=payload,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        db.commit()


def test_audit_verify_names_the_first_changed_entry(data_dir: Path):
    from tradertape.cli.common import build_runtime

    assert runner.invoke(app, ["user", "create", "--email", "a@x.in"]).exit_code == 0
    with build_runtime().db.session() as db:
        user_id = db.scalar(select(User.id).where(User.email == "a@x.in"))
    assert user_id is not None
    _write_chain(user_id, 3)

    whole = runner.invoke(app, ["audit", "verify", "--email", "a@x.in"])
    assert whole.exit_code == 0, whole.output
    assert "3 entries, whole" in whole.output

    with build_runtime().db.session() as db:
        db.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(source="worker"))
        db.commit()
    broken = runner.invoke(app, ["audit", "verify", "--email", "a@x.in"])
    assert broken.exit_code == 1, broken.output
    assert "broken at entry 2" in " ".join(broken.output.split())


def test_a_kept_anchor_catches_a_cut_trail_and_a_rotated_key_signs_on(data_dir: Path):
    from tradertape.cli.common import build_runtime

    assert runner.invoke(app, ["user", "create", "--email", "a@x.in"]).exit_code == 0
    with build_runtime().db.session() as db:
        user_id = db.scalar(select(User.id).where(User.email == "a@x.in"))
    assert user_id is not None
    _write_chain(user_id, 3)  # entries from before keys: plain SHA-256, still whole
    kept = data_dir / "kept-anchor.json"
    made = runner.invoke(app, ["audit", "anchor", "--email", "a@x.in", "--out", str(kept)])
    assert made.exit_code == 0, made.output

    whole = runner.invoke(app, ["audit", "verify", "--email", "a@x.in", "--anchor", str(kept)])
    assert whole.exit_code == 0, whole.output
    assert "holds entry 3" in " ".join(whole.output.split())

    with build_runtime().db.session() as db:
        db.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
        db.commit()
    cut = runner.invoke(app, ["audit", "verify", "--email", "a@x.in", "--anchor", str(kept)])
    assert cut.exit_code == 1, cut.output
    assert "removed from its end" in " ".join(cut.output.split())

    rotated = runner.invoke(app, ["audit", "rotate-key", "--reason", "test"])
    assert rotated.exit_code == 0, rotated.output
    assert "audit key 2 issued" in rotated.output

"""The audit trail's anchors: each user's head (last entry's number and hash), signed, kept
off the database, so a trail cut short at its end, wiped, or rebuilt under a stolen key is
caught by `verify`.

The process that leads the market jobs writes them to a file every
`audit_anchor_every_secs` (`anchor_heads`; `settings.audit_anchor_path`: by default in the
data folder, better on a disk the database's host cannot rewrite). An anchor only moves
forward, and only over a trail that still holds the anchored entry: a trail found cut short
or rewritten keeps its old anchor, and says so in the log. A user keeps their own too:
`GET /api/audit/anchor` (or `tradertape audit anchor`) hands out the head, signed, and
`POST /api/audit/verify` (`audit verify --anchor FILE`) checks the trail against it.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.models import AuditEntry
from tradertape.domain.audit_chain import GENESIS, Anchor, Broken, anchor_mac, first_break
from tradertape.ports.clock import Clock
from tradertape.security.files import private_folder
from tradertape.services.audit.keys import AuditKeys
from tradertape.services.audit.trail import Verdict, chain_entry, verify

log = logging.getLogger("tradertape.audit")


def sign(anchor: Anchor, keys: AuditKeys) -> str:
    """The anchor's signature under its own key id."""
    return anchor_mac(anchor, keys.key(anchor.key_id))


def signed_by_us(anchor: Anchor, mac: str, keys: AuditKeys) -> bool:
    """Whether `mac` is this server's signature of `anchor` (any key id it could derive)."""
    return anchor.key_id >= 1 and hmac.compare_digest(sign(anchor, keys), mac)


def head(db: Session, *, user_id: int, keys: AuditKeys, clock: Clock) -> Anchor:
    """The user's head as an anchor now (seq 0 and 64 zeros for an empty trail)."""
    row = db.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.user_id == user_id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    seq, digest = (row[0], row[1]) if row is not None else (0, "0" * 64)
    at = clock.now().astimezone(UTC).isoformat(timespec="seconds")
    return Anchor(user_id, seq, digest, at, keys.current(db))


class AnchorFile:
    """Every user's latest anchor in one JSON file, replaced whole (written beside, then
    renamed: a crash leaves the old file or the new, never half of one)."""

    def __init__(self, path: Path, keys: AuditKeys) -> None:
        self.path = path
        self._keys = keys

    def read(self) -> dict[int, tuple[Anchor, bool]]:
        """Each user's anchor with whether its signature is ours ({} when there is no file)."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return {}
        found: dict[int, tuple[Anchor, bool]] = {}
        for item in json.loads(text).get("anchors", []):
            anchor = Anchor(
                int(item["user_id"]),
                int(item["seq"]),
                str(item["hash"]),
                str(item["at"]),
                int(item["key_id"]),
            )
            found[anchor.user_id] = (anchor, signed_by_us(anchor, str(item["mac"]), self._keys))
        return found

    def latest(self, user_id: int) -> tuple[Anchor, bool] | None:
        """The user's anchor and whether it is ours, or None when never anchored."""
        return self.read().get(user_id)

    def write(self, anchors: Mapping[int, Anchor]) -> None:
        """Replace the file with `anchors`, each signed."""
        private_folder(self.path.parent)
        items = [asdict(a) | {"mac": sign(a, self._keys)} for _, a in sorted(anchors.items())]
        temporary = self.path.with_name(self.path.name + ".new")
        with open(temporary, "w") as handle:
            json.dump({"anchors": items}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)


def anchor_heads(db: Session, *, file: AnchorFile, keys: AuditKeys, clock: Clock) -> int:
    """Move every user's anchor to their head where the trail grew and still holds the
    anchored entry; the number of anchors moved. A trail that no longer holds its anchored
    entry keeps its anchor (that is what `verify` will name), logged here."""
    last = (
        select(AuditEntry.user_id, func.max(AuditEntry.seq).label("seq"))
        .group_by(AuditEntry.user_id)
        .subquery()
    )
    heads = {
        user_id: (seq, digest)
        for user_id, seq, digest in db.execute(
            select(AuditEntry.user_id, AuditEntry.seq, AuditEntry.hash).join(
                last, (AuditEntry.user_id == last.c.user_id) & (AuditEntry.seq == last.c.seq)
            )
        )
    }
    current = {user_id: anchor for user_id, (anchor, _) in file.read().items()}
    at = clock.now().astimezone(UTC).isoformat(timespec="seconds")
    key_id = keys.current(db)
    for user_id, kept in current.items():
        if user_id not in heads and kept.seq > 0:
            log.error("audit trail of user %s: anchored at entry %s, now empty", user_id, kept.seq)
    moved = {
        user_id: Anchor(user_id, seq, digest, at, key_id)
        for user_id, (seq, digest) in heads.items()
        if _grown(db, keys, user_id, current.get(user_id), (seq, digest))
    }
    if moved:
        file.write(current | moved)
    return len(moved)


def _grown(
    db: Session, keys: AuditKeys, user_id: int, kept: Anchor | None, head: tuple[int, str]
) -> bool:
    """Whether a trail whose head is `head` (number, hash) grew past its anchor `kept`, still
    holds the anchored entry, and every entry after it is whole and signed: only such a
    trail's anchor moves (a forged tail is never anchored). Logged when it does not hold."""
    seq, digest = head
    after = (0, GENESIS, False)
    if kept is not None:
        if seq <= kept.seq:
            if seq < kept.seq or digest != kept.hash:
                log.error("audit trail of user %s no longer holds its anchor", user_id)
            return False
        held = db.execute(
            select(AuditEntry.hash, AuditEntry.key_id).where(
                AuditEntry.user_id == user_id, AuditEntry.seq == kept.seq
            )
        ).first()
        if held is None or held[0] != kept.hash:
            log.error("audit trail of user %s no longer holds its anchor", user_id)
            return False
        after = (kept.seq, kept.hash, held[1] is not None)
    tail = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.user_id == user_id, AuditEntry.seq > after[0])
        .order_by(AuditEntry.seq)
    )
    broken = first_break(
        ((chain_entry(row), row.hash) for row in tail), keys.key_of(db), after=after
    )
    if broken is not None:
        log.error(
            "audit trail of user %s broken at entry %s: %s", user_id, broken.seq, broken.reason
        )
        return False
    return True


NOT_OURS = Broken(
    0,
    "the server's anchor of this trail is not signed by this server (the anchor file was changed)",
)


def verify_kept(db: Session, *, user_id: int, keys: AuditKeys, file: AnchorFile) -> Verdict:
    """`verify` against the server's own anchor of the user's trail: an anchor the file
    holds but this server did not sign is a break of its own (`NOT_OURS`, seq 0: no entry)."""
    kept = file.latest(user_id)
    if kept is not None and not kept[1]:
        return Verdict(verify(db, user_id=user_id, keys=keys).entries, NOT_OURS)
    return verify(db, user_id=user_id, keys=keys, anchor=kept[0] if kept is not None else None)

"""`audit verify`, `audit anchor`, `audit rotate-key`: the order audit trail in the local
database, its signed head to keep elsewhere, and its keys."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tradertape.cli.common import build_runtime, console, service_errors, user_by_email

audit_app = typer.Typer(help="The order audit trail (hash-chained, keyed).", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    email: str = typer.Option(..., "--email", help="the user's e-mail"),
    anchor_file: Path | None = typer.Option(
        None, "--anchor", help="an anchor kept with `audit anchor` (default: the server's own)"
    ),
) -> None:
    """Check every entry's signature and follow every link, and that the trail still holds
    its anchored entry; name the first entry changed, removed or forged, or the end cut off
    (exit status 1 then)."""
    from tradertape.domain.audit_chain import Anchor
    from tradertape.services.audit import anchors, trail

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        anchor_in: Anchor | None = None
        if anchor_file is not None:
            kept = json.loads(anchor_file.read_text())
            anchor_in = Anchor(user.id, kept["seq"], kept["hash"], kept["at"], kept["key_id"])
            if not anchors.signed_by_us(anchor_in, kept["mac"], runtime.audit_keys):
                console.print(f"{anchor_file}: not an anchor this server signed for {email}")
                raise typer.Exit(1)
            verdict = trail.verify(db, user_id=user.id, keys=runtime.audit_keys, anchor=anchor_in)
        else:
            verdict = anchors.verify_kept(
                db, user_id=user.id, keys=runtime.audit_keys, file=runtime.audit_anchors
            )
            anchor_in = verdict.anchor
    held = f", holds entry {anchor_in.seq} anchored at {anchor_in.at}" if anchor_in else ""
    if verdict.broken is None:
        console.print(f"audit trail of {email}: {verdict.entries} entries, whole{held}")
        return
    broken = verdict.broken
    where = f"entry {broken.seq}" if broken.seq else "its anchor"
    console.print(f"audit trail of {email}: broken at {where}: {broken.reason}")
    raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    email: str = typer.Option(..., "--email", help="the user's e-mail"),
    out: Path | None = typer.Option(None, "--out", help="write it to this file (else print)"),
) -> None:
    """Print (or write) the user's trail head, signed: keep it off this machine, and check
    the trail against it later with `audit verify --anchor FILE`."""
    from dataclasses import asdict

    from tradertape.services.audit import anchors

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        anchor = anchors.head(db, user_id=user.id, keys=runtime.audit_keys, clock=runtime.clock)
    fields = asdict(anchor)
    del fields["user_id"]
    text = json.dumps(fields | {"mac": anchors.sign(anchor, runtime.audit_keys)}, indent=1)
    if out is None:
        console.print(text)
    else:
        out.write_text(text + "\n")
        console.print(f"anchor of {email} at entry {anchor.seq} written to {out}")


@audit_app.command("rotate-key")
def audit_rotate_key(
    reason: str = typer.Option("rotated by the operator", "--reason", help="why, recorded"),
) -> None:
    """Issue the next key id: new entries are signed with it (every running server follows
    within a minute); every key issued before still checks its own entries."""
    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        key_id = runtime.audit_keys.rotate(db, reason=reason)
        db.commit()
    console.print(f"audit key {key_id} issued: new entries are signed with it")

"""`audit verify`: walk a user's order audit trail in the local database."""

from __future__ import annotations

import typer

from tradertape.cli.common import build_runtime, console, service_errors, user_by_email

audit_app = typer.Typer(help="The order audit trail (hash-chained).", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(email: str = typer.Option(..., "--email", help="the user's e-mail")) -> None:
    """Recompute every entry's hash and follow every link; name the first entry changed or
    removed (exit status 1 then)."""
    from tradertape.services.audit import trail

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        verdict = trail.verify(db, user_id=user.id)
    if verdict.broken is None:
        console.print(f"audit trail of {email}: {verdict.entries} entries, whole")
        return
    broken = verdict.broken
    console.print(f"audit trail of {email}: broken at entry {broken.seq}: {broken.reason}")
    raise typer.Exit(1)

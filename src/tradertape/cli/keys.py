"""`keys …` (agent API keys) and `tokens …` (worker tokens)."""

from __future__ import annotations

import typer
from rich.table import Table

from tradertape.cli.common import build_runtime, console, service_errors, user_by_email
from tradertape.domain.worker_access import DEFAULT_SCOPE

keys_app = typer.Typer(help="Agent API keys (zt_…).", no_args_is_help=True)
tokens_app = typer.Typer(help="Worker tokens (kwa_…).", no_args_is_help=True)

EMAIL = typer.Option(..., "--email", help="the owner's e-mail")


@keys_app.command("create")
def keys_create(
    email: str = EMAIL,
    name: str = typer.Option("agent", "--name"),
    scope: list[str] = typer.Option(["agent"], "--scope", help="repeatable"),
) -> None:
    """Create an agent key and print it (once)."""
    from tradertape.services.accounts import agent_keys

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        issued = agent_keys.create(
            db, clock=runtime.clock, user_id=user.id, name=name, scopes=scope
        )
        console.print(f"key {issued.row.id} for {user.email}; store it now, it is not shown again:")
        console.print(issued.secret, soft_wrap=True)


@keys_app.command("list")
def keys_list(email: str = EMAIL) -> None:
    """List a user's agent keys (masked)."""
    from tradertape.services.accounts import agent_keys
    from tradertape.services.accounts.bearer import masked

    runtime = build_runtime()
    table = Table("id", "name", "key", "scopes", "created", "last used", "state")
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        for row in agent_keys.keys.list_for(db, user_id=user.id, limit=500, offset=0):
            table.add_row(
                str(row.id),
                row.name,
                masked(row),
                ",".join(row.scopes),
                f"{row.created_at:%Y-%m-%d}",
                f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "",
                "revoked" if row.revoked_at else "active",
            )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: int, email: str = EMAIL) -> None:
    """Revoke an agent key."""
    from tradertape.services.accounts import agent_keys

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        agent_keys.keys.revoke(db, clock=runtime.clock, user_id=user.id, row_id=key_id)
        console.print(f"key {key_id} revoked")


@keys_app.command("regenerate")
def keys_regenerate(key_id: int, email: str = EMAIL) -> None:
    """Give an agent key a new secret and print it (once)."""
    from tradertape.services.accounts import agent_keys

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        issued = agent_keys.keys.regenerate(db, clock=runtime.clock, user_id=user.id, row_id=key_id)
        console.print(issued.secret, soft_wrap=True)


@tokens_app.command("create")
def tokens_create(
    email: str = EMAIL,
    name: str = typer.Option(..., "--name"),
    account_scope: str = typer.Option(
        DEFAULT_SCOPE, "--scope", help="kite:<account id>; the SDK's default is kite:paper-a"
    ),
    mode: list[str] = typer.Option(["paper", "dry_run"], "--mode", help="repeatable"),
    action: list[str] | None = typer.Option(None, "--action", help="repeatable; default set"),
    template: list[str] | None = typer.Option(None, "--template", help="repeatable"),
) -> None:
    """Create a worker token and print it (once)."""
    from tradertape.domain.worker_access import DEFAULT_ACTIONS
    from tradertape.services.accounts import worker_tokens

    runtime = build_runtime()
    spec = worker_tokens.TokenSpec(
        name=name,
        account_scope=account_scope,
        allowed_modes=mode,
        allowed_actions=action or DEFAULT_ACTIONS,
        allowed_templates=template or (),
    )
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        issued = worker_tokens.create(db, clock=runtime.clock, user_id=user.id, spec=spec)
        console.print(f"token {issued.row.id}; store it now, it is not shown again:")
        console.print(issued.secret, soft_wrap=True)


@tokens_app.command("list")
def tokens_list(email: str = EMAIL) -> None:
    """List a user's worker tokens (masked)."""
    from tradertape.services.accounts import worker_tokens
    from tradertape.services.accounts.bearer import masked

    runtime = build_runtime()
    table = Table("id", "name", "token", "scope", "modes", "created", "state")
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        for row in worker_tokens.tokens.list_for(db, user_id=user.id, limit=500, offset=0):
            table.add_row(
                row.id,
                row.name,
                masked(row),
                row.account_scope,
                ",".join(row.allowed_modes),
                f"{row.created_at:%Y-%m-%d}",
                "revoked" if row.revoked_at else "active",
            )
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str, email: str = EMAIL) -> None:
    """Revoke a worker token."""
    from tradertape.services.accounts import worker_tokens

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        worker_tokens.tokens.revoke(db, clock=runtime.clock, user_id=user.id, row_id=token_id)
        console.print(f"token {token_id} revoked")


@tokens_app.command("regenerate")
def tokens_regenerate(token_id: str, email: str = EMAIL) -> None:
    """Give a worker token a new secret and print it (once)."""
    from tradertape.services.accounts import worker_tokens

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        user = user_by_email(db, email)
        issued = worker_tokens.tokens.regenerate(
            db, clock=runtime.clock, user_id=user.id, row_id=token_id
        )
        console.print(issued.secret, soft_wrap=True)

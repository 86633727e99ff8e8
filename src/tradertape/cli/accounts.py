"""`db …`, `user …` and `outbox`."""

from __future__ import annotations

import typer
from rich.table import Table

from tradertape.cli.common import build_runtime, console, service_errors, user_by_email

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""
    from tradertape.db.migrate import current_revision, upgrade

    runtime = build_runtime(schema=False)
    upgrade(runtime.db.engine)
    console.print(f"database at revision {current_revision(runtime.db.engine)}")


@user_app.command("create")
def user_create(
    email: str = typer.Option(..., "--email", help="e-mail address (the login)"),
    password: str | None = typer.Option(None, "--password", help="omit for magic-link only"),
    admin: bool = typer.Option(False, "--admin", help="make the user an admin"),
) -> None:
    """Create a user."""
    from tradertape.domain.money import inr
    from tradertape.services.accounts.users import create_user

    runtime = build_runtime()
    balance = runtime.settings.paper_opening_balance
    with service_errors(), runtime.db.session() as db:
        user = create_user(
            db,
            clock=runtime.clock,
            email=email,
            password=password,
            is_admin=admin,
            opening_balance=balance,
        )
        console.print(f"created user {user.id} {user.email}" + (" (admin)" if admin else ""))
        if balance > 0:
            console.print(f"paper account opened with {inr(balance)}", highlight=False)


@user_app.command("set-password")
def user_set_password(
    email: str = typer.Option(..., "--email"),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True),
) -> None:
    """Set or replace a user's password."""
    from tradertape.services.accounts.users import set_password

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        set_password(db, user=user_by_email(db, email), password=password)
        console.print("password updated")


@user_app.command("deposit")
def user_deposit(
    email: str = typer.Option(..., "--email"),
    amount: str = typer.Option(..., "--amount", help="rupees, e.g. 500000 or 2500.50"),
) -> None:
    """Add money to a user's paper account (as `POST /api/portfolio/funds` does)."""
    from decimal import Decimal, InvalidOperation

    from tradertape.domain.decimal_input import parse_decimal
    from tradertape.domain.money import inr, paise
    from tradertape.errors import InvalidField
    from tradertape.oms import BROKER, cash_balance

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        try:
            value = parse_decimal(amount)  # ASCII digits only, as the API reads numbers
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value != paise(value):
            raise InvalidField("amount", "must be rupees with at most two decimals")
        user = user_by_email(db, email)
        runtime.orders.deposit(db, user_id=user.id, amount=value, note="added via CLI")
        cash = cash_balance(db, user_id=user.id, broker=BROKER)
        console.print(f"deposited {inr(value)}; cash is now {inr(cash)}", highlight=False)


@user_app.command("list")
def user_list() -> None:
    """List users (people: a worker replay's own account is not listed)."""
    from sqlalchemy import select

    from tradertape.db.models import User
    from tradertape.services.accounts.users import people

    runtime = build_runtime()
    table = Table("id", "email", "admin", "class 0 (secrets in the cloud)", "created", "last login")
    with runtime.db.session() as db:
        for user in db.scalars(select(User).where(people()).order_by(User.id)):
            table.add_row(
                str(user.id),
                user.email,
                "yes" if user.is_admin else "",
                "yes" if user.cloud_secrets_allowed else "",
                f"{user.created_at:%Y-%m-%d %H:%M}",
                f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "",
            )
    console.print(table if table.rows else "no users yet: `tradertape user create --email EMAIL`")


def outbox(
    to: str | None = typer.Option(None, "--to", help="only mail to this address"),
    limit: int = typer.Option(5, "--limit", min=1, max=100),
) -> None:
    """Show recent outgoing mail (login links and codes when no SMTP is set up)."""
    runtime = build_runtime()
    with runtime.db.session() as db:
        mails = runtime.outbox.read(db, to=to.lower() if to else None, limit=limit)
    if not mails:
        console.print("outbox is empty")
    for mail in mails:
        console.rule(f"#{mail.id} to {mail.to} at {mail.created_at:%Y-%m-%d %H:%M:%S} UTC")
        console.print(f"[bold]{mail.subject}[/bold]")
        console.print(mail.body, soft_wrap=True, markup=False, highlight=False)

"""The `tradertape` command: a thin shell over services; heavy imports happen inside commands."""

from __future__ import annotations

import typer

from tradertape.cli import (
    accounts,
    audit,
    backtest,
    data,
    fake_broker,
    instruments,
    keys,
    market_calendar,
    mcp,
    server,
)

app = typer.Typer(
    name="tradertape",
    help="TraderTape: backtests, model portfolios and workers for Indian markets.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
server.register(app)
mcp.register(app)
backtest.register(app)
app.add_typer(accounts.db_app, name="db")
app.add_typer(accounts.user_app, name="user")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(keys.tokens_app, name="tokens")
app.add_typer(instruments.instruments_app, name="instruments")
app.add_typer(data.data_app, name="data")
app.add_typer(market_calendar.calendar_app, name="calendar")
app.add_typer(audit.audit_app, name="audit")
app.command("outbox")(accounts.outbox)
app.command("fake-broker")(fake_broker.fake_broker)


def main() -> None:
    """Entry point of the console script."""
    app()

"""`fake-broker <broker>`: serve a broker's fake (`fakebrokers.FAKES`) on loopback (tests,
demos)."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import typer

from tradertape.cli.common import console
from tradertape.domain.brokers import listed
from tradertape.fakebrokers import FAKES

BROKER = typer.Argument(..., help=listed(names=True))
PORT = typer.Option(9100, "--port", help="port to listen on")
HOST = typer.Option("127.0.0.1", "--host", help="interface to bind")
WALK = typer.Option(
    None, "--walk", help="kite: move every price by itself every SECONDS (demos)", min=0.05
)


def fake_broker(
    broker: str = BROKER, port: int = PORT, host: str = HOST, walk: float | None = WALK
) -> None:
    """Serve the fake of `broker`: its REST routes as its SDK calls them, and its login page."""
    import uvicorn

    if broker not in FAKES:
        raise typer.BadParameter(f"choose one of {', '.join(FAKES)}", param_hint="BROKER")
    module = importlib.import_module(FAKES[broker])
    if walk is not None and broker != "kite":
        raise typer.BadParameter("only the kite fake walks its prices", param_hint="--walk")
    options: dict[str, Any] = {} if walk is None else {"walk_secs": walk}
    if broker == "kite":  # every symbol the demo trades, at the demo's prices
        from tradertape.demo import fake_kite_instruments

        options["instruments"] = fake_kite_instruments(datetime.now(UTC))
    app = module.create_app(**options)
    console.print(f"fake {broker} on http://{host}:{port}")
    if broker == "kite":
        console.print(f"its ticker on ws://{host}:{port}/ws")
    if broker == "upstox":
        console.print(
            f"its market data feed via http://{host}:{port}/v3/feed/market-data-feed/authorize"
        )
    uvicorn.run(app, host=host, port=port, log_level="warning")

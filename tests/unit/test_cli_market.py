"""What `serve` and `demo` print about the market feed."""

from __future__ import annotations

import pytest

from tradertape.cli.server import _market_line
from tradertape.settings import Settings


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"feed": "none"}, "no feed", id="none"),
        pytest.param({"feed": "kite"}, "Kite ticker at wss://ws.kite.trade", id="kite"),
        pytest.param(
            {"feed": "upstox"}, "Upstox market data feed via https://api.upstox.com", id="upstox"
        ),
        pytest.param({}, "simulated, NSE hours, speed 1x", id="serve"),
        pytest.param(
            {"demo_mode": True, "feed_speed": 60},
            "simulated, around the clock (replays outside NSE hours), speed 60x",
            id="demo",
        ),
    ],
)
def test_the_market_line(overrides: dict[str, object], expected: str):
    settings = Settings(secret_key="k" * 40, _env_file=None, **overrides)  # type: ignore[arg-type]
    assert _market_line(settings).startswith(expected)

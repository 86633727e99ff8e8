"""Two installations on one Redis never hear each other; two processes of one do.

Redis pub/sub ignores the database number, so the bus's channel namespace, derived from each
installation's database (`bus.namespace`), is what keeps a second desk's workers from quoting
the first desk's prices.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.market import REDIS_URL, receive, redis_up
from tradertape.bus import make_bus
from tradertape.ports.bus import EventBus
from tradertape.settings import Settings

pytestmark = pytest.mark.anyio


def _install(data_dir: Path, namespace: str | None = None) -> Settings:
    return Settings(
        data_dir=data_dir,
        redis_url=REDIS_URL,
        redis_namespace=namespace,
        secret_key="k" * 40,
        _env_file=None,
    )


@pytest.fixture
async def buses(tmp_path: Path) -> AsyncIterator[dict[str, EventBus]]:
    """`first` and `first_again` share a database (two processes of one installation);
    `second` is another installation on the same Redis."""
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    made = {
        "first": make_bus(_install(tmp_path / "first")),
        "first_again": make_bus(_install(tmp_path / "first")),
        "second": make_bus(_install(tmp_path / "second")),
    }
    yield made
    for bus in made.values():
        await bus.close()


async def test_a_tick_reaches_its_own_installation_only(buses: dict[str, EventBus]):
    own = await buses["first_again"].subscribe("ticks.*")
    other = await buses["second"].subscribe("ticks.*")
    await buses["first"].publish("ticks.NSE:INFY", {"ltp": "1500.00"})
    # The second installation's own tick, published after: if the first's had crossed over,
    # it would arrive first (Redis delivers in the order it received the publishes).
    await buses["second"].publish("ticks.NSE:INFY", {"ltp": "1.00"})
    assert await receive(own) == ("ticks.NSE:INFY", {"ltp": "1500.00"})
    assert await receive(other) == ("ticks.NSE:INFY", {"ltp": "1.00"})
    await own.close()
    await other.close()


async def test_a_configured_namespace_joins_installations(tmp_path: Path):
    if not redis_up():
        pytest.skip(f"no Redis at {REDIS_URL}")
    one = make_bus(_install(tmp_path / "a", namespace="desk-7"))
    two = make_bus(_install(tmp_path / "b", namespace="desk-7"))
    subscription = await two.subscribe("orders.*")
    await one.publish("orders.u1", {"id": 1})
    assert await receive(subscription) == ("orders.u1", {"id": 1})
    await subscription.close()
    await one.close()
    await two.close()

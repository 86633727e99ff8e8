"""The feed package's types import with the standard library alone (the agent has no server)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import tradertape_brokers.upstox_feed
import tradertape_brokers.upstox_feed.client  # websockets and protobuf only once it connects
heavy = ("tradertape", "fastapi", "starlette", "upstox_client", "google", "websockets")
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
"""


def test_upstox_feed_needs_no_server_or_sdk_until_it_connects():
    out = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"

"""The ticker package imports with the standard library alone (the local agent has no server)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import tradertape_brokers.kite_ticker
import tradertape_brokers.kite_ticker.client  # needs websockets only once it connects
heavy = ("tradertape", "fastapi", "starlette", "kiteconnect", "websockets", "pydantic")
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
"""


def test_kite_ticker_needs_no_server_or_sdk():
    out = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"

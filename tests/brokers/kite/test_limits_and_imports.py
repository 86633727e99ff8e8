"""The Kite adapter's pacing (no sleeping: an injected clock) and its import isolation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.brokers.kite.conftest import Sleeps
from tradertape_brokers.kite import KITE_LIMITS, RateLimiter
from tradertape_brokers.pacing import Ceiling


def test_the_eleventh_order_in_a_second_waits_for_the_window(sleeps: Sleeps):
    limiter = RateLimiter(KITE_LIMITS, monotonic=sleeps.monotonic, sleep=sleeps.sleep)
    for _ in range(10):
        limiter.acquire("orders")
    assert sleeps.waits == []

    limiter.acquire("orders")

    assert sleeps.waits == [1.0]


def test_quotes_go_one_a_second_and_history_three(sleeps: Sleeps):
    assert (KITE_LIMITS["quote"], KITE_LIMITS["historical"]) == ((Ceiling(1),), (Ceiling(3),))
    limiter = RateLimiter(KITE_LIMITS, monotonic=sleeps.monotonic, sleep=sleeps.sleep)
    limiter.acquire("quote")
    sleeps.t += 0.25
    limiter.acquire("quote")
    for _ in range(3):
        limiter.acquire("historical")
    assert sleeps.waits == [0.75]  # the quote waited out its second; history had room
    limiter.acquire("historical")
    assert sleeps.waits == [0.75, 1.0]
    limiter.acquire("orders")  # buckets are independent
    assert sleeps.waits == [0.75, 1.0]


def test_importing_the_kite_adapter_needs_no_server_packages():
    probe = (
        "import sys, tradertape_brokers.kite\n"
        "bad = [m for m in ('tradertape', 'fastapi', 'sqlalchemy') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


def test_a_bucket_nobody_configured_is_an_error_not_unlimited(sleeps: Sleeps):
    limiter = RateLimiter(KITE_LIMITS, monotonic=sleeps.monotonic, sleep=sleeps.sleep)
    with pytest.raises(KeyError):
        limiter.acquire("ordres")

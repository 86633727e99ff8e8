"""The agent paces Kite at seed 000's 3 requests a second over all its calls (its poll loop
and its UI's reads share one pacer per API key), beneath Kite's own per-bucket ceilings."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.agent.e2e_kit import ROOT
from tests.brokers.kite.conftest import Fake, Sleeps
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tradertape_agent.config import Config
from tradertape_agent.sessions import PACE, load_brokers, paced, pacer

BUCKETS = ("orders", "quote", "historical", "other")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(BUCKETS), min_size=1, max_size=40))
def test_no_second_holds_more_than_three_kite_requests(calls: list[str]):
    sleeps = Sleeps()
    limiter = paced("kite", PACE["kite"], monotonic=sleeps.monotonic, sleep=sleeps.sleep)
    sent = []
    for bucket in calls:
        limiter.acquire(bucket)
        sent.append(sleeps.monotonic())
    for i, at in enumerate(sent):  # any window of one second from a request on
        assert sum(1 for t in sent[i:] if t - at < 1.0) <= 3
    quotes = [t for t, b in zip(sent, calls, strict=True) if b == "quote"]
    assert all(b - a >= 1.0 for a, b in zip(quotes, quotes[1:], strict=False))  # Kite's own 1/s


def test_nine_reads_take_at_least_two_seconds():
    sleeps = Sleeps()
    limiter = paced("kite", 3, monotonic=sleeps.monotonic, sleep=sleeps.sleep)
    for _ in range(9):
        limiter.acquire("other")
    assert sleeps.monotonic() >= 2.0


def test_the_loaded_kite_adapter_and_its_reload_share_one_pacer(fake: Fake):
    config = Config(
        kite_api_key=DEFAULT_API_KEY,
        kite_api_secret=DEFAULT_API_SECRET,
        kite_access_token=fake.login().access_token,
        kite_root=fake.url,
    )
    first = load_brokers(config).brokers["kite"]
    again = load_brokers(config).brokers["kite"]  # a login reloads the adapter
    assert first._limiter is again._limiter is pacer("kite", DEFAULT_API_KEY)
    assert [w.ceiling.requests for w in first._limiter._total] == [3]
    assert pacer("upstox", "k")._total == []  # Upstox: its own published ceilings


def test_the_agent_loads_kites_rest_client_without_its_twisted_ticker():
    """The agent streams no ticks: kiteconnect's Twisted ticker is stood in for, so a start
    costs a third of a second less CPU; the REST client the adapter uses is the real one."""
    script = (
        "import sys\n"
        "from tradertape_agent.sessions import skip_kite_ticker\n"
        "skip_kite_ticker()\n"
        "from kiteconnect import KiteConnect, KiteTicker\n"
        "from tradertape_brokers.kite import KiteBroker\n"
        "assert 'twisted' not in sys.modules, 'twisted was imported'\n"
        "assert KiteConnect.__module__ == 'kiteconnect.connect'\n"
        "try:\n"
        "    KiteTicker('k', 't')\n"
        "except RuntimeError as exc:\n"
        "    print(exc)\n"
    )
    paths = os.pathsep.join(str(ROOT / p) for p in ("agent/src", "brokers/python/src"))
    done = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": paths},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "streams no Kite ticks" in done.stdout

"""GET /api/market/feed: the feed's state and tick age (`feed.watchdog`), and the notice a
quiet feed leaves the admins once per spell."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.feed.watchdog import FeedHealth, FeedStatus
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.market.feed_notice import stale_notice


def test_requires_sign_in(client: TestClient):
    assert client.get("/api/market/feed").status_code == 401


def test_no_feed_in_this_process_is_down(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")

    answer = client.get("/api/market/feed")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "source": runtime.settings.feed,
        "state": "down",
        "last_tick_age_secs": None,
        "subscriptions": 0,
        "stale_after_secs": 10.0,
        "reconnects": 0,
        "filling_from": None,  # no broker feed here to fill from its REST quote
        "last_fill_age_secs": None,
        "report_age_secs": None,  # nobody reported running the feed
    }


def test_a_quiet_feed_tells_the_admins(client: TestClient, runtime: Runtime, clock: ManualClock):
    sign_in(client, runtime, "admin@x.in", admin=True)
    status = FeedStatus("kite", FeedHealth.STALE, 12.0, 50, 10.0, 0)

    stale_notice(runtime.db, clock)(status)

    [note] = client.get("/api/notifications").json()
    assert note["kind"] == "feed_stale"
    assert note["text"].startswith("📡 Kite feed: no tick since 12 s ago in market hours.")

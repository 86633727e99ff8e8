"""The agent's outbox against a fake cloud: a result the cloud does not take now is sent
again, later each time, across restarts; one it refuses for good is kept, logged and shown,
never dropped silently; a newer snapshot replaces a waiting one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.agent.cloud_kit import FakeCloud, entry_signal
from tests.agent.conftest import Agents
from tests.brokers.kite.conftest import Fake
from tradertape.ports.clock import ManualClock
from tradertape_agent.cli import status
from tradertape_agent.config import save
from tradertape_agent.outbox import BACKOFF_MAX_SECS, backoff
from tradertape_agent.ui.views import Views


def outcomes(cloud: FakeCloud) -> list[tuple[int, str, str]]:
    return [(r["signal_id"], r["leg"], r["outcome"]) for r in cloud.results]


def active_gtts(fake: Fake) -> list[dict[str, Any]]:
    return [g for g in fake.kite.book.gtts.values() if g["status"] == "active"]


def test_backoff_doubles_from_15_seconds_to_a_15_minute_ceiling():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [15, 30, 60, 120]
    assert backoff(30) == timedelta(seconds=BACKOFF_MAX_SECS) == timedelta(minutes=15)


def test_a_result_the_cloud_cannot_take_now_is_sent_again_after_its_backoff_and_a_restart(
    agents: Agents, cloud: FakeCloud, fake: Fake, clock: ManualClock
):
    cloud.signals = [entry_signal(1)]
    cloud.result_answers = [503, 503]
    first = agents.new()

    report = first.cycle()

    assert len(active_gtts(fake)) == 1  # placed at the broker once
    assert cloud.results == []
    assert cloud.result_requests == 1
    assert any("entry of signal 1 placed not delivered yet" in e for e in report.errors)
    [waiting] = first.outbox.messages("waiting")
    assert (waiting.attempts, waiting.body["outcome"]) == (1, "placed")
    stamped = waiting.body["at"]

    first.cycle()  # within its 15 s back-off: not sent
    assert cloud.result_requests == 1
    clock.advance(timedelta(seconds=15))
    first.cycle()  # due: sent, 503 again (now 30 s)
    assert cloud.result_requests == 2
    first.journal.close()  # the agent stops

    clock.advance(timedelta(seconds=30))
    after = agents.new()  # a restart: the outbox is on disk
    after.cycle()

    assert outcomes(cloud) == [(1, "entry", "placed")]
    assert cloud.results[0]["at"] == stamped  # when it happened, not when it went
    assert after.outbox.messages("waiting") == []
    assert len(active_gtts(fake)) == 1
    assert sum("not delivered" in line for line in agents.lines) == 1  # said once


def test_a_result_the_cloud_refuses_for_good_is_kept_logged_and_shown_not_sent_again(
    agents: Agents, cloud: FakeCloud, fake: Fake, clock: ManualClock, config_file: Path
):
    cloud.signals = [entry_signal(2)]
    cloud.result_answers = [422]
    agent = agents.new()

    report = agent.cycle()

    assert report.undelivered == ["tt2e:placed"]
    assert any(
        "the cloud refused entry of signal 2 placed for good" in line
        and "answered 422 by the test" in line
        for line in agents.lines
    )
    clock.advance(timedelta(hours=1))
    agent.cycle()
    assert cloud.result_requests == 1  # never again
    [refused] = agent.outbox.messages("refused")
    assert "answered 422 by the test" in (refused.answer or "")

    shown = Views(agent).status()["outbox"]
    assert shown["waiting"] == []
    assert [r["what"] for r in shown["refused"]] == ["entry of signal 2 placed"]
    assert "answered 422" in shown["refused"][0]["answer"]

    said: list[str] = []
    save(agents.config, config_file)  # the settings beside the journal the agents share
    status(config_file, said.append)
    assert "Outbox: 0 waiting for the cloud" in said
    assert any(line.startswith("Refused by the cloud: entry of signal 2 placed") for line in said)


def test_the_results_of_one_signal_go_in_order_behind_one_that_failed(
    agents: Agents, cloud: FakeCloud, fake: Fake, clock: ManualClock
):
    """A stop placed before the cloud heard of the entry's fill would be refused (409): the
    stop's result waits for the fill's."""
    cloud.signals = [entry_signal(3)]
    agent = agents.new()
    agent.cycle()  # placed, delivered
    fake.price("NSE:INFY", 1516)  # fills the BUY; the agent places the stop
    cloud.result_answers = [503]
    agent.cycle()

    assert outcomes(cloud) == [(3, "entry", "placed")]
    waiting = [m.key for m in agent.outbox.messages("waiting")]
    assert waiting[0] == "tt3e:filled"
    assert "tt3s:placed" in waiting

    clock.advance(timedelta(seconds=15))
    agent.cycle()
    assert outcomes(cloud) == [
        (3, "entry", "placed"),
        (3, "entry", "filled"),
        (3, "stop", "placed"),
    ]


def test_no_answer_at_all_keeps_every_snapshot_and_the_newest_replaces_a_waiting_one(
    agents: Agents, cloud: FakeCloud, fake: Fake, clock: ManualClock
):
    agent = agents.new()
    agent.cycle()  # the cloud says its obfuscation switch: off
    assert len(cloud.holdings) == 1
    real = agent.cloud._http._transport  # the fake cloud

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    agent.cloud._http._transport = httpx.MockTransport(unreachable)
    agent.cycle()
    agent.cycle()
    kinds = sorted(m.key for m in agent.outbox.messages("waiting"))
    assert kinds == ["holdings:kite", "positions:kite"]  # one each: the newest

    agent.cloud._http._transport = real
    clock.advance(timedelta(minutes=15))
    agent.cycle()
    assert agent.outbox.messages("waiting") == []
    # the one queued while the cloud was down (replaced once), then this cycle's
    assert [h["broker"] for h in cloud.holdings] == ["kite", "kite", "kite"]

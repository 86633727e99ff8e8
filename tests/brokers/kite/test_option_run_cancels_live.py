"""An option run's exit (the user's, or a partial entry's unwind after Kite rejects a leg
it took) whose cancel Kite does not answer (issue 55): the entry leg still working stays
owed on the run's stored exit and is asked again with the basket unwind's back-off (3 s
doubling, one ``unwind_stuck`` notice at the third failure) until Kite cancels it; what
it fills meanwhile is bought back once; a restart still cancels it; nothing is sent
twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_chain_basket_live import _ticked
from tests.brokers.kite.test_live_option_runs import RUN, SPREAD, at_fake, live_option_run
from tests.workers_kit import Worker, set_price
from tradertape.db.models import Notification, WorkerOptionRun
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db

NIFTY = "NSE:NIFTY 50"


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _entered_with_a_resting_short(
    client: TestClient, runtime: Runtime, fake: Fake
) -> tuple[Worker, str, str, str]:
    """A spread whose long fills at Kite and whose short, a LIMIT at twice the market,
    rests there: the run is ``entering``. The long's and short's symbols, and the short's
    order id at Kite."""

    def resting(contract: dict[str, Any], side: str) -> dict[str, Any]:
        if side == "BUY":
            return {}
        return {"order_type": "LIMIT", "price": _ticked(Decimal(str(contract["ltp"])) * 2)}

    worker, (long, short) = live_option_run(client, runtime, fake, SPREAD, resting)
    entered = _ok(worker.call("POST", f"/options/runs/{RUN}/enter", json={}))
    assert entered["status"] == "entering"
    buy, sell = long["tradingsymbol"], short["tradingsymbol"]
    assert at_fake(fake) == [(buy, "BUY", 65, "COMPLETE"), (sell, "SELL", 65, "OPEN")]
    return worker, buy, sell, str(fake.state()["orders"][1]["order_id"])


def _exit_while_kite_refuses_cancels(worker: Worker, fake: Fake) -> dict[str, Any]:
    """The user exits while every cancel Kite is asked for fails (503): the long is sold,
    the short's cancel stays owed."""
    fake.fault("503", count=1000, method="DELETE", path_prefix="/orders")
    exited: dict[str, Any] = _ok(worker.call("POST", f"/options/runs/{RUN}/exit", json={}))
    assert exited["status"] == "exiting"
    return exited


def _clear_faults(fake: Fake) -> None:
    assert fake.http.delete(f"{fake.url}/_fake/faults").status_code == 200


def _owed(runtime: Runtime) -> list[str]:
    with runtime.db.session() as db:
        option = db.scalar(select(WorkerOptionRun))
        assert option is not None
        return list(option.exit["cancels"])


def _told(runtime: Runtime) -> list[str]:
    with runtime.db.session() as db:
        rows = db.scalars(select(Notification).where(Notification.kind == "unwind_stuck"))
        return [row.text for row in rows]


def test_a_cancel_kite_refuses_is_asked_again_after_its_back_off_until_it_lands(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
) -> None:
    """Asked at the exit (1st failure), then after 3 s and 6 s (the 3rd tells the owner,
    once); within each wait the timer asks nothing; once Kite answers, the next due pass
    cancels the short and the run is exited, with nothing sent twice."""
    worker, buy, sell, _ = _entered_with_a_resting_short(client, runtime, fake)
    _exit_while_kite_refuses_cancels(worker, fake)
    asked = 1000 - fake.kite.faults.left()  # one cancel: the adapter's own tries
    assert asked >= 1
    assert at_fake(fake) == [
        (buy, "BUY", 65, "COMPLETE"),
        (sell, "SELL", 65, "OPEN"),
        (buy, "SELL", 65, "COMPLETE"),  # the long exits at once
    ]
    with runtime.db.session() as db:
        option = db.scalar(select(WorkerOptionRun))
        assert option is not None
        owed = list(option.exit["cancels"])
    assert len(owed) == 1  # stored: the short's cancel is still owed

    def cancels_in(secs: float) -> int:
        """Move the clock on by `secs`, run the timer: the cancels it asked for."""
        before = fake.kite.faults.left()
        clock.advance(timedelta(seconds=secs))
        assert runtime.option_executions.on_timer() == ["exiting"]
        spent = before - fake.kite.faults.left()
        assert spent % asked == 0
        return spent // asked

    assert [cancels_in(s) for s in (0, 1, 1.5)] == [0, 0, 0]  # within 3 s: nothing
    assert cancels_in(0.5) == 1  # 2nd failure, then 6 s
    assert cancels_in(5.5) == 0
    assert cancels_in(0.5) == 1  # 3rd failure: the owner is told
    assert cancels_in(11.5) == 0
    assert cancels_in(0.5) == 1  # 4th: told no more
    told = _told(runtime)
    assert len(told) == 1
    assert "has not cancelled your sell of" in told[0]
    assert f"option run {RUN} is exiting" in told[0]
    assert _owed(runtime) == owed

    _clear_faults(fake)
    clock.advance(timedelta(seconds=23))
    assert runtime.option_executions.on_timer() == ["exiting"]  # 24 s after the 4th: not yet
    clock.advance(timedelta(seconds=1))
    assert runtime.option_executions.on_timer() == ["exited"]
    assert at_fake(fake) == [
        (buy, "BUY", 65, "COMPLETE"),
        (sell, "SELL", 65, "CANCELLED"),
        (buy, "SELL", 65, "COMPLETE"),
    ]
    state = _ok(worker.call("GET", f"/options/runs/{RUN}/state"))
    assert state["status"] == "exited"
    assert state["exit"]["cancelled"] == owed
    assert [leg["net_quantity"] for leg in state["legs"]] == [0, 0]
    assert runtime.option_executions.on_timer() == []  # followed no more: nothing sent
    assert len(fake.state()["orders"]) == 3


def test_a_short_that_fills_while_its_cancel_is_owed_is_bought_back_once(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
) -> None:
    """The short fills at Kite after its cancel failed (the hedge already sold): the next
    pass sees it filled, owes no cancel, and buys it back at market once."""
    worker, buy, sell, short_id = _entered_with_a_resting_short(client, runtime, fake)
    _exit_while_kite_refuses_cancels(worker, fake)
    price = float(fake.state()["orders"][1]["price"])
    fake.control("fill", {"order_id": short_id, "quantity": 65, "price": price})

    assert runtime.option_executions.on_timer() == ["exited"]
    assert at_fake(fake) == [
        (buy, "BUY", 65, "COMPLETE"),
        (sell, "SELL", 65, "COMPLETE"),
        (buy, "SELL", 65, "COMPLETE"),
        (sell, "BUY", 65, "COMPLETE"),  # the naked short bought back
    ]
    assert _owed(runtime) == []
    clock.advance(timedelta(minutes=10))
    assert runtime.option_executions.on_timer() == []
    state = _ok(worker.call("GET", f"/options/runs/{RUN}/state"))
    assert state["status"] == "exited"
    assert [leg["net_quantity"] for leg in state["legs"]] == [0, 0]
    assert len(fake.state()["orders"]) == 4


def test_a_restart_still_cancels_the_owed_leg_once(
    client: TestClient, runtime: Runtime, fake: Fake
) -> None:
    """The process stops with the short's cancel owed: the next one reads it from the
    run's stored exit, asks at once, and the run is exited; a second restart sends
    nothing."""
    worker, buy, sell, _ = _entered_with_a_resting_short(client, runtime, fake)
    _exit_while_kite_refuses_cancels(worker, fake)
    _clear_faults(fake)

    restarted = Runtime.build(runtime.settings, clock=runtime.clock, db=runtime.db)
    set_price(restarted, NIFTY, "25010")  # the feed's first tick: the contracts list again
    assert restarted.option_executions.on_timer() == ["exited"]
    assert at_fake(fake) == [
        (buy, "BUY", 65, "COMPLETE"),
        (sell, "SELL", 65, "CANCELLED"),
        (buy, "SELL", 65, "COMPLETE"),
    ]
    again = Runtime.build(runtime.settings, clock=runtime.clock, db=runtime.db)
    set_price(again, NIFTY, "25010")
    assert again.option_executions.on_timer() == []
    assert len(fake.state()["orders"]) == 3
    assert _told(runtime) == []  # one failure: nobody told


def test_a_late_refused_leg_unwinds_and_the_short_whose_cancel_failed_is_cancelled_later(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
) -> None:
    """A structure's put hedge rests, then Kite's RMS rejects it after taking it: the
    partial entry unwinds (the call long sold at once) while Kite answers no cancel of the
    resting short. The short stays owed and is cancelled once Kite answers, after its
    back-off; the run ends exited and nothing was sent twice."""

    def resting(contract: dict[str, Any], side: str) -> dict[str, Any]:
        if contract["option_type"] == "CE" and side == "BUY":
            return {}
        factor = Decimal(2) if side == "SELL" else Decimal("0.5")
        return {"order_type": "LIMIT", "price": _ticked(Decimal(str(contract["ltp"])) * factor)}

    sides = (
        ({"option_type": "CE", "offset": 0}, "BUY"),
        ({"option_type": "PE", "offset": 0}, "BUY"),
        ({"option_type": "CE", "offset": 2}, "SELL"),
    )
    worker, (call, put, short) = live_option_run(client, runtime, fake, sides, resting)
    entered = _ok(worker.call("POST", f"/options/runs/{RUN}/enter", json={}))
    assert entered["status"] == "entering"
    c, p, s = call["tradingsymbol"], put["tradingsymbol"], short["tradingsymbol"]
    assert at_fake(fake) == [
        (c, "BUY", 65, "COMPLETE"),
        (p, "BUY", 65, "OPEN"),
        (s, "SELL", 65, "OPEN"),
    ]
    fake.fault("503", count=1000, method="DELETE", path_prefix="/orders")
    fake.control("reject", {"order_id": fake.state()["orders"][1]["order_id"]})

    assert runtime.option_executions.on_timer() == ["exiting"]
    assert at_fake(fake) == [
        (c, "BUY", 65, "COMPLETE"),
        (p, "BUY", 65, "REJECTED"),
        (s, "SELL", 65, "OPEN"),  # its cancel was not answered: still owed
        (c, "SELL", 65, "COMPLETE"),  # the unwind
    ]
    assert len(_owed(runtime)) == 1

    _clear_faults(fake)
    clock.advance(timedelta(seconds=2))
    assert runtime.option_executions.on_timer() == ["exiting"]  # within its 3 s
    clock.advance(timedelta(seconds=1))
    assert runtime.option_executions.on_timer() == ["exited"]
    assert at_fake(fake)[2] == (s, "SELL", 65, "CANCELLED")
    assert len(fake.state()["orders"]) == 4
    state = _ok(worker.call("GET", f"/options/runs/{RUN}/state"))
    assert (state["status"], state["exit"]["reason"]) == ("exited", "unwind")
    assert [leg["net_quantity"] for leg in state["legs"]] == [0, 0, 0]


def test_an_exit_while_a_legs_send_is_unknown_waits_for_its_outcome(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
) -> None:
    """The entry's first leg was sent without an answer: an exit now owes its cancel
    (it may stand at Kite) rather than answering that nothing is open; the live sweep
    learns Kite never had it, and the next pass ends the exit, nothing sent."""
    worker, _ = live_option_run(client, runtime, fake, SPREAD)
    fake.fault("503", method="POST", path_prefix="/orders", count=4)
    entered = _ok(worker.call("POST", f"/options/runs/{RUN}/enter", json={}))
    assert entered["status"] == "entering"

    exited = _ok(worker.call("POST", f"/options/runs/{RUN}/exit", json={}))
    assert exited["status"] == "exiting"
    assert len(_owed(runtime)) == 1
    clock.advance(timedelta(seconds=31))
    with runtime.db.session() as db:  # the live sweep: Kite never had it, it is not resent
        assert runtime.live.resolve_unsent(db) == 1
    assert runtime.option_executions.on_timer() == ["exited"]
    assert _owed(runtime) == []
    assert fake.state()["orders"] == []

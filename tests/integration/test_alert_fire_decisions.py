"""One answer per alert fire (issue 66): confirm, dismiss and expiry of a held order are one
compare-and-set, so when they race exactly one wins and the others get a 409 saying what
became of the fire: an order is placed only when the confirm won, and a user told
"dismissed" never has it placed. Raced in threads on sessions of their own, lined up at a
barrier (no sleeps), on SQLite and again on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api.test_alerts import create, fires, tick
from tests.helpers import sign_in
from tradertape.db.models import AlertFire, Order
from tradertape.errors import Conflict
from tradertape.jobs.trading import trading_loop
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.alerts import firing
from tradertape.services.alerts.placing import Placer

pytestmark = pytest.mark.db

ROUNDS = 6


def held_fire(client: TestClient, runtime: Runtime) -> int:
    """A new fire of the signed-in user's confirm-to-trade alert, its order held."""
    loop = trading_loop(runtime)
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    held = [f for f in fires(client) if f["order_status"] == "awaiting"]
    assert len(held) == 1
    fire_id: int = held[0]["id"]
    return fire_id


def race(*moves: Callable[[], object]) -> list[str]:
    """Run the moves at once in threads; each one's outcome: "won" or the 409's words."""
    barrier = threading.Barrier(len(moves))
    outcomes = [""] * len(moves)

    def run(i: int) -> None:
        barrier.wait()
        try:
            moves[i]()
            outcomes[i] = "won"
        except Conflict as exc:
            outcomes[i] = str(exc.detail)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(moves))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_confirm_and_dismiss_sent_together_get_one_answer_each(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    user_id = sign_in(client, runtime, "alice@x.in")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    order = {"transaction_type": "BUY", "quantity": 1}
    create(client, order=order, order_action="confirm", confirm_within_mins=5, repeat="every")
    placer = Placer(runtime.orders, runtime.quotes)
    placed = 0
    for _ in range(ROUNDS):
        clock.advance(timedelta(minutes=10))  # past the cool-down: a new fire
        fire_id = held_fire(client, runtime)

        def approve(fire_id: int = fire_id) -> None:
            with runtime.db.session() as db:
                firing.confirm(db, placer, fire_id, clock=clock, user_id=user_id)

        def drop(fire_id: int = fire_id) -> None:
            with runtime.db.session() as db:
                firing.dismiss(db, fire_id, clock=clock, user_id=user_id)

        confirmed, dismissed = race(approve, drop)
        assert sorted([confirmed, dismissed]).count("won") == 1, (confirmed, dismissed)
        with runtime.db.session() as db:
            fire = db.get(AlertFire, fire_id)
            assert fire is not None
            orders = db.scalar(select(func.count()).select_from(Order))
        if confirmed == "won":
            placed += 1
            assert fire.order_status == "placed"
            assert dismissed == "this fire's order was approved and is being placed"
        else:
            assert fire.order_status == "dismissed"
            assert confirmed == "this fire was dismissed: its order was not placed"
        assert orders == placed  # an order only for a confirm that won


def test_a_confirm_racing_the_expiry_either_places_or_is_told_it_expired(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    user_id = sign_in(client, runtime, "alice@x.in")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    order = {"transaction_type": "BUY", "quantity": 1}
    create(client, order=order, order_action="confirm", confirm_within_mins=5)
    fire_id = held_fire(client, runtime)
    clock.advance(timedelta(minutes=5))  # the expiry is due now
    placer = Placer(runtime.orders, runtime.quotes)

    def approve() -> None:
        with runtime.db.session() as db:
            firing.confirm(db, placer, fire_id, clock=clock, user_id=user_id)

    def expire() -> None:
        with runtime.db.session() as db:
            firing.expire_due(db, clock.now())

    confirmed, _expired = race(approve, expire)
    assert confirmed == "this fire's order expired before it was approved: nothing was placed"
    assert fires(client)[0]["order_status"] == "expired"
    assert client.get("/api/portfolio/orders").json() == []


def test_the_loser_over_http_is_a_409_saying_what_happened(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    order = {"transaction_type": "BUY", "quantity": 1}
    create(client, order=order, order_action="confirm", confirm_within_mins=5)
    fire_id = held_fire(client, runtime)
    assert client.post(f"/api/alerts/fires/{fire_id}/dismiss").status_code == 200
    late = client.post(f"/api/alerts/fires/{fire_id}/confirm")
    assert late.status_code == 409
    assert late.json() == {"detail": "this fire was dismissed: its order was not placed"}
    again = client.post(f"/api/alerts/fires/{fire_id}/dismiss")
    assert again.status_code == 409
    sign_in(client, runtime, "bob@x.in")  # another user's fire: a 404, as a missing one
    assert client.post(f"/api/alerts/fires/{fire_id}/confirm").status_code == 404
    assert client.post(f"/api/alerts/fires/{fire_id}/dismiss").status_code == 404

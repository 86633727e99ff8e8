"""Results the agent reports cannot create money (issue 49): each follows the table of
`domain.agent_results` (409 and nothing moved otherwise), a fill books once, its price
and time are checked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_agent_api import _agent, _key, _near, _poll, _portfolio, _report, alice
from tests.api.test_model_api import _scan
from tradertape.domain.agent_results import TABLE, Held, Leg, Outcome, Refused, step
from tradertape.domain.signals import SignalStatus

__all__ = ["alice"]  # the fixture, shared

BOOK = ("current_capital", "committed_capital", "deployed_capital", "realised_pnl")


def _book(client: TestClient) -> tuple[Decimal, ...]:
    row = client.get("/api/model/portfolios").json()[0]
    return tuple(Decimal(row[k]) for k in BOOK)


def _setup(client: TestClient) -> tuple[TestClient, dict[str, str], dict[str, Any]]:
    portfolio = _portfolio(client)
    _scan(client, portfolio["id"])
    agent, key = _agent(client), _key(client)
    return agent, key, _poll(agent, key)["signals"][0]


def test_a_filled_entry_frees_no_earmark_afterwards(alice: TestClient):
    agent, key, signal = _setup(alice)
    sid = signal["signal_id"]
    filled = _report(agent, key, signal_id=sid, outcome="filled", fill_price=_near(signal))
    assert filled.status_code == 200, filled.text
    book = _book(alice)
    for end in ("cancelled", "expired", "failed", "rejected", "cancelled", "placed"):
        late = _report(agent, key, signal_id=sid, outcome=end)
        assert late.status_code == 409, late.text
        assert "executed" in late.json()["detail"]
    assert _book(alice) == book
    assert _book(alice)[1] == 0  # committed capital


def test_a_closed_position_never_reopens_and_its_sale_is_paid_once(alice: TestClient):
    agent, key, signal = _setup(alice)
    sid = signal["signal_id"]
    _report(agent, key, signal_id=sid, outcome="filled", fill_price=_near(signal))
    (position,) = alice.get("/api/model/positions").json()
    assert alice.post(f"/api/model/positions/{position['id']}/close").status_code == 200
    (exit_,) = [s for s in _poll(agent, key)["signals"] if s["signal_type"] == "exit"]
    eid = exit_["signal_id"]
    assert _report(agent, key, signal_id=eid, outcome="placed").status_code == 200
    stop = {
        "signal_id": sid,
        "leg": "stop",
        "outcome": "filled",
        "fill_price": _near(signal, "0.9"),
    }
    assert _report(agent, key, **stop).status_code == 200
    closed = _book(alice)
    rejected = _report(agent, key, signal_id=eid, outcome="rejected", reason="user")
    assert rejected.status_code == 200, rejected.text  # the exit is let go...
    (after,) = alice.get("/api/model/positions").json()
    assert after["status"] == "closed"  # ...and its position stays closed
    assert _book(alice) == closed
    again = _report(agent, key, **stop)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    other = _report(agent, key, **stop | {"fill_price": _near(signal, "0.91")})
    assert other.status_code == 409
    late_exit = _report(agent, key, signal_id=eid, outcome="filled", fill_price=_near(exit_))
    assert late_exit.status_code == 409
    exit_stop = _report(agent, key, **stop | {"signal_id": eid, "outcome": "cancelled"})
    assert exit_stop.status_code == 409  # an exit has no stop of its own
    assert _book(alice) == closed
    assert Decimal(alice.get("/api/model/portfolios").json()[0]["deployed_capital"]) == 0


def test_a_repeated_fill_books_once_and_another_price_is_refused(alice: TestClient):
    agent, key, signal = _setup(alice)
    fill = {"signal_id": signal["signal_id"], "outcome": "filled", "fill_price": _near(signal)}
    assert _report(agent, key, **fill).json()["duplicate"] is False
    book = _book(alice)
    again = _report(agent, key, **fill)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    counted = _report(agent, key, **fill | {"filled_quantity": signal["quantity"]})
    assert (counted.status_code, counted.json()["duplicate"]) == (200, True)
    fewer = _report(agent, key, **fill | {"filled_quantity": signal["quantity"] - 1})
    assert fewer.status_code == 409
    other = _report(agent, key, **fill | {"fill_price": _near(signal, "1.01")})
    assert other.status_code == 409
    assert "booked once" in other.json()["detail"]
    assert _book(alice) == book


def test_an_absurd_fill_price_or_time_is_422_naming_it_and_books_nothing(alice: TestClient):
    agent, key, signal = _setup(alice)
    near = Decimal(_near(signal))
    book = _book(alice)
    for price, why in (
        ("0.0001", "not on the tick"),
        ("9999999999.9999", "not on the tick"),
        (_near(signal, "3"), "outside the price band"),
        (_near(signal, "0.5"), "outside the price band"),
        (near + Decimal("0.0001"), "not on the tick"),
    ):
        body = {"signal_id": signal["signal_id"], "outcome": "filled", "fill_price": str(price)}
        bad = _report(agent, key, **body)
        assert bad.status_code == 422, bad.text
        assert bad.json()["detail"][0]["field"] == "fill_price"
        assert why in bad.text
    for at, why in (
        ("9999-12-31T23:59:59Z", "after the latest time a result may carry"),
        ("9999-12-31T23:59:59-05:00", "after the latest time a result may carry"),
        ("0001-01-01T00:00:00Z", "before the earliest time a result may carry"),
        ("0001-01-01T00:00:00+05:30", "before the earliest time a result may carry"),
        ("2090-01-01T04:00:00Z", "after the latest time a result may carry"),
        ("2025-06-01T04:00:00Z", "before the earliest time a result may carry"),
    ):
        for outcome in ("placed", "filled"):
            body = {"signal_id": signal["signal_id"], "outcome": outcome, "at": at}
            bad = _report(agent, key, **body, fill_price=str(near))
            assert bad.status_code == 422, bad.text
            assert bad.json()["detail"][0]["field"] == "at"
            assert why in bad.text
    assert _book(alice) == book
    assert alice.get("/api/model/positions").json() == []


def test_every_result_is_in_the_table_or_refused():
    for leg, status, held, outcome in (
        (leg, status, held, outcome)
        for leg in Leg
        for status in SignalStatus
        for held in Held
        for outcome in Outcome
    ):
        try:
            found = step(leg, status, held, outcome)
        except Refused:
            assert (leg, status, held, outcome) not in TABLE
        else:
            assert TABLE[leg, status, held, outcome] is found
    # nothing leaves a closed position but clearing its stop's id
    assert {s.value for k, s in TABLE.items() if k[2] is Held.CLOSED} <= {
        "disarm",
        "let_go",
        "reject",
    }
    assert all(k[1] is SignalStatus.EXECUTED for k in TABLE if k[0] is Leg.STOP)

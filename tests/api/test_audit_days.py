"""The audit trail's ``day`` is a day a trail can hold, written as one (issue 66):
``9999-12-31`` and ``0001-01-01`` were 500s (no day after or before them to bound the
range), and ``day=0`` was read as 1970-01-01."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1989-12-31", "2100-01-01"])
@pytest.mark.parametrize("route", ["/api/audit/entries", "/api/audit/export"])
def test_a_day_no_trail_can_hold_is_a_422_naming_it(
    client: TestClient, runtime: Runtime, route: str, day: str
):
    sign_in(client, runtime, "a@x.in")
    answer = client.get(route, params={"day": day})
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["field"] == "day"
    assert "1990-01-01 to 2099-12-31" in problem["msg"]


@pytest.mark.parametrize("day", ["0", "1700000000", "2026-1-5", "20261105", "2026-02-30", "today"])
def test_a_day_not_written_as_a_day_is_a_422(client: TestClient, runtime: Runtime, day: str):
    sign_in(client, runtime, "a@x.in")
    answer = client.get("/api/audit/entries", params={"day": day})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "day"


def test_a_day_of_the_trail_is_read(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    day = runtime.clock.now().date().isoformat()
    assert client.get("/api/audit/entries", params={"day": day}).json() == []
    exported = client.get("/api/audit/export", params={"day": day}).json()
    assert exported["filename"] == f"audit-{day}.csv"

"""A corpus of hostile statement files (issue 49, `tests.statement_files.HOSTILE`), each sent
through the API: a 4xx naming the problem, or a report naming the row, nothing stored, the
answer quick; and the upload of one file by several requests at once stores it once."""

from __future__ import annotations

import threading
import time
import tracemalloc
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.helpers import sign_in
from tests.statement_files import (
    CAS_PASSWORD,
    CAS_ROUTE,
    GOOD_ROW,
    HOSTILE,
    TRADEBOOK_ROUTE,
    Fill,
    Hostile,
    raw_xlsx,
    zerodha_csv,
)
from tradertape.db.models.journal import TradeUpload, UploadedTrade
from tradertape.runtime import Runtime

MAX_SECONDS = 2.0  # of CPU
MAX_PEAK_BYTES = 64 * 1024 * 1024  # a hostile file costs no more than a legitimate one


def _count(runtime: Runtime, model: type) -> int:
    with runtime.db.session() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _send(client: TestClient, case: Hostile, content: bytes) -> tuple[int, Any, float, int]:
    """The answer, its CPU time, and (for an attack on memory) the peak of memory allocated
    while the server read the file (tracemalloc slows the reading of a large file, so not
    for every case)."""
    field = "files[]" if case.route == TRADEBOOK_ROUTE else "file"
    data = {"password": CAS_PASSWORD} if case.route == CAS_ROUTE else {}
    empty = client.post(case.route, files=[(field, ("warm.csv", b"", "text/csv"))], data=data)
    assert empty.status_code == 422  # the route's imports done before it is timed
    if case.on_memory:
        tracemalloc.start()
    started = time.process_time()  # the server's CPU (its threads are ours): load-proof
    try:
        answer = client.post(
            case.route,
            files=[(field, (case.filename, content, "application/octet-stream"))],
            data=data,
        )
        took = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1] if case.on_memory else 0
    finally:
        tracemalloc.stop()
    return answer.status_code, answer.json(), took, peak


def _check(client: TestClient, runtime: Runtime, case: Hostile) -> None:
    content = case.build()
    before = _count(runtime, TradeUpload)
    status, body, took, peak = _send(client, case, content)
    assert status == case.status, (case.name, body)
    stored = _count(runtime, TradeUpload) - before
    if status != 201:
        assert case.says in str(body["detail"]), (case.name, body)
        assert stored == 0, case.name
    else:
        report = body["files"][0] if "files" in body else body
        if case.says == "imported":
            assert (report["status"], stored) == ("imported", 1), (case.name, report)
        else:
            assert report["status"] == "rejected", (case.name, report)
            assert [case.row] == [e["row"] for e in report["errors"]], (case.name, report)
            assert case.says in report["errors"][0]["reason"], (case.name, report)
            assert stored == 0, case.name
    assert took < MAX_SECONDS, f"{case.name}: {took:.2f} s"
    assert peak < MAX_PEAK_BYTES + 2 * len(content), f"{case.name}: {peak / 1_048_576:.0f} MB"


@pytest.mark.parametrize("route", sorted({c.route for c in HOSTILE}))
def test_a_hostile_file_is_refused_by_name_and_stores_nothing(
    client: TestClient, runtime: Runtime, route: str
):
    """Every case of the corpus sent to `route`, one after another by one user (a test per
    case would spend its time making databases): those refused first, then those imported."""
    sign_in(client, runtime, "mallory@x.in")
    cases = [c for c in HOSTILE if c.route == route]
    for case in sorted(cases, key=lambda c: c.says == "imported"):
        _check(client, runtime, case)
    imported = sum(c.says == "imported" for c in cases)
    assert _count(runtime, TradeUpload) == imported


def test_rows_are_counted_as_they_are_not_by_their_numbers(client: TestClient, runtime: Runtime):
    """One trade numbered 1,000,000 (a spreadsheet's last rows) is one row: read, and named
    by its number."""
    sign_in(client, runtime, "alice@x.in")
    header = [
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(
            (
                "symbol",
                "isin",
                "trade_date",
                "exchange",
                "segment",
                "series",
                "trade_type",
                "auction",
                "quantity",
                "price",
                "trade_id",
                "order_id",
                "order_execution_time",
            )
        )
    ]
    bad = [*GOOD_ROW]
    bad[9] = "1E+999999"
    cells = "".join(
        f'<c r="{chr(65 + i)}1000000" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(bad)
    )
    book = raw_xlsx(f'<row r="1">{"".join(header)}</row><row r="1000000">{cells}</row>')
    answer = client.post(
        TRADEBOOK_ROUTE, files=[("files[]", ("t.xlsx", book, "application/octet-stream"))]
    )
    assert answer.status_code == 201, answer.text
    (report,) = answer.json()["files"]
    assert (report["rows_read"], report["status"]) == (1, "rejected")
    assert report["errors"][0]["row"] == 1_000_000


def test_one_file_uploaded_four_times_at_once_is_stored_once(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    fills = [Fill("INFY", "2024-04-02", "buy", n + 1, "1450", f"T{n}", f"O{n}") for n in range(200)]
    content = zerodha_csv(fills)
    start = threading.Barrier(4)
    answers: list[int] = []

    def send() -> None:
        start.wait()
        sent = client.post(TRADEBOOK_ROUTE, files=[("files[]", ("t.csv", content, "text/csv"))])
        answers.append(sent.status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 201 in answers, answers
    # past the user's cap of uploads under way (2, docs/limits.md) a 429; the others race
    assert set(answers) <= {201, 409, 429}, answers
    assert _count(runtime, UploadedTrade) == 200
    with runtime.db.session() as db:
        added = list(db.scalars(select(TradeUpload.rows_added)))
    assert sum(added) == 200


def test_the_agents_key_meets_the_same_limits(client: TestClient, runtime: Runtime):
    """The local agent forwards files with its key (docs/agent-api.md): the same answers."""
    sign_in(client, runtime, "alice@x.in")
    issued = client.post("/api/agent/keys", json={"name": "laptop"})
    agent = TestClient(client.app)  # no browser session: the key alone
    headers = {"Authorization": f"Bearer {issued.json()['api_key']}"}
    by_name = {c.name: c for c in HOSTILE}
    for name in ("zip bomb", "external entity", "price 1E+999999"):
        case = by_name[name]
        sent = agent.post(
            case.route, files=[("files[]", (case.filename, case.build()))], headers=headers
        )
        assert sent.status_code == case.status, (name, sent.text)
        assert case.says in sent.text, (name, sent.text)
    assert _count(runtime, TradeUpload) == 0

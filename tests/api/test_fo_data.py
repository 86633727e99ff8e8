"""The F&O bhavcopy upload and the coverage it shows (issue 67): an administrator's files,
generated in NSE's layouts, stored whole or refused with a 4xx naming the problem."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.fo_bhavcopy_files import FoRow, chain, legacy_name, legacy_text, udiff_name, udiff_text
from tests.helpers import sign_in
from tradertape.runtime import Runtime

TUE, WED, THU = date(2024, 7, 9), date(2024, 7, 10), date(2024, 7, 11)


def _rows(day: date, spot: float = 24000.0) -> list[FoRow]:
    return chain(day, "NIFTY", spot, expiries=[THU, date(2024, 7, 18)], lot_size=25) + chain(
        day, "RELIANCE", 3100.0, expiries=[date(2024, 7, 25)], step=20.0, lot_size=250
    )


def _send(client: TestClient, name: str, content: bytes) -> Any:  # a TestClient response
    return client.post("/api/uploads/fo-bhavcopy", files={"file": (name, content)})


def test_an_admin_uploads_days_and_everyone_sees_the_coverage(
    client: TestClient, runtime: Runtime
) -> None:
    sign_in(client, runtime, "ops@x.in", admin=True)
    sent = _send(client, udiff_name(TUE), udiff_text(TUE, _rows(TUE)).encode())
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert (body["days"], body["underlyings"], body["formats"]) == (
        ["2024-07-09"],
        ["NIFTY", "RELIANCE"],
        {"udiff": 1},
    )
    assert (body["rows"], body["replaced_days"]) == (len(_rows(TUE)), 0)

    days = io.BytesIO()
    with zipfile.ZipFile(days, "w") as archive:
        archive.writestr(legacy_name(WED), legacy_text(WED, _rows(WED)))
        archive.writestr(udiff_name(TUE), udiff_text(TUE, _rows(TUE, 24200.0)))
    again = _send(client, "july.zip", days.getvalue())
    assert again.status_code == 201, again.text
    assert again.json()["days"] == ["2024-07-09", "2024-07-10"]
    assert again.json()["replaced_days"] == 2  # NIFTY's and RELIANCE's Tuesday: not doubled

    coverage = client.get("/api/market/fo/coverage").json()
    assert coverage["days"] == ["2024-07-09", "2024-07-10"]
    nifty, reliance = coverage["underlyings"]
    assert (nifty["underlying"], nifty["days"], nifty["first"], nifty["last"]) == (
        "NIFTY",
        2,
        "2024-07-09",
        "2024-07-10",
    )
    assert nifty["months"] == [{"month": "2024-07", "days": 2}]
    assert nifty["expiries"] == ["2024-07-11", "2024-07-18"]
    assert reliance["expiries"] == ["2024-07-25"]

    sign_in(client, runtime, "trader@x.in")  # not an admin: reads the coverage, cannot write
    assert client.get("/api/market/fo/coverage").json() == coverage
    refused = _send(client, udiff_name(THU), udiff_text(THU, _rows(THU)).encode())
    assert refused.status_code == 403, refused.text


def test_a_hostile_file_is_a_4xx_naming_the_problem_and_stores_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    sign_in(client, runtime, "ops2@x.in", admin=True)
    text = udiff_text(TUE, _rows(TUE)).replace(",NIFTY,", ",NIF/../TY,", 1)
    refused = _send(client, udiff_name(TUE), text.encode())
    assert refused.status_code == 422, refused.text
    (problem,) = refused.json()["detail"]
    assert problem["field"] == "file"
    assert "row 2, column TckrSymb: not an NSE symbol" in problem["msg"]

    tradebook = _send(client, "tradebook.csv", b"symbol,isin,trade_date\nINFY,X,2024-01-01\n")
    assert tradebook.status_code == 422
    assert "not an NSE F&O bhavcopy" in tradebook.json()["detail"][0]["msg"]
    broken = _send(client, "days.zip", b"PK\x03\x04 not really a zip")
    assert broken.status_code == 422
    assert "not a readable zip" in broken.json()["detail"][0]["msg"]
    assert client.get("/api/market/fo/coverage").json() == {"days": [], "underlyings": []}

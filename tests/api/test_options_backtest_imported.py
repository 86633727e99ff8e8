"""POST /api/backtests/options with ``data: import``: the worked weekly straddle on NSE
bhavcopies imported into the server's data folder, and the ranges it cannot run (422s)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.unit.backtest.options.test_worked_straddle import STRADDLE, write_bhavcopies
from tradertape.candles.fo_bhavcopy import files_in
from tradertape.candles.fo_import import import_fo_bhavcopies
from tradertape.candles.fo_store import FoStore
from tradertape.runtime import Runtime


@pytest.fixture
def alice(client: TestClient, runtime: Runtime, tmp_path: Path) -> TestClient:
    folder = write_bhavcopies(tmp_path / "bhav")
    (folder / "BhavCopy_NSE_FO_0_0_0_20260402_F_0000.csv").rename(tmp_path / "2-apr.csv")
    store = FoStore.in_data_folder(runtime.settings.data_dir)
    import_fo_bhavcopies(store, files_in([folder]))
    import_fo_bhavcopies(store, files_in([tmp_path / "2-apr.csv"]))  # a later import fills in
    sign_in(client, runtime, "alice@x.in")
    return client


def _body(**changes: Any) -> dict[str, Any]:
    return {
        "strategy": STRADDLE, "start_date": "2026-03-30", "end_date": "2026-04-07",
        "data": "import",
    } | changes  # fmt: skip


def test_the_worked_straddle_on_imported_bhavcopies_nets_the_hand_figure(alice: TestClient):
    response = alice.post("/api/backtests/options", json=_body())
    assert response.status_code == 200, response.text
    run = response.json()
    assert (run["data_source"], run["synthetic"]) == ("import", False)
    assert (run["gross"], run["charges"], run["net"]) == ("18395.00", "183.81", "18211.19")
    seen = sorted((t["entry_day"], t["option_type"], t["strike"], t["reason"], t["exit_price"])
                  for t in run["trades"])  # fmt: skip
    assert seen == [
        ("2026-03-30", "CE", "22500.00", "settlement", "0"),
        ("2026-03-30", "PE", "22500.00", "stop_loss", "247.00"),
        ("2026-04-01", "PE", "22300.00", "settlement", "40.00"),
    ]
    assert sum(Decimal(t["gross"]) for t in run["trades"]) == Decimal("18395.00")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        pytest.param(
            {"start_date": "2026-05-04", "end_date": "2026-05-08"},
            "no imported NIFTY F&O bhavcopy from 2026-05-04 to 2026-05-08",
            id="no-days",
        ),
        pytest.param(
            {"end_date": "2026-04-10"},
            "NIFTY F&O bhavcopies missing from 2026-04-08 to 2026-04-10 (3 trading day(s)",
            id="days-missing-at-the-end",
        ),
        pytest.param(
            {"strategy": STRADDLE | {"underlying": "BANKNIFTY"}},
            "no imported BANKNIFTY F&O bhavcopy",
            id="another-underlying",
        ),
        pytest.param(
            {"strategy": STRADDLE | {"resolution": "minute"}},
            "no imported NIFTY minute candles on 2026-03-30",
            id="minute-bars",
        ),
    ],
)
def test_a_range_the_store_does_not_hold_is_a_422_naming_it(
    alice: TestClient, changes: dict[str, Any], words: str
):
    response = alice.post("/api/backtests/options", json=_body(**changes))
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["field"] == "data", response.text
    assert words in error["msg"], response.text


def test_unknown_data_is_a_422(alice: TestClient):
    response = alice.post("/api/backtests/options", json=_body(data="nse"))
    assert response.status_code == 422
    assert "data" in response.text


def test_a_day_missing_inside_the_range_is_named_and_holidays_are_not():
    from datetime import date

    from tests.unit.backtest.options.test_worked_straddle import DAYS
    from tradertape.services.research.options_backtests import missing_days

    stored = [d for d in DAYS if d != date(2026, 4, 2)]
    # 31 March (Mahavir Jayanti) and 3 April (Good Friday) are NSE holidays: not missing
    assert missing_days(stored, date(2026, 3, 27), date(2026, 4, 7)) == [date(2026, 4, 2)]
    assert missing_days(sorted(DAYS), date(2026, 3, 27), date(2026, 4, 7)) == []

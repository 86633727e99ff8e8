"""`tradertape data fetch-fo-minutes`: a live index option's and the index's minute candles
from Kite (the real SDK against the fake Kite on loopback) into the options backtester's
minute store, where a minute-resolution run reads them as it reads an imported file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.test_fetch_history import Recorder
from tests.integration.test_fetch_history import fake as fake  # noqa: F401 (the fixture)
from tradertape.candles.fo_minutes import FoMinuteStore, MinuteContract
from tradertape.candles.fo_store import FoStore
from tradertape.cli import app
from tradertape.cli.common import build_runtime
from tradertape.domain.brokers import BrokerName
from tradertape.domain.instruments import Exchange, synthetic_token
from tradertape.errors import InvalidField
from tradertape.fakebrokers.kite import market
from tradertape.fakebrokers.kite.instruments import Instrument
from tradertape.services.brokers.history import fetch_fo_minutes

runner = CliRunner()
CALL = "NIFTY26D0826000CE"  # NIFTY's weekly of Tuesday 8 December 2026


def _list_call(fake: Recorder) -> Instrument:
    inst = Instrument(
        synthetic_token(Exchange.NFO, CALL),
        "NFO",
        CALL,
        "NIFTY",
        Decimal("180.00"),
        segment="NFO-OPT",
        instrument_type="CE",
        lot_size=65,
    )
    fake.state.kite.book.list_instrument(inst)
    return inst


def test_an_options_minutes_and_its_index_land_in_the_minute_store(fake: Recorder):
    call = _list_call(fake)
    result = runner.invoke(
        app,
        [
            "data",
            "fetch-fo-minutes",
            CALL,
            "NIFTY 50",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-24",
        ],
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "NIFTY 2026-12-08 26000 CE: 750 minutes on 2 days (2026-11-23 → 2026-11-24)" in out
    assert "NIFTY index: 750 minutes on 2 days" in out
    assert [h[0] for h in fake.history] == ["minute", "minute"]  # one window each

    store = FoMinuteStore.in_data_folder(build_runtime().settings.data_dir)
    bars = store.bars(MinuteContract("NIFTY", "CE", date(2026, 12, 8), 26000.0), date(2026, 11, 24))
    assert bars is not None
    expected = market.candles(
        call, "minute", "2026-11-24 00:00:00", "2026-11-24 23:59:59", date(2026, 12, 1)
    )
    assert bars.num_rows == len(expected) == 375
    assert bars.column("minute").to_pylist()[:2] == [0, 1]  # 09:15 and 09:16 IST
    assert bars.column("close").to_pylist() == [row[4] for row in expected]


def test_a_symbol_that_names_no_contract_is_refused_before_any_request(fake: Recorder):
    result = runner.invoke(
        app, ["data", "fetch-fo-minutes", "INFY", "--from", "2026-11-23", "--to", "2026-11-24"]
    )
    assert result.exit_code != 0
    assert "is not an index option, future or index" in result.output
    assert fake.history == []


def test_minutes_come_from_kite_only(tmp_path: Path):
    """Upstox and Groww are fetched by day only (`services.brokers.history`): refused before
    a request."""
    minutes = FoMinuteStore(tmp_path / "minutes")
    chains = FoStore(tmp_path / "chains")
    for broker in (BrokerName.UPSTOX, BrokerName.GROWW):
        with pytest.raises(InvalidField, match="by day only"):
            fetch_fo_minutes(
                minutes,
                chains,
                object(),  # type: ignore[arg-type]
                broker=broker,
                symbols=[CALL],
                start=date(2026, 11, 23),
                end=date(2026, 11, 24),
            )

"""Fixtures of the integration tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradertape.cli import app
from tradertape.db.engine import Database
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.matching import MatchConfig
from tradertape.oms.paper.exchange import PaperConfig, PaperExchange
from tradertape.ports.clock import IST, ManualClock
from tradertape.services.accounts.users import create_user


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite data folder that the `tradertape` command uses."""
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return tmp_path


@dataclass(frozen=True)
class PaperDesk:
    """A paper exchange on a manual clock, with one funded user."""

    clock: ManualClock
    exchange: PaperExchange
    user_id: int


PAPER_START = datetime(2026, 11, 20, 10, 0, tzinfo=IST)  # a Friday, mid-session
PAPER_DEPOSIT = Decimal(1_000_000)


@pytest.fixture
def paper(database: Database) -> PaperDesk:
    """Friday 10:00 IST, fills take all traded volume, and ₹10 lakh in the account."""
    clock = ManualClock(PAPER_START)
    exchange = PaperExchange(
        clock=clock,
        calendar=nse_calendar(),
        catalog=reference_catalog(),
        config=PaperConfig(match=MatchConfig(participation=Decimal(1))),
    )
    with database.session() as db:
        user_id = create_user(db, clock=clock, email="paper@x.in").id
        exchange.deposit(db, user_id=user_id, amount=PAPER_DEPOSIT)
    return PaperDesk(clock=clock, exchange=exchange, user_id=user_id)

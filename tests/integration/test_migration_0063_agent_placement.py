"""Migration 0063 adds ``model_portfolios.agent_placement`` (issue 65): every portfolio that
existed keeps placing GTTs; the downgrade drops the column and keeps the portfolios."""

from __future__ import annotations

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from tests.api.test_agent_api import AGENT_PORTFOLIO
from tests.api.test_model_api import _deploy
from tests.helpers import sign_in
from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.runtime import Runtime


def _columns(runtime: Runtime) -> set[str]:
    return {c["name"] for c in inspect(runtime.db.engine).get_columns("model_portfolios")}


def test_the_column_comes_with_gtt_for_every_portfolio_and_goes(
    client: TestClient, with_candles: Runtime
):
    runtime = with_candles
    sign_in(client, runtime, "m63@x.in")
    portfolio = _deploy(client, **(AGENT_PORTFOLIO | {"agent_placement": "market"}))
    assert portfolio["agent_placement"] == "market"

    runtime.db.engine.dispose()
    command.downgrade(alembic_config(runtime.db.engine), "0062")
    assert current_revision(runtime.db.engine) == "0062"
    assert "agent_placement" not in _columns(runtime)

    upgrade(runtime.db.engine)
    assert current_revision(runtime.db.engine) == head_revision()
    with runtime.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, agent_placement FROM model_portfolios")).all()
    assert [tuple(r) for r in rows] == [(portfolio["id"], "gtt")]  # an older row: GTTs
    (read,) = client.get("/api/model/portfolios").json()
    assert read["agent_placement"] == "gtt"

"""Reconciliation (drift flagged with its cause, never corrected; ignorable) and obfuscated
syncs (the cloud stores scaled figures, unscaling gives the real ones, ratios are equal)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.agent.cloud_kit import FakeCloud
from tests.agent.conftest import Agents
from tests.brokers.kite.conftest import Fake
from tradertape_agent import obfuscation


def test_a_manual_buy_at_the_broker_is_drift_until_ignored(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    cloud.expected = [{"symbol": "NSE:INFY", "broker": "kite", "quantity": 0}]
    fake.kite.book.add_holding("NSE:INFY", 10, Decimal("1480"))  # bought on Kite directly
    agent = agents.new()

    report = agent.cycle()

    [drift] = report.drift
    assert (drift.symbol, drift.cloud, drift.broker) == ("NSE:INFY", 0, 10)
    assert "outside TraderTape" in drift.cause
    assert any(
        line.startswith("[agent] drift NSE:INFY: cloud=0 broker=10") for line in agents.lines
    )
    assert fake.kite.book.orders == {}  # flagged, never corrected
    assert agent.journal.fact("drift_count") == "1"

    agents.config.ignore_symbols = ["NSE:INFY"]
    assert agent.cycle().drift == []
    assert agent.journal.fact("drift_count") == "0"


def test_matching_quantities_are_no_drift(agents: Agents, cloud: FakeCloud, fake: Fake):
    cloud.expected = [{"symbol": "NSE:INFY", "broker": "kite", "quantity": 10}]
    fake.kite.book.add_holding("NSE:INFY", 10, Decimal("1480"))
    assert agents.new().cycle().drift == []


def test_obfuscated_sync_stores_scaled_figures_and_unscales_to_the_real_ones(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    fake.kite.book.add_holding("NSE:INFY", 1000, Decimal("1480"))
    # quantities the factor scales to whole units (the cloud takes whole units; others round)
    fake.kite.book.add_holding("NSE:RELIANCE", 3000, Decimal("1250"))
    agent = agents.new()
    cloud.obfuscate = False
    agent.cycle()
    real = {h["tradingsymbol"]: h for h in cloud.holdings[-1]["holdings"]}
    cloud.obfuscate = True
    agent.cycle()

    sent = cloud.holdings[-1]
    assert sent["obfuscated"] is True
    assert sent["factor_fingerprint"] == obfuscation.fingerprint("0.137", "s" * 32)
    assert "0.137" not in sent["factor_fingerprint"]
    stored = {h["tradingsymbol"]: h for h in sent["holdings"]}
    assert Decimal(stored["INFY"]["quantity"]) == Decimal("137")  # 1000 × 0.137
    factor = Decimal("0.137")
    shown = {k: obfuscation.scale(v, factor, inverse=True) for k, v in stored.items()}
    assert Decimal(shown["INFY"]["quantity"]) == real["INFY"]["quantity"]
    assert Decimal(shown["RELIANCE"]["average_price"]) == Decimal(
        str(real["RELIANCE"]["average_price"])
    )

    def weight(rows: dict[str, Any], symbol: str) -> Decimal:  # a ratio: the same scaled or not
        value = {
            k: Decimal(str(r["quantity"])) * Decimal(str(r["average_price"]))
            for k, r in rows.items()
        }
        return value[symbol] / sum(value.values())

    assert weight(stored, "INFY") == weight(real, "INFY")
    assert cloud.positions[-1]["obfuscated"] is True
    assert "margins" in cloud.positions[-1]


def test_the_factor_is_made_once_within_its_range():
    factors = {obfuscation.new_factor() for _ in range(50)}
    assert all(Decimal("0.1") <= Decimal(f) < 1 for f in factors)
    assert len(factors) > 1

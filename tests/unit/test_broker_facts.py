"""A broker is one row of facts (`domain.brokers`): the names, types and tables the server,
the agent and the adapters keep beside it agree with it, and what reads it answers as the
row says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import get_args

import pytest

from tradertape.domain.brokers import (
    BROKER_NAMES,
    BROKERS,
    BrokerKey,
    BrokerName,
    LoginFlow,
    ScheduleName,
    access_token_expiry,
    facts,
    label_of,
    listed,
    of_statements,
)
from tradertape.domain.charge_rates import (
    GROWW_SCHEDULES,
    UPSTOX_SCHEDULES,
    ZERODHA_SCHEDULES,
    schedule_name,
    schedules_of,
)
from tradertape.domain.market import Interval
from tradertape.domain.symbols import SymbolFormat
from tradertape.journal import statements
from tradertape.ports.clock import IST
from tradertape.services.brokers.history import WINDOW_DAYS
from tradertape.services.brokers.login import how_to_log_in
from tradertape.services.portfolios.deploy import AGENT_BROKERS
from tradertape_agent.config import BROKER_NAMES as AGENT_NAMES
from tradertape_agent.config import TITLES
from tradertape_brokers import registry


def test_every_list_of_brokers_is_the_rows():
    assert list(BROKERS) == list(BrokerName)
    assert set(get_args(BrokerKey)) == set(BROKER_NAMES)
    assert registry.BROKERS == BROKER_NAMES == AGENT_NAMES
    assert {row.name.value: row.label for row in BROKERS.values()} == TITLES
    assert AGENT_BROKERS == BROKER_NAMES


def test_each_rows_words_name_things_that_exist():
    for row in BROKERS.values():
        assert row.charges in get_args(ScheduleName)
        assert SymbolFormat(row.symbols).value == row.name.value
        assert {Interval(i) for i in row.history_days} <= set(Interval)
        assert row.statements in (statements.ZERODHA, statements.UPSTOX, statements.GROWW)
        assert row.slice_cap > 1
        assert {"MARKET", "LIMIT"} <= set(row.order_types)
        assert "regular" in row.varieties


def _ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=IST)


@pytest.mark.parametrize(
    ("name", "issued", "dies"),
    [
        ("kite", _ist(20, 10), _ist(21, 6)),
        ("kite", _ist(21, 5), _ist(21, 6)),  # before the day's cut-off: that one
        ("upstox", _ist(20, 10), _ist(21, 3, 30)),
        ("groww", _ist(20, 6), _ist(21, 6)),  # at the cut-off: the next one
    ],
)
def test_a_token_dies_at_its_rows_cut_off(name: str, issued: datetime, dies: datetime):
    assert access_token_expiry(BrokerName(name), issued) == dies
    assert facts(name).session_ends == f"{dies:%H:%M} IST"


def test_the_charges_schedule_is_the_rows():
    assert [schedule_name(n) for n in ("kite", "upstox", "groww", "paper", "other")] == [
        "zerodha",
        "upstox",
        "groww",
        "zerodha",
        "zerodha",
    ]
    assert schedules_of("kite") is ZERODHA_SCHEDULES
    assert schedules_of("upstox") is UPSTOX_SCHEDULES
    assert schedules_of("groww") is GROWW_SCHEDULES


def test_history_windows_are_the_rows():
    assert WINDOW_DAYS == {
        (BrokerName.KITE, Interval.DAY): 2000,
        (BrokerName.KITE, Interval.MINUTE): 60,
        (BrokerName.UPSTOX, Interval.DAY): 3650,
        (BrokerName.GROWW, Interval.DAY): 365,
    }


def test_words_for_people_come_from_the_rows():
    assert listed() == "Kite, Upstox or Groww"
    assert listed(names=True) == "kite, upstox or groww"
    assert [label_of(n) for n in ("kite", "upstox", "groww", "paper")] == [
        "Kite",
        "Upstox",
        "Groww",
        "paper",
    ]
    assert [of_statements(n) for n in ("zerodha", "kite", "upstox", "groww", "cams")] == [
        "kite",
        "kite",
        "upstox",
        "groww",
        "cams",
    ]
    with pytest.raises(ValueError, match="angel"):
        facts("angel")


def test_only_an_api_key_login_has_instructions_instead_of_a_link():
    for row in BROKERS.values():
        how = how_to_log_in(row.name)
        assert (how is None) == (row.login is LoginFlow.REDIRECT)
    assert how_to_log_in(BrokerName.GROWW) == (
        "no browser login: Groww mints today's token from your API key. Send the current code "
        'of a TOTP key (POST /api/brokers/groww/session {"totp": "123456"}), or, for an '
        'approval key whose secret you stored, {"use_secret": true} after approving it on the '
        "Groww Trade API keys page; the token lasts until 06:00 IST"
    )


SRC = Path(__file__).resolve().parents[2] / "src" / "tradertape"
# The server's files outside the adapters and fakes that still name every broker, each with
# why (issue 68 counted 38): a broker's own wiring, routes or wire fields, not a restated
# fact. The list only shrinks; a fourth broker adds its name to these files, and no others.
NAMING_EVERY_BROKER: dict[str, str] = {
    "domain/brokers.py": "the row of facts itself",
    "domain/symbols.py": "each broker's instrument names (its symbol format)",
    "domain/charge_rates.py": "each broker's published charges schedule",
    "settings.py": "each adapter's root URL and timeout (a fake on loopback in tests)",
    "wiring/venues.py": "the composition root builds each broker's connector",
    "cli/data.py": "fetch-history builds the chosen broker's connector",
    "cli/instruments.py": "shows an instrument's name at each broker",
    "api/schemas/instruments.py": "an instrument's names at each broker, on the wire",
    "api/routes/brokers.py": "each broker's login route (a redirect's callback, a key's token)",
}


def test_few_server_files_name_every_broker():
    found = set()
    for path in SRC.rglob("*.py"):
        if "fakebrokers" in path.parts:
            continue
        text = path.read_text().lower()
        if all(name in text for name in BROKER_NAMES):
            found.add(path.relative_to(SRC).as_posix())
    assert sorted(found - NAMING_EVERY_BROKER.keys()) == [], "read the row (domain/brokers)"
    assert sorted(NAMING_EVERY_BROKER.keys() - found) == [], "gone: strike it from the list"
    assert len(NAMING_EVERY_BROKER) <= 10

"""The broker registry: a name and credentials → that broker's adapter, SDKs loaded lazily."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tradertape_brokers.groww import GROWW_LIMITS, GrowwBroker
from tradertape_brokers.kite import KiteBroker
from tradertape_brokers.pacing import RateLimiter
from tradertape_brokers.registry import (
    BROKERS,
    Credentials,
    MissingExtra,
    UnknownBroker,
    broker_name,
    build_broker,
    new_limiter,
)
from tradertape_brokers.upstox import InstrumentKeys, UpstoxBroker

EXPIRES = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)
CREDENTIALS = Credentials(
    api_key="key", access_token="token", expires_at=EXPIRES, root="http://127.0.0.1:1"
)
KEYS = {"NSE:RELIANCE": "NSE_EQ|INE002A01018"}


@pytest.mark.parametrize(
    ("name", "adapter"), [("kite", KiteBroker), ("upstox", UpstoxBroker), ("groww", GrowwBroker)]
)
def test_each_name_builds_its_adapter(name: str, adapter: type):
    built = build_broker(name, CREDENTIALS, instrument_keys=KEYS, timeout_secs=3, attempts=2)

    assert type(built) is adapter
    assert built.name == name
    assert built.session_expires_at() == EXPIRES


def test_names_are_taken_in_any_case_and_unknown_ones_are_refused():
    assert BROKERS == ("kite", "upstox", "groww")
    assert broker_name(" Kite ") == "kite"
    with pytest.raises(UnknownBroker, match="unknown broker 'zerodha': expected one of kite"):
        build_broker("zerodha", CREDENTIALS)
    with pytest.raises(UnknownBroker):
        new_limiter("paper")


def test_upstox_needs_the_instrument_map_as_a_mapping_or_built():
    with pytest.raises(ValueError, match="instrument_keys"):
        build_broker("upstox", CREDENTIALS)
    built = build_broker("upstox", CREDENTIALS, instrument_keys=InstrumentKeys(KEYS))
    assert isinstance(built, UpstoxBroker)


def test_a_shared_limiter_paces_with_the_brokers_ceilings():
    limiter = new_limiter("groww")
    assert isinstance(limiter, RateLimiter)
    assert limiter._windows.keys() == {str(family) for family in GROWW_LIMITS}
    built = build_broker("groww", CREDENTIALS, limiter=limiter)
    assert built._limiter is limiter  # type: ignore[attr-defined]


def _run(script: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_the_registry_loads_no_sdk_until_a_broker_is_built():
    probe = (
        "import sys\n"
        "from tradertape_brokers.registry import Credentials, build_broker\n"
        "sdks = ('kiteconnect', 'upstox_client', 'growwapi', 'tradertape')\n"
        "print(','.join(m for m in sdks if m in sys.modules), end='|')\n"
        "build_broker('kite', Credentials(api_key='k', access_token='t'))\n"
        "print(','.join(m for m in sdks if m in sys.modules))\n"
    )
    assert _run(probe) == "|kiteconnect"


def test_a_missing_sdk_names_the_extra_to_install():
    probe = (
        "import sys\n"
        "sys.modules['growwapi'] = None  # as if the [groww] extra were not installed\n"
        "from tradertape_brokers.registry import Credentials, MissingExtra, build_broker\n"
        "try:\n"
        "    build_broker('groww', Credentials(api_key='k', access_token='t'))\n"
        "except MissingExtra as exc:\n"
        "    print(exc)\n"
    )
    assert "pip install 'tradertape-brokers[groww]'" in _run(probe)
    assert issubclass(MissingExtra, ImportError)

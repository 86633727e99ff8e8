"""Parts of the Groww adapter that need no server: limits, references, ids, imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tradertape_brokers.groww import GROWW_LIMITS, Ceiling, Family, RateLimiter, reference_id
from tradertape_brokers.groww.errors import map_error
from tradertape_brokers.groww.gtt import parse_trigger_id, trigger_id
from tradertape_brokers.groww.sdk import GrowwHttpError, SdkTimeout
from tradertape_brokers.port import (
    BrokerError,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)


class FakeTime:
    """A monotonic clock that sleeping moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, secs: float) -> None:
        self.slept.append(round(secs, 6))
        self.now += secs


def test_orders_wait_for_the_per_second_and_per_minute_ceilings():
    time = FakeTime()
    limits: dict[str, tuple[Ceiling, ...]] = {
        Family.ORDERS: (Ceiling(2, 1.0), Ceiling(3, 60.0)),
        Family.LIVE_DATA: (Ceiling(1, 1.0),),
    }
    limiter = RateLimiter(limits, monotonic=time.monotonic, sleep=time.sleep)

    waits = [limiter.acquire(Family.ORDERS) for _ in range(4)]

    # two in the first second, the third a second later, the fourth when the minute frees
    assert waits == [0.0, 0.0, 1.0, 59.0]
    assert limiter.acquire(Family.LIVE_DATA) == 0.0  # another family, another budget


def test_groww_published_limits_allow_ten_orders_a_second():
    time = FakeTime()
    limiter = RateLimiter(GROWW_LIMITS, monotonic=time.monotonic, sleep=time.sleep)

    waits = [limiter.acquire(Family.ORDERS) for _ in range(11)]

    assert waits[:10] == [0.0] * 10
    assert waits[10] == 1.0


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("order-0001", "order-0001", id="fits"),
        pytest.param("ab12cd34", "ab12cd34", id="eight-chars"),
    ],
)
def test_a_key_that_fits_is_the_reference(key: str, expected: str):
    assert reference_id(key) == expected


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("short", id="too-short"),
        pytest.param("a" * 21, id="too-long"),
        pytest.param("a-b-c-d-e-f", id="three-hyphens"),
        pytest.param("run:42/order:7", id="punctuation"),
    ],
)
def test_other_keys_hash_to_a_stable_valid_reference(key: str):
    ref = reference_id(key)

    assert ref == reference_id(key)
    assert len(ref) == 20
    assert ref.isalnum()


def test_trigger_ids_round_trip_segment_kind_and_id():
    number = trigger_id("CASH", "oco_00a1f3")

    assert parse_trigger_id(number) == ("CASH", "OCO", "oco_00a1f3")
    with pytest.raises(ValueError, match="not a Groww trigger id"):
        parse_trigger_id(12345)


def test_importing_the_adapter_pulls_in_no_server_code():
    probe = (
        "import sys, tradertape_brokers.groww\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('tradertape', 'fastapi', 'sqlalchemy'))\n"
        "print(bad)\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and a literal script
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("status", "code", "message", "ordering", "expected"),
    [
        pytest.param(401, "GA005", "token expired", False, SessionExpired, id="401"),
        pytest.param(403, "GA005", "forbidden", True, SessionExpired, id="403"),
        pytest.param(429, "GA003", "slow down", True, TransientBrokerError, id="429"),
        pytest.param(500, "GA000", "internal", True, TransientBrokerError, id="500"),
        pytest.param(503, "GA003", "unavailable", False, TransientBrokerError, id="503"),
        pytest.param(400, "GA001", "Insufficient balance", True, InsufficientFunds, id="funds"),
        pytest.param(400, "GA001", "price is required", True, OrderRejected, id="rejected"),
        pytest.param(400, "GA007", "Duplicate order reference id", True, OrderRejected, id="dup"),
        pytest.param(404, "GA004", "not found", False, BrokerError, id="read-404"),
    ],
)
def test_groww_refusals_map_to_the_ports_errors(
    status: int, code: str, message: str, ordering: bool, expected: type[BrokerError]
):
    mapped = map_error(GrowwHttpError(status, code, message), ordering=ordering)

    assert type(mapped) is expected
    assert str(mapped) == f"{code}: {message}"


def test_sdk_timeouts_and_network_errors_are_transient():
    assert isinstance(map_error(SdkTimeout()), TransientBrokerError)
    assert isinstance(map_error(ConnectionRefusedError("refused")), TransientBrokerError)

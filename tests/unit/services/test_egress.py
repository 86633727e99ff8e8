"""The server's egress IP per broker: configured first, else the OS's route, found without
sending anything; and the comparison the settings page warns on."""

from __future__ import annotations

import pytest

from tradertape.domain.addresses import is_public, same_address
from tradertape.services.brokers.egress import ServerEgress, local_address_toward


@pytest.mark.parametrize(
    ("registered", "server", "expected"),
    [
        pytest.param("203.0.113.7", "203.0.113.7", True, id="same"),
        pytest.param("203.0.113.7", "::ffff:203.0.113.7", True, id="ipv4-mapped"),
        pytest.param("203.0.113.7", "198.51.100.4", False, id="different"),
        pytest.param(None, "198.51.100.4", None, id="none-registered"),
        pytest.param("203.0.113.7", None, None, id="server-unknown"),
        pytest.param("not-an-ip", "198.51.100.4", None, id="unreadable"),
    ],
)
def test_same_address(registered: str | None, server: str | None, expected: bool | None):
    assert same_address(registered, server) is expected


def test_the_route_to_loopback_leaves_from_loopback_and_an_unknown_host_from_nowhere():
    assert local_address_toward("127.0.0.1", 9) == "127.0.0.1"
    assert local_address_toward("no-such-host.invalid") is None


def test_a_configured_address_wins_and_detection_follows_each_brokers_root():
    roots = {"kite": "http://127.0.0.1:9", "groww": "not a url"}
    detected = ServerEgress(configured=None, roots=roots)
    configured = ServerEgress(configured="198.51.100.4", roots=roots)

    assert (detected.of("kite").ip, detected.of("kite").source) == ("127.0.0.1", "detected")
    assert (detected.of("groww").ip, detected.of("groww").source) == (None, None)
    assert (configured.of("kite").ip, configured.of("kite").source) == (
        "198.51.100.4",
        "configured",
    )


def test_only_a_configured_or_public_address_says_where_a_broker_sees_orders_from():
    roots = {"kite": "http://127.0.0.1:9"}
    behind_nat = ServerEgress(configured=None, roots=roots)  # detects loopback: private
    configured = ServerEgress(configured="198.51.100.4", roots=roots)

    assert behind_nat.public("kite") is None  # unknown, not a mismatch
    assert configured.public("kite") == "198.51.100.4"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param("8.8.8.8", True, id="public"),
        pytest.param("10.0.0.5", False, id="private"),
        pytest.param("127.0.0.1", False, id="loopback"),
        pytest.param("::ffff:8.8.8.8", True, id="ipv4-mapped"),
        pytest.param(None, False, id="unknown"),
        pytest.param("nope", False, id="unreadable"),
    ],
)
def test_is_public(address: str | None, expected: bool):
    assert is_public(address) is expected

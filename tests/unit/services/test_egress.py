"""The server's egress IP per broker: configured first, else the OS's route, found without
sending anything; and the comparison the settings page warns on."""

from __future__ import annotations

import pytest

from tradertape.services.brokers.egress import ServerEgress, local_address_toward, same_address


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

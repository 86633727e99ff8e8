"""What each live order records under SEBI's retail-algo rules: the algo id it was sent
under and the IP address it left from.

The address is the local end of the connection that carried the order (an adapter that
can tell, `KnowsLocalAddress`: Kite's); otherwise the server's egress address toward that
broker (`TRADERTAPE_EGRESS_IP`, or the one the OS would use, detected without sending
anything: `services.brokers.egress`). On a server behind NAT the local end is a private address;
the settings page compares the configured public one with the broker's registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tradertape.ports.broker import Broker, KnowsLocalAddress

DEFAULT_ALGO_ID = "RETAIL-UNREGISTERED"


def no_egress(_broker: str) -> str | None:
    """No fallback address (unit tests; a desk that records only what the adapter says)."""
    return None


@dataclass(frozen=True, slots=True)
class AlgoIdentity:
    """The algo id live orders record, and the server's egress IP per broker name."""

    algo_id: str = DEFAULT_ALGO_ID
    egress_ip: Callable[[str], str | None] = no_egress

    def left_from(self, broker: str, adapter: Broker) -> str | None:
        """The address an order just sent through `adapter` left from, if known."""
        if isinstance(adapter, KnowsLocalAddress):
            address = adapter.local_address()
            if address:
                return address
        return self.egress_ip(broker)

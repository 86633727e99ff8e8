"""SEBI's static-IP pre-flight: a live order that would leave from an address other than the
one registered with the broker is refused here, before anything is stored or sent.

Since 2026-04-01 every broker we connect accepts place, modify and cancel (and GTT) requests
only from the static IP the client registered with them; one from elsewhere is rejected at
the broker. We know both ends when the user recorded their registration (Settings → Brokers)
and the server's public egress is known (``TRADERTAPE_EGRESS_IP``, or a detected public
address); when either is unknown the order goes as before. Cancels are never fenced: a
cancel that could still reach the broker must not be stopped by our guess of the route.
"""

from __future__ import annotations

from collections.abc import Callable

from tradertape.domain.addresses import same_address
from tradertape.domain.brokers import label_of
from tradertape.errors import Conflict


class StaticIpMismatch(Conflict):
    """The server's egress IP is not the static IP registered with the broker (409)."""


def no_public_ip(_broker: str) -> str | None:
    """No known public address (unit tests; the pre-flight then never refuses)."""
    return None


def refuse_if_elsewhere(broker: str, registered: str | None, public: str | None) -> None:
    """Raise `StaticIpMismatch` when `public` (the server's egress toward `broker`) is known
    and differs from `registered` (the static IP the user registered with it)."""
    if same_address(registered, public) is not False:
        return
    label = label_of(broker)
    raise StaticIpMismatch(
        f'"static_ip": {label} takes orders only from the static IP registered with it '
        f"({registered}), but this server's orders leave from {public}. Nothing was sent. "
        f"Run TraderTape from {registered}, or register {public} with {label} (a change is "
        "allowed once a week) and record it in Settings → Brokers."
    )


PublicIp = Callable[[str], str | None]

"""IP addresses as SEBI's static-IP rule compares them.

Since 2026-04-01 every broker we connect (`domain.brokers`) takes orders only from the static
IP a client registered with them (a change allowed once a week). These are the pure
comparisons the settings page and the live order's pre-flight share.
"""

from __future__ import annotations

import ipaddress

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parsed(text: str) -> IpAddress | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ``::ffff:1.2.3.4`` is ``1.2.3.4``
    return address


def same_address(registered: str | None, server: str | None) -> bool | None:
    """Whether two addresses are one (``::ffff:1.2.3.4`` is ``1.2.3.4``); None if either
    is unknown or unreadable."""
    if not registered or not server:
        return None
    a, b = _parsed(registered), _parsed(server)
    if a is None or b is None:
        return None
    return a == b


def is_public(text: str | None) -> bool:
    """Whether `text` is an address the internet could see (not private, loopback or
    link-local): only such a detected address says where a broker sees orders come from."""
    address = _parsed(text) if text else None
    return address is not None and address.is_global

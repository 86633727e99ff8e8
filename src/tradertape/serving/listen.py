"""The server's listening sockets: a group per address, so a burst of new connections is
accepted in a fraction of a second under load.

uvloop's libuv accepts one connection per listening socket per turn of the event loop. With a
thousand clients being served a turn takes ~20 ms, so a burst of new connections (the pages
of a thousand desks reconnecting after a restart, a monitor's health probe among them) was
accepted at ~50 a second: the probe's connection sat 2–17 s in the kernel's queue while the
loop itself never lagged over 0.12 s (bench/load.py, ``--mode reads``; strace showed one
``accept4`` per ``epoll_wait``). On Linux the kernel spreads new connections over sockets
bound with ``SO_REUSEPORT``, and the loop accepts from each: a group of `GROUP` takes that
many per turn. Elsewhere (where the port is not shared out so) there is one socket.

A port already taken is refused as a plain bind refuses it, before the group binds: a
second server on the port would otherwise join the group and take a share of its traffic.
"""

from __future__ import annotations

import contextlib
import socket
import sys

GROUP = 32
SHARED = sys.platform == "linux"


def listen(host: str, port: int, *, group: int = GROUP) -> list[socket.socket]:
    """Bound sockets for every address `host` resolves to (`group` each, where shared);
    OSError as a plain bind would raise it (the address taken, or not this machine's)."""
    found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    addresses = list(dict.fromkeys((family, address) for family, _, _, _, address in found))
    bound: list[socket.socket] = []
    try:
        for family, address in addresses:
            where = _free(family, address)
            for _ in range(group if SHARED else 1):
                bound.append(_bind(family, where, shared=SHARED and group > 1))
    except OSError:
        for sock in bound:
            sock.close()
        raise
    return bound


def _free(family: int, address: tuple[object, ...]) -> tuple[object, ...]:
    """The address with its port, checked free by a plain bind (port 0: the one given)."""
    with _socket(family) as probe:
        probe.bind(address)
        return (address[0], probe.getsockname()[1], *address[2:])


def _bind(family: int, address: tuple[object, ...], *, shared: bool) -> socket.socket:
    sock = _socket(family)
    try:
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _socket(family: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn's own bind
    if family == socket.AF_INET6:
        with contextlib.suppress(OSError):  # each family on its own sockets, as asyncio does
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    return sock

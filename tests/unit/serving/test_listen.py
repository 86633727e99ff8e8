"""The server's listening sockets: one port shared by a group, a port taken refused as a
plain bind refuses it, and a burst of connections accepted in a few turns of a busy loop."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tradertape.serving.listen import GROUP, SHARED, listen
from tradertape.serving.process import loop_factory

pytestmark = pytest.mark.skipif(not SHARED, reason="the group is Linux's SO_REUSEPORT")


def test_a_group_shares_one_port_and_a_second_server_is_refused():
    group = listen("127.0.0.1", 0)
    try:
        ports = {sock.getsockname()[1] for sock in group}
        assert len(group) == GROUP
        assert len(ports) == 1
        (port,) = ports
        for sock in group:
            sock.listen()
        with pytest.raises(OSError, match="in use"):
            listen("127.0.0.1", port)  # another `serve` on the port: not let into the group
    finally:
        for sock in group:
            sock.close()


def test_a_port_another_program_listens_on_is_refused():
    with socket.create_server(("127.0.0.1", 0)) as other, pytest.raises(OSError, match="in use"):
        listen("127.0.0.1", other.getsockname()[1])


class _Counted(asyncio.Protocol):
    """Notes the loop turn each connection was accepted in, and hangs up."""

    def __init__(self, made: list[int], turn: list[int]) -> None:
        self.made, self.turn = made, turn

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.made.append(self.turn[0])
        transport.close()


def _turns_to_accept(sockets: list[socket.socket], clients: int) -> int:
    """Loop turns a busy server (1 ms of work a turn) takes to accept a burst of clients."""
    factory = loop_factory() or asyncio.new_event_loop
    loop = factory()
    made: list[int] = []
    turn = [0]

    servers: list[asyncio.AbstractServer] = []

    async def open_servers() -> None:
        for sock in sockets:
            servers.append(
                await loop.create_server(lambda: _Counted(made, turn), sock=sock, backlog=clients)
            )

    async def close_servers() -> None:
        for server in servers:
            server.close()
            await server.wait_closed()

    async def take_them() -> None:
        while len(made) < clients:
            turn[0] += 1
            busy = loop.time() + 0.001
            while loop.time() < busy:  # a turn's other work
                pass
            await asyncio.sleep(0)

    port = sockets[0].getsockname()[1]
    try:
        loop.run_until_complete(open_servers())
        # the loop stands still: the connections complete into the kernel's queues
        opened = [socket.create_connection(("127.0.0.1", port)) for _ in range(clients)]
        loop.run_until_complete(asyncio.wait_for(take_them(), 60))
        for sock in opened:
            sock.close()
    finally:
        loop.run_until_complete(close_servers())
        loop.close()
    return max(made)


def test_a_burst_of_connections_is_accepted_in_a_few_turns_of_a_busy_loop():
    """uvloop takes one connection per socket a turn: 256 turns on one socket, 13 on the
    group when this was written."""
    clients = 256
    turns = _turns_to_accept(listen("127.0.0.1", 0), clients)
    # the kernel spreads them over the group; each socket gives one (uvloop) or more a turn
    assert turns <= 3 * clients // GROUP, turns

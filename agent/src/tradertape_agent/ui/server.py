"""Serving the local UI beside the poll loop: uvicorn in a daemon thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from tradertape_agent.engine import Agent
from tradertape_agent.ui.app import UiState, create_app
from tradertape_agent.ui.security import HostCheck


@dataclass
class UiServer:
    """A running UI: its address and how to stop it."""

    url: str
    state: UiState
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(64)
    return sock


def start_ui(
    agent: Agent,
    config_path: Path,
    *,
    say: Callable[[str], None] = print,
    upstox_keys: dict[str, str] | None = None,
) -> UiServer | None:
    """Serve the UI at the settings' ``ui_host:ui_port`` (port 0: not at all). A port in
    use is said and the agent goes on headless."""
    config = agent.config
    if config.ui_port == 0:
        say("[agent] Local UI: off (ui_port is 0)")
        return None
    try:
        sock = bind(config.ui_host, config.ui_port)
    except OSError as exc:
        say(
            f"[agent] Local UI not started: cannot listen on {config.ui_host}:{config.ui_port} "
            f"({exc.strerror or exc}); set ui_port in the settings"
        )
        return None
    state = UiState(agent, config_path, HostCheck.for_machine(config.ui_allowed_hosts))
    if upstox_keys is not None:
        state.upstox_keys = upstox_keys  # the agent's own: logins share what it learns
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(state),
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="agent-ui", daemon=True
    )
    thread.start()
    for _ in range(2000):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.005)
    host = f"[{config.ui_host}]" if ":" in config.ui_host else config.ui_host
    url = f"http://{host}:{sock.getsockname()[1]}"
    say(f"[agent] Listening on {url}")
    return UiServer(url, state, server, thread)

"""End to end on loopback: the real server (the app of the `client` fixture, served by uvicorn
on a free port), the fake Kite served beside it, and `tradertape-agent` run as its own
process with a settings file the test writes. Nothing here waits on the wall clock except
for a process or a request to arrive, polled with a deadline."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from fastapi.testclient import TestClient

from tradertape_agent.config import CONFIG_ENV, Config, save

ROOT = Path(__file__).resolve().parents[2]
#: The interpreter the agent runs on: this one, or another with the agent's dependencies
#: (``TRADERTAPE_AGENT_PYTHON=/path/to/python3.10``: the seed's floor, test_py310.py).
AGENT_PYTHON_ENV = "TRADERTAPE_AGENT_PYTHON"
#: How long a step may take before the test fails (a process start, a request to arrive).
DEADLINE = 30.0


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve `app` on a free loopback port; its lifespan is the caller's (the TestClient
    already started it), so uvicorn runs none."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(int(DEADLINE / 0.01)):
        if server.started:
            started.set()
            break
        threading.Event().wait(0.01)
    assert started.is_set(), "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Hold:
    """An ASGI wrapper that lets the wrapped app answer `method path` but holds the answer
    back until released: the request has done its work at the broker, the caller has not
    heard of it (the moment to kill the agent). Only once `armed`."""

    def __init__(self, app: Any, method: str, path: str) -> None:
        self.app, self.method, self.path = app, method, path
        self.armed = False
        self.reached = threading.Event()
        self.release = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.armed or (scope["type"], scope.get("method"), scope.get("path")) != (
            "http",
            self.method,
            self.path,
        ):
            await self.app(scope, receive, send)
            return
        messages: list[Any] = []

        async def keep(message: Any) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        self.reached.set()
        await anyio.to_thread.run_sync(self.release.wait, DEADLINE)
        for message in messages:
            try:
                await send(message)
            except OSError:  # the caller is gone
                return


@dataclass
class Ran:
    """One finished agent process."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class AgentProcess:
    """`tradertape-agent` as its own process, on the settings file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # the agent and the adapters only: the agent imports nothing of the server
        paths = [str(ROOT / p) for p in ("agent/src", "brokers/python/src")]
        self.env = {
            **os.environ,
            CONFIG_ENV: str(path),
            "PYTHONPATH": os.pathsep.join(paths),
            "PYTHONUNBUFFERED": "1",
        }

    def command(self, *args: str) -> list[str]:
        python = os.environ.get(AGENT_PYTHON_ENV) or sys.executable
        return [python, "-m", "tradertape_agent.cli", *args]

    def run(self, *args: str, stdin: str | None = None) -> Ran:
        done = subprocess.run(  # noqa: S603 - our own CLI
            self.command(*args),
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )
        return Ran(done.returncode, done.stdout, done.stderr)

    def once(self) -> Ran:
        return self.run("run", "--once")

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 - our own CLI
            self.command(*args),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def settings(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.path.read_text())
        return data

    def change(self, **changes: Any) -> None:
        save(Config.from_json(self.settings() | changes), self.path)


def key_of(client: TestClient) -> str:
    """A new agent key of the signed-in user (Settings → Trading Agent → Generate Key)."""
    issued = client.post("/api/agent/keys", json={"name": "laptop"})
    assert issued.status_code == 201, issued.text
    return str(issued.json()["api_key"])

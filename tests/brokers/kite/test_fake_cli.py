"""`tradertape fake-broker kite --port P` serves the fake Kite (a real process, on loopback)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx


def test_fake_broker_kite_serves_its_login_page():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli = Path(sys.executable).with_name("tradertape")
    process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [str(cli), "fake-broker", "kite", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        answer = None
        for _ in range(600):  # up to ~30 s: the CLI imports the server's packages
            try:
                answer = httpx.get(f"{base}/connect/login?api_key=kitefake&v=3", timeout=0.5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                threading.Event().wait(0.05)
        assert answer is not None
        assert answer.status_code == 302
        assert answer.headers["location"].startswith(
            "http://127.0.0.1:8000/api/brokers/kite/callback?action=login&type=login"
            "&status=success&request_token="
        )
        refused = httpx.get(f"{base}/portfolio/holdings", timeout=2)
        assert refused.status_code == 403
        assert refused.json()["error_type"] == "TokenException"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()

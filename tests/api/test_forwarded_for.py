"""Proxy headers are believed only from the proxies the operator lists (issue 66).

uvicorn by default believes ``X-Forwarded-For`` from 127.0.0.1: a sender on the server's
machine (or through a proxy passing the header on) named its own address, got past a token
hook's ``allowed_ips`` and the per-address login limits. ``serve`` now believes no one
unless ``--forwarded-allow-ips`` / ``TRADERTAPE_FORWARDED_ALLOW_IPS`` lists the proxy
(`serving.process.trusted_proxies`); these tests run the real uvicorn, whose middleware
reads the header."""

from __future__ import annotations

from ipaddress import ip_network

import httpx
import pytest
import typer
from sqlalchemy import select

from tests.conftest import serving
from tests.helpers import make_user
from tradertape.api.deps import SESSION_COOKIE
from tradertape.cli.server import _proxy_option
from tradertape.db.models import User
from tradertape.runtime import Runtime
from tradertape.serving.process import UVICORN, trusted_proxies
from tradertape.settings import Settings

TV_BODY = {"ticker": "NSE:INFY", "action": "buy", "contracts": "3"}
ALLOWED = "203.0.113.7"  # in the hook's allowed_ips; the test's requests come from 127.0.0.1


def _token_hook(http: httpx.Client, base: str, runtime: Runtime) -> tuple[str, str]:
    """A token hook taking requests from 203.0.113.0/24 only: its path and token."""
    headers = _signed_in(http, base, runtime)
    made = http.post(
        f"{base}/api/webhooks",
        json={
            "name": "TV",
            "preset": "tradingview",
            "auth": "token",
            "allowed_ips": ["203.0.113.0/24"],
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return made.json()["url_path"], made.json()["secret"]


def _signed_in(http: httpx.Client, base: str, runtime: Runtime) -> dict[str, str]:
    """A session cookie for a new user (started as a login starts one)."""
    make_user(runtime, "owner@x.in")
    with runtime.db.session() as db:
        user = db.scalars(select(User).where(User.email == "owner@x.in")).one()
        cookie = runtime.sessions.start(db, user=user, ip="127.0.0.1", user_agent="test")
        db.commit()
    return {"Cookie": f"{SESSION_COOKIE}={cookie}"}


def test_a_forwarded_address_is_not_believed_by_default(runtime: Runtime):
    assert UVICORN["proxy_headers"] is False
    with serving(runtime) as base, httpx.Client() as http:
        path, token = _token_hook(http, base, runtime)
        spoofed = http.post(
            base + path,
            json=TV_BODY,
            headers={"X-TraderTape-Token": token, "X-Forwarded-For": ALLOWED},
        )
    assert spoofed.status_code == 403, spoofed.text
    assert "127.0.0.1" in spoofed.json()["detail"]  # the peer, not the header


def test_a_listed_proxys_forwarded_address_is_believed(runtime: Runtime):
    """The operator's own proxy on 127.0.0.1, listed: its X-Forwarded-For is the sender."""
    proxies = trusted_proxies([ip_network("127.0.0.1/32")])
    with serving(runtime, **proxies) as base, httpx.Client() as http:
        path, token = _token_hook(http, base, runtime)
        forwarded = http.post(
            base + path,
            json=TV_BODY,
            headers={"X-TraderTape-Token": token, "X-Forwarded-For": ALLOWED},
        )
    assert forwarded.status_code == 200, forwarded.text


def test_a_forwarded_address_does_not_escape_the_per_address_login_limit(
    runtime: Runtime,
):
    """Each wrong login names a new address in X-Forwarded-For: the peer's bucket still
    fills, and the attempt past `auth_attempts_per_minute` is a 429."""
    limit = runtime.settings.auth_attempts_per_minute
    with serving(runtime) as base, httpx.Client() as http:
        codes = [
            http.post(
                f"{base}/api/auth/password-login",
                json={"email": f"u{i}@x.in", "password": "not-it-at-all"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(limit + 1)
        ]
    assert codes[:limit] == [401] * limit
    assert codes[limit] == 429


def test_the_setting_and_the_option_read_a_list_of_networks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRADERTAPE_FORWARDED_ALLOW_IPS", "10.0.0.1, 10.1.0.0/16")
    settings = Settings(secret_key="x" * 48, _env_file=None)
    assert [str(n) for n in settings.forwarded_allow_ips] == ["10.0.0.1/32", "10.1.0.0/16"]
    assert trusted_proxies(settings.forwarded_allow_ips) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.1/32", "10.1.0.0/16"],
    }
    assert trusted_proxies(()) == {"proxy_headers": False}
    assert _proxy_option("192.168.1.5") == (ip_network("192.168.1.5/32"),)
    with pytest.raises(typer.BadParameter, match="--forwarded-allow-ips|not a list"):
        _proxy_option("*")

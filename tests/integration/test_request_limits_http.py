"""A body over the limit is refused on a real server even when it declares no length."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx

from tests.helpers import PASSWORD, make_user
from tradertape.runtime import Runtime


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_chunked_two_megabyte_body_is_413_and_nothing_is_stored(server: str, runtime: Runtime):
    make_user(runtime, "big@x.in")
    login = httpx.post(
        f"{server}/api/auth/password-login",
        json={"email": "big@x.in", "password": PASSWORD},
        timeout=30,
    )
    cookies = {"kite_session": login.cookies["kite_session"]}
    strategy = {
        "name": "padded",
        "description": "",
        "entry_rules": {
            "type": "compare",
            "left": {"type": "indicator", "name": "close"},
            "op": ">",
            "right": {"type": "literal", "value": 1},
        },
    }
    body = json.dumps({**strategy, "padding": "x" * 2_000_000}).encode()

    response = httpx.post(
        f"{server}/api/strategies",
        content=_chunks(body),  # a generator: sent chunked, no Content-Length
        headers={"Content-Type": "application/json"},
        cookies=cookies,
        timeout=30,
    )

    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert "larger than 1048576 bytes" in response.json()["detail"]
    listed = httpx.get(
        f"{server}/api/strategies", params={"is_template": False}, cookies=cookies, timeout=30
    )
    assert listed.status_code == 200
    assert listed.json() == []

"""The fake Groww as ``tradertape fake-broker groww`` serves it: no options."""

from __future__ import annotations

import importlib

from fastapi.testclient import TestClient

from tradertape.fakebrokers import FAKES


def test_the_cli_fake_accepts_any_key_and_any_six_digits():
    app = importlib.import_module(FAKES["groww"]).create_app()
    with TestClient(app) as client:
        minted = client.post(
            "/v1/token/api/access",
            headers={"Authorization": "Bearer any-key"},
            json={"key_type": "totp", "totp": "424242"},
        )
        token = minted.json()["token"]
        unauthorised = client.get("/v1/holdings/user")
        holdings = client.get("/v1/holdings/user", headers={"Authorization": f"Bearer {token}"})

    assert minted.json()["isActive"] is True
    assert unauthorised.status_code == 401
    assert unauthorised.json() == {
        "status": "FAILURE",
        "error": {"code": "GA005", "message": "access token is invalid or expired"},
    }
    assert holdings.json() == {"status": "SUCCESS", "payload": {"holdings": []}}

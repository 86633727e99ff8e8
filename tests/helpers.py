"""Test helpers that drive the real API (no shortcuts into the database)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.portfolios.deploy import PortfolioDeploy, deploy
from tradertape.services.research import strategies

PASSWORD = "correct horse battery"


def latest_mail(runtime: Runtime, to: str) -> str:
    """The body of the newest outbox message to `to`, decrypted."""
    with runtime.db.session() as db:
        mails = runtime.outbox.read(db, to=to, limit=1)
    assert mails, f"no mail to {to}"
    return mails[0].body


def otp_and_token(runtime: Runtime, to: str) -> tuple[str, str]:
    """The six-digit code and the link token from the newest login mail."""
    body = latest_mail(runtime, to)
    otp = re.search(r"code: (\d{6})", body)
    token = re.search(r"#token=([A-Za-z0-9_-]+)", body)
    assert otp
    assert token
    return otp.group(1), token.group(1)


def make_user(runtime: Runtime, email: str, *, admin: bool = False, class0: bool = False) -> int:
    """Create a user with `PASSWORD` through the service (as `tradertape user create` does)."""
    with runtime.db.session() as db:
        user = create_user(
            db,
            clock=runtime.clock,
            email=email,
            password=PASSWORD,
            is_admin=admin,
            cloud_secrets_allowed=class0,
        )
        return user.id


def sign_in(client: TestClient, runtime: Runtime, email: str, **kw: bool) -> int:
    """Create a user and sign the client in with a password; returns the user id."""
    user_id = make_user(runtime, email, **kw)
    response = client.post("/api/auth/password-login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return user_id


def deploy_funded(client: TestClient, body: dict[str, Any]) -> Any:
    """Add a paper portfolio's capital to the account, then deploy it (its capital is an
    allocation from the account's cash); the deploy's response."""
    if body.get("paper_mode", True) is not False:
        amount = body.get("starting_capital", "1000000")
        funded = client.post("/api/portfolio/funds", json={"amount": str(amount)})
        assert funded.status_code == 201, funded.text
    return client.post("/api/model/portfolios/deploy", json=body)


def deploy_v1(runtime: Runtime, user_id: int, *, allocate: bool = False) -> int:
    """A paper V1 Momentum portfolio of ₹10,00,000 on the NIFTY 50, through the service (as
    the deploy route does); its id. ``allocate``: its capital moves from the manual book to
    its own, as the route does (the account must hold it)."""
    with runtime.db.session() as db:
        v1 = strategies.by_builtin_key(db, "v1_momentum", clock=runtime.clock)
        assert v1 is not None
        request = PortfolioDeploy(
            strategy_id=v1.id, universe="nifty_50", starting_capital=Decimal(1_000_000)
        )
        return deploy(
            db,
            request,
            store=runtime.candles,
            clock=runtime.clock,
            user_id=user_id,
            live_trading_enabled=False,
            paper_exchange=runtime.exchange if allocate else None,
        ).id

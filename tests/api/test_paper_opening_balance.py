"""Every new account opens with the documented paper balance (₹10,00,000 by default),
credited once as a deposit, whichever way the account was made."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import otp_and_token
from tradertape.api.app import create_app
from tradertape.db.models import CashEntry, User
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import OPENING_BALANCE_NOTE
from tradertape.settings import Settings


def _sign_up(client: TestClient, runtime: Runtime, email: str) -> None:
    assert client.post("/api/auth/magic-link", json={"email": email}).status_code == 202
    otp, _ = otp_and_token(runtime, email)
    response = client.post("/api/auth/verify-link", json={"email": email, "otp": otp})
    assert response.status_code == 200, response.text


def _deposits(runtime: Runtime, email: str) -> list[tuple[str, Decimal, str | None]]:
    with runtime.db.session() as db:
        user_id = db.scalar(select(User.id).where(User.email == email))
        rows = db.execute(
            select(CashEntry.kind, CashEntry.amount, CashEntry.note).where(
                CashEntry.user_id == user_id
            )
        )
        return [(kind, amount, note) for kind, amount, note in rows]


def test_default_is_ten_lakh():
    assert Settings(_env_file=None).paper_opening_balance == Decimal(1_000_000)


def test_a_magic_link_sign_up_opens_a_funded_paper_account(client: TestClient, runtime: Runtime):
    _sign_up(client, runtime, "new@x.in")
    equity = client.get("/api/portfolio/margins").json()["equity"]
    assert equity["available"]["cash"] == 1_000_000.0
    assert equity["net"] == 1_000_000.0
    # Signing in again (a second link) credits nothing more.
    _sign_up(client, runtime, "new@x.in")
    assert _deposits(runtime, "new@x.in") == [("deposit", Decimal(1_000_000), OPENING_BALANCE_NOTE)]


@pytest.mark.parametrize(
    ("balance", "deposits"),
    [
        pytest.param(Decimal("250000.50"), [Decimal("250000.50")], id="configured"),
        pytest.param(Decimal(0), [], id="off"),
    ],
)
def test_the_opening_balance_is_a_setting(
    runtime: Runtime, balance: Decimal, deposits: list[Decimal]
):
    settings = runtime.settings.model_copy(update={"paper_opening_balance": balance})
    configured = Runtime.build(settings, clock=runtime.clock, db=runtime.db, bus=runtime.bus)
    with TestClient(create_app(configured), base_url="http://testserver") as client:
        _sign_up(client, configured, "set@x.in")
        cash = client.get("/api/portfolio/margins").json()["equity"]["available"]["cash"]
    assert cash == float(balance)
    assert [amount for _, amount, _ in _deposits(runtime, "set@x.in")] == deposits


def test_a_worker_run_does_not_fund_an_account_twice(client: TestClient, runtime: Runtime):
    from tradertape.services.workers.runs import fund_paper_account

    _sign_up(client, runtime, "w@x.in")
    with runtime.db.session() as db:
        user_id = db.scalar(select(User.id).where(User.email == "w@x.in"))
        assert user_id is not None
        fund_paper_account(runtime.workers, db, user_id, runtime.clock.now())
        db.commit()
    assert len(_deposits(runtime, "w@x.in")) == 1

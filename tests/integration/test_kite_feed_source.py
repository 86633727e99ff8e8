"""The Kite feed's session and instruments, read from the database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tradertape.db.models import User
from tradertape.domain.brokers import BrokerName
from tradertape.domain.instruments_data import reference_catalog
from tradertape.feed.kite import KiteLogin
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.brokers.credentials import CredentialUpdate
from tradertape.services.market.instruments import import_kite_csv
from tradertape.services.market.kite_feed import StoredKiteSession

DUMP = Path(__file__).parents[1] / "data" / "kite_instruments.csv"


def _source(runtime: Runtime) -> StoredKiteSession:
    return StoredKiteSession(
        db=runtime.db,
        credentials=runtime.brokers,
        clock=runtime.clock,
        instruments=reference_catalog(),
    )


def _user(runtime: Runtime, email: str, *, admin: bool = False, token: str | None = None) -> int:
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email=email, is_admin=admin)
        update = CredentialUpdate(api_key=f"key-{user.id}", access_token=token)
        runtime.brokers.save(db, user=user, broker=BrokerName.KITE, update=update)
        return user.id


def test_the_admin_session_comes_first_then_the_first_user(runtime: Runtime, clock: ManualClock):
    source = _source(runtime)
    assert source.login() is None
    _user(runtime, "no-token@x.in")  # an API key but no login yet
    first = _user(runtime, "first@x.in", token="t-first")
    second = _user(runtime, "second@x.in", token="t-second")
    assert source.login() == KiteLogin(first, f"key-{first}", "t-first")
    admin = _user(runtime, "admin@x.in", admin=True, token="t-admin")
    assert source.login() == KiteLogin(admin, f"key-{admin}", "t-admin")
    with runtime.db.session() as db:
        db.get_one(User, admin).is_active = False
        db.commit()
    assert source.login() == KiteLogin(first, f"key-{first}", "t-first")
    assert second > first
    clock.advance(timedelta(days=1))  # every token has passed Kite's 06:00 expiry
    assert source.login() is None


def test_instruments_are_the_priced_ones_the_dump_lists(runtime: Runtime, clock: ManualClock):
    source = _source(runtime)
    assert source.instruments() == {}  # no dump: no real tokens, nothing to subscribe
    with runtime.db.session() as db:
        import_kite_csv(db, DUMP, clock=clock)
    assert source.instruments() == {
        738561: "NSE:RELIANCE",
        408065: "NSE:INFY",
        3677697: "NSE:IDEA",
        256265: "NSE:NIFTY 50",
        260105: "NSE:NIFTY BANK",
        265: "BSE:SENSEX",
    }

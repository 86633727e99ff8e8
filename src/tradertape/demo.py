"""Demo data for `tradertape demo`: idempotent, so re-running adds nothing twice.

Besides the demo user, the demo loads synthetic daily history for the NIFTY 500 and its
indices from 2018-01-01 to the last closed session by the runtime's clock (a few seconds the
first time, a fraction of a second once it is there; a later day appends the days since).
Later features add their own demo data here (strategies, portfolios).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tradertape.candles.populate import (
    Progress,
    SynthReport,
    last_completed_session,
    synthesize,
)
from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
from tradertape.runtime import Runtime
from tradertape.security.passwords import verify_password
from tradertape.services.users import create_user, find_user, set_password

DEMO_EMAIL = "demo@tradertape.dev"
DEMO_PASSWORD = "tradertape-demo"  # noqa: S105 - published on purpose; it is a local demo
DEMO_UNIVERSE = "nifty_500"
DEMO_HISTORY_FROM = date(2018, 1, 1)


@dataclass(frozen=True, slots=True)
class DemoInfo:
    """What `demo` prints for the person who ran it."""

    email: str
    password: str
    created: bool
    history: SynthReport


def load_demo_history(runtime: Runtime, *, progress: Progress | None = None) -> SynthReport:
    """Synthetic daily history of the demo universe up to the last closed session."""
    store = runtime.candles
    market = SyntheticMarket(store.catalog, store.calendar, seed=DEFAULT_SEED)
    members = [i.key for i in store.catalog.universe(DEMO_UNIVERSE)]
    end = last_completed_session(store.calendar, runtime.clock.now())
    return synthesize(store, market, members, DEMO_HISTORY_FROM, end, progress=progress)


def load_demo(runtime: Runtime, *, progress: Progress | None = None) -> DemoInfo:
    """Ensure the demo user exists with the published password, and the demo history."""
    with runtime.db.session() as db:
        user = find_user(db, DEMO_EMAIL)
        created = user is None
        if user is None:
            create_user(
                db,
                clock=runtime.clock,
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                name="Demo Trader",
                cloud_secrets_allowed=True,
            )
        elif not verify_password(user.password_hash, DEMO_PASSWORD):
            set_password(db, user=user, password=DEMO_PASSWORD)
    history = load_demo_history(runtime, progress=progress)
    return DemoInfo(email=DEMO_EMAIL, password=DEMO_PASSWORD, created=created, history=history)

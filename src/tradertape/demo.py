"""Demo data for `tradertape demo`: idempotent, so re-running adds nothing twice.

Later features add their own demo data here (history, strategies, portfolios).
"""

from __future__ import annotations

from dataclasses import dataclass

from tradertape.runtime import Runtime
from tradertape.security.passwords import verify_password
from tradertape.services.users import create_user, find_user, set_password

DEMO_EMAIL = "demo@tradertape.dev"
DEMO_PASSWORD = "tradertape-demo"  # noqa: S105 - published on purpose; it is a local demo


@dataclass(frozen=True, slots=True)
class DemoInfo:
    """What `demo` prints for the person who ran it."""

    email: str
    password: str
    created: bool


def load_demo(runtime: Runtime) -> DemoInfo:
    """Ensure the demo user exists with the published password."""
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
    return DemoInfo(email=DEMO_EMAIL, password=DEMO_PASSWORD, created=created)

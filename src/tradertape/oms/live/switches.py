"""Live trading's two switches: the server's and the user's. Both must be on for an order,
a change or a GTT to reach a broker (a cancel and a delete are always allowed)."""

from __future__ import annotations

from tradertape.db.models import User
from tradertape.errors import Forbidden


def require_live(server_enabled: bool, user: User) -> None:
    """Refuse (403) a live order unless both switches allow it, saying which does not."""
    if not server_enabled:
        raise Forbidden("live trading is disabled on this server (TRADERTAPE_LIVE_TRADING_ENABLED)")
    if not user.live_trading:
        raise Forbidden(
            'live trading is off for your account: turn it on with {"live_trading": true, '
            '"confirm": "LIVE"} (PUT /api/auth/live-trading)'
        )

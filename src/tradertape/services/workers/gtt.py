"""GTT for workers: a passthrough to the broker of the token's live account scope.

GTTs are the broker's own triggers, not the run's, so the published contract serves
them only to tokens with a live ``kite:<user id>`` scope. A paper-scoped token gets a
400 that says so (paper runs protect positions with backend protection instead), and
a live scope gets 503 until a broker adapter is installed on this server.
"""

from __future__ import annotations

from typing import NoReturn

from tradertape.db.models import WorkerToken
from tradertape.domain.worker_access import is_paper_scope
from tradertape.errors import Rejected


def unavailable(token: WorkerToken) -> NoReturn:
    """Refuse a GTT call with the reason the contract names for this token."""
    if is_paper_scope(token.account_scope):
        raise Rejected(
            400,
            "WORKER_ACCOUNT_SCOPE_UNSUPPORTED",
            f"GTT triggers live at the broker and need a live 'kite:<user id>' account scope; "
            f"this token's scope {token.account_scope} is paper (use backend protection)",
        )
    raise Rejected(
        503,
        "WORKER_KITE_SESSION_UNAVAILABLE",
        "no broker session is available for this account scope on this server",
    )

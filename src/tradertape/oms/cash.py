"""Paper money in: deposits to the paper account, posted by the ledger like every movement.

The paper account's opening balance (a new user's, or the one a worker's first run gives an
account that was never funded) and the user's own "add funds" are each one ``deposit``
entry; no caller outside the OMS writes the ledger itself.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import CashEntry
from tradertape.oms.context import BROKER
from tradertape.oms.ledger import Ledger


def deposit(db: Session, *, user_id: int, amount: Decimal, at: datetime, note: str | None) -> None:
    """Post `amount` into the user's paper account at `at` (no commit)."""
    ledger = Ledger(db)
    ledger.post(user_id, at=at, kind="deposit", amount=amount, note=note)
    ledger.write()


def open_paper_account(
    db: Session, *, user_id: int, amount: Decimal, at: datetime, note: str
) -> bool:
    """Give a paper account that was never funded its opening `amount` (no commit); whether
    it did. Under the user's ledger lock: two first runs at once fund it once."""
    ledger = Ledger(db)
    ledger.lock(user_id)
    funded = select(CashEntry.id).where(CashEntry.user_id == user_id, CashEntry.broker == BROKER)
    if db.scalar(select(exists(funded))):
        return False
    ledger.post(user_id, at=at, kind="deposit", amount=amount, note=note)
    ledger.write()
    return True

"""ORM models, one module per aggregate; importing this package registers them all."""

from tradertape.db.models.accounts import AuthAttempt, LoginChallenge, User, UserSession
from tradertape.db.models.brokers import BrokerCredential
from tradertape.db.models.instruments import KiteInstrument
from tradertape.db.models.keys import AgentKey, WorkerToken
from tradertape.db.models.outbox import OutboxMessage
from tradertape.db.models.trading import (
    CashEntry,
    ChargeDayRow,
    Gtt,
    Order,
    OrderEventRow,
    PaperAccount,
    PaperPosition,
    Trade,
)

__all__ = [
    "AgentKey",
    "AuthAttempt",
    "BrokerCredential",
    "CashEntry",
    "ChargeDayRow",
    "Gtt",
    "KiteInstrument",
    "LoginChallenge",
    "Order",
    "OrderEventRow",
    "OutboxMessage",
    "PaperAccount",
    "PaperPosition",
    "Trade",
    "User",
    "UserSession",
    "WorkerToken",
]

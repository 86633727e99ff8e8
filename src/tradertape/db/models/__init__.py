"""ORM models, one module per aggregate; importing this package registers them all."""

from tradertape.db.models.accounts import AuthAttempt, LoginChallenge, User, UserSession
from tradertape.db.models.agent import (
    AgentHeartbeat,
    AgentSignalResult,
    AgentSnapshot,
    AgentTokenRelay,
)
from tradertape.db.models.alerts import Alert, AlertFire, Webhook, WebhookDelivery
from tradertape.db.models.audit import AuditEntry, AuditKey
from tradertape.db.models.baskets import BasketUnwind
from tradertape.db.models.brokers import BrokerCredential
from tradertape.db.models.charts import ChartDrawing
from tradertape.db.models.family import FamilyGroup, FamilyInvite, FamilyMember
from tradertape.db.models.instruments import FreezeQuantityRow, KiteInstrument
from tradertape.db.models.jobs import JobFailure
from tradertape.db.models.journal import (
    CasHoldingRow,
    FundTransaction,
    LedgerLine,
    SettlementPrice,
    TradeUpload,
    UploadedTrade,
)
from tradertape.db.models.keys import AgentKey, AssistantConfirmation, AssistantKey, WorkerToken
from tradertape.db.models.notifications import (
    Notification,
    NotificationSettings,
    TelegramLink,
    TelegramLinkRequest,
)
from tradertape.db.models.outbox import OutboxMessage
from tradertape.db.models.portfolios import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.db.models.reconcile import ReconcileReportRow
from tradertape.db.models.risk import RiskEvent, RiskRule
from tradertape.db.models.simulator import SimulatorSession
from tradertape.db.models.strategies import (
    BacktestRun,
    BacktestSweep,
    Strategy,
    StrategyVersion,
    WalkForwardRun,
    WalkForwardTrial,
)
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
from tradertape.db.models.watchlists import Watchlist
from tradertape.db.models.wealth import FairValue, FundNav, IndexClose
from tradertape.db.models.workers import (
    WorkerEvent,
    WorkerIntent,
    WorkerOptionRun,
    WorkerReplay,
    WorkerRun,
    WorkerRunOrder,
)

__all__ = [
    "SimulatorSession",
    "Alert",
    "AlertFire",
    "BasketUnwind",
    "Webhook",
    "WebhookDelivery",
    "FairValue",
    "FamilyGroup",
    "FamilyInvite",
    "FamilyMember",
    "FreezeQuantityRow",
    "FundNav",
    "IndexClose",
    "AgentHeartbeat",
    "AgentKey",
    "AssistantConfirmation",
    "AssistantKey",
    "AgentSignalResult",
    "AgentSnapshot",
    "AgentTokenRelay",
    "AuditEntry",
    "AuditKey",
    "AuthAttempt",
    "BacktestRun",
    "BacktestSweep",
    "WalkForwardRun",
    "WalkForwardTrial",
    "BrokerCredential",
    "CasHoldingRow",
    "CashEntry",
    "ChargeDayRow",
    "FundTransaction",
    "Gtt",
    "JobFailure",
    "KiteInstrument",
    "LedgerLine",
    "SettlementPrice",
    "LoginChallenge",
    "ModelPortfolio",
    "ModelPosition",
    "ModelSignal",
    "Notification",
    "NotificationSettings",
    "Order",
    "OrderEventRow",
    "OutboxMessage",
    "PaperAccount",
    "PaperPosition",
    "ReconcileReportRow",
    "RiskEvent",
    "RiskRule",
    "Strategy",
    "TelegramLink",
    "TelegramLinkRequest",
    "StrategyVersion",
    "Trade",
    "TradeUpload",
    "UploadedTrade",
    "User",
    "UserSession",
    "Watchlist",
    "ChartDrawing",
    "WorkerEvent",
    "WorkerIntent",
    "WorkerOptionRun",
    "WorkerReplay",
    "WorkerRun",
    "WorkerRunOrder",
    "WorkerToken",
]

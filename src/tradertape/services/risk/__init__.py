"""Risk rules, risk state and the pre-trade check (see `check` for the contract)."""

from tradertape.services.risk.check import RiskDecision, check_entry
from tradertape.services.risk.exposure import (
    ALL,
    ExposureSource,
    RiskBooks,
    RiskScope,
    ScopeKind,
)
from tradertape.services.risk.monitor import RiskMonitor
from tradertape.services.risk.paper_book import PaperExposure

__all__ = [
    "ALL",
    "ExposureSource",
    "PaperExposure",
    "RiskBooks",
    "RiskDecision",
    "RiskMonitor",
    "RiskScope",
    "ScopeKind",
    "check_entry",
]

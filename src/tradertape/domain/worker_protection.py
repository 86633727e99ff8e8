"""The backend-protection document a worker hands over (reference §3.6), validated.

Only the configuration lives here; evaluating it against prices is the protection
engine's job. Unknown keys are refused so a typo never silently disables a stop.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradertape.domain.decimal_input import MAX_PRICE, PLAIN, Flag, Quantity

Percent = Annotated[float, PLAIN]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProtectedPosition(_Closed):
    """A per-position stop, target or trailing stop (percentages of P&L)."""

    symbol: str | None = Field(default=None, max_length=80)
    instrument_token: int | None = None
    exchange: str | None = Field(default=None, max_length=10)
    tradingsymbol: str | None = Field(default=None, max_length=64)
    product: Literal["CNC", "MIS", "NRML"]
    side: Literal["BUY", "SELL"]
    quantity: Quantity
    entry_price: Annotated[float, Field(gt=0, le=float(MAX_PRICE)), PLAIN]
    stoploss_pct: Percent | None = Field(default=None, gt=0, le=1000)
    target_pct: Percent | None = Field(default=None, gt=0, le=1000)
    trailing_stoploss_pct: Percent | None = Field(default=None, gt=0, le=1000)

    @model_validator(mode="after")
    def _named_and_ruled(self) -> Self:
        if (
            self.symbol is None
            and self.instrument_token is None
            and not (self.exchange and self.tradingsymbol)
        ):
            raise ValueError(
                "name the position: symbol, instrument_token or exchange+tradingsymbol"
            )
        if (self.stoploss_pct, self.target_pct, self.trailing_stoploss_pct) == (None, None, None):
            raise ValueError("a protected position needs at least one percentage")
        return self


class BasketRules(_Closed):
    """Whole-run stop, target and trailing drawdown, in percent of the run's basis."""

    stoploss_pct: Percent | None = Field(default=None, gt=0, le=1000)
    target_pct: Percent | None = Field(default=None, gt=0, le=1000)
    trailing_activate_pct: Percent | None = Field(default=None, gt=0, le=1000)
    trailing_drawdown_pct: Percent | None = Field(default=None, gt=0, le=1000)

    @model_validator(mode="after")
    def _drawdown_needs_activation(self) -> Self:
        if self.trailing_drawdown_pct is not None and self.trailing_activate_pct is None:
            raise ValueError("trailing_drawdown_pct needs trailing_activate_pct")
        return self

    def has_rules(self) -> bool:
        """Whether any rule is set."""
        return any(v is not None for v in self.model_dump().values())


class OperationRules(_Closed):
    """Exit on a stale worker; leave MIS before the broker's square-off."""

    exit_on_worker_stale: Flag = False
    worker_stale_sec: int | None = Field(default=None, ge=30, le=86400)
    mis_squareoff_buffer_sec: int | None = Field(default=None, ge=0, le=3600)

    @model_validator(mode="after")
    def _stale_needs_window(self) -> Self:
        if self.exit_on_worker_stale and self.worker_stale_sec is None:
            raise ValueError("worker_stale_sec is required when exit_on_worker_stale is set")
        return self

    def has_rules(self) -> bool:
        """Whether any rule is set."""
        return self.exit_on_worker_stale or self.mis_squareoff_buffer_sec is not None


class BackendProtection(_Closed):
    """The whole document as stored under ``runtime_state.backend_protection``."""

    enabled: Flag = False
    mode: Literal["exposure"] = "exposure"
    version: int = Field(default=1, ge=1)
    positions: list[ProtectedPosition] = Field(default_factory=list, max_length=100)
    basket: BasketRules | None = None
    operations: OperationRules | None = None

    @model_validator(mode="after")
    def _enabled_needs_a_rule(self) -> Self:
        has_rule = bool(self.positions) or any(
            part is not None and part.has_rules() for part in (self.basket, self.operations)
        )
        if self.enabled and not has_rule:
            raise ValueError("enabled backend protection needs at least one rule")
        return self


def initial_state(config: BackendProtection | None) -> dict[str, Any]:
    """Generation 1 of the protection state a new run starts with."""
    return {
        "status": "active" if config is not None and config.enabled else "disabled",
        "generation": 1,
        "version": config.version if config is not None else 0,
        "triggered_rule": None,
        "triggered_at": None,
        "exit_submitted": False,
        "exit_claim_id": None,
        "last_checked_at": None,
    }

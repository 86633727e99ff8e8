"""Backend protection documents: stops the *server* enforces even if the worker dies.

The rules are checked here as the server checks them (percentages in (0, 1000], a
stale window of 30..86400 s, an MIS buffer of 0..3600 s, at least one rule when enabled),
so a bad document fails when it is built, not when it is sent.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Percent = float


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_dict(self) -> dict[str, Any]:
        """The document as the API takes it (unset fields left out)."""
        return self.model_dump(exclude_none=True)


class ProtectedPosition(_Document):
    """A stop, target or trailing stop on one position, in percent of its P&L."""

    product: Literal["CNC", "MIS", "NRML"]
    side: Literal["BUY", "SELL"]
    quantity: int = Field(gt=0)
    entry_price: float = Field(gt=0)
    symbol: str | None = None
    instrument_token: int | None = None
    exchange: str | None = None
    tradingsymbol: str | None = None
    stoploss_pct: Percent | None = Field(default=None, gt=0, le=1000)
    target_pct: Percent | None = Field(default=None, gt=0, le=1000)
    trailing_stoploss_pct: Percent | None = Field(default=None, gt=0, le=1000)

    @field_validator("product", "side", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _named_and_ruled(self) -> Self:
        unnamed = self.symbol is None and self.instrument_token is None
        if unnamed and not (self.exchange and self.tradingsymbol):
            raise ValueError("name the position: symbol, instrument_token or exchange+symbol")
        if (self.stoploss_pct, self.target_pct, self.trailing_stoploss_pct) == (None, None, None):
            raise ValueError("a protected position needs at least one percentage")
        return self


class BasketProtection(_Document):
    """Whole-run stop, target and trailing drawdown, in percent of the run's basis."""

    stoploss_pct: Percent | None = Field(default=None, gt=0, le=1000)
    target_pct: Percent | None = Field(default=None, gt=0, le=1000)
    trailing_activate_pct: Percent | None = Field(default=None, gt=0, le=1000)
    trailing_drawdown_pct: Percent | None = Field(default=None, gt=0, le=1000)

    @model_validator(mode="after")
    def _ruled(self) -> Self:
        if self.trailing_drawdown_pct is not None and self.trailing_activate_pct is None:
            raise ValueError("trailing_drawdown_pct needs trailing_activate_pct")
        if (self.stoploss_pct, self.target_pct, self.trailing_drawdown_pct) == (None, None, None):
            raise ValueError("basket protection needs a stop, a target or a trailing drawdown")
        return self


class OperationalProtection(_Document):
    """Exit when the worker goes quiet; leave MIS positions before the broker's square-off."""

    exit_on_worker_stale: bool = False
    worker_stale_sec: int | None = Field(default=None, ge=30, le=86400)
    mis_squareoff_buffer_sec: int | None = Field(default=None, ge=0, le=3600)

    @model_validator(mode="after")
    def _stale_needs_window(self) -> Self:
        if self.exit_on_worker_stale and self.worker_stale_sec is None:
            raise ValueError("worker_stale_sec is required with exit_on_worker_stale")
        return self

    def has_rules(self) -> bool:
        """Whether it asks for anything."""
        return self.exit_on_worker_stale or self.mis_squareoff_buffer_sec is not None


class BackendProtection(_Document):
    """The run's protection document (``runtime_state.backend_protection``)."""

    positions: list[ProtectedPosition] = Field(default_factory=list)
    basket: BasketProtection | None = None
    operations: OperationalProtection | None = None
    enabled: bool = True
    mode: Literal["exposure"] = "exposure"
    version: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _enabled_needs_a_rule(self) -> Self:
        ruled = bool(self.positions) or self.basket is not None
        ruled = ruled or (self.operations is not None and self.operations.has_rules())
        if self.enabled and not ruled:
            raise ValueError("enabled backend protection needs at least one rule")
        return self

    def to_dict(self) -> dict[str, Any]:
        """The document, with an empty ``operations`` left out."""
        payload = super().to_dict()
        if not payload.get("positions"):
            payload.pop("positions", None)
        return payload

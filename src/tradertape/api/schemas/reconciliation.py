"""Reconciliation report shapes (a live broker against our books)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tradertape.api.schemas.times import UtcDateTime
from tradertape.oms import DriftKind


class DriftItemOut(BaseModel):
    """One finding: what, of which key, our figure and the broker's."""

    kind: DriftKind = Field(
        description=(
            "order_adopted, held_outside and gtt_external are information; the others "
            "(order_missing, order_unlisted, trades, position, holding_short, gtt_missing) "
            "are drift"
        ),
        examples=["position"],
    )
    key: str = Field(
        description="EXCH:SYMBOL:PRODUCT (position), SYMBOL (holding), the broker's order id "
        "(order_adopted, order_unlisted, trades), our order id (order_missing), a trigger id",
        examples=["NSE:INFY:MIS"],
    )
    ours: int | None = Field(description="our quantity (null: none of ours)", examples=[0])
    broker: int | None = Field(description="the broker's quantity (null: none)", examples=[10])
    note: str = Field(examples=["NSE:INFY:MIS: net 0 in TraderTape, 10 at the broker"])


class ReconcileCountsOut(BaseModel):
    """How much each side holds, and what the run did."""

    broker_orders: int = Field(description="today's orders at the broker", examples=[3])
    our_orders: int = Field(description="today's orders of ours at this broker", examples=[3])
    adopted: int = Field(description="broker orders adopted as external", examples=[1])
    corrected: int = Field(description="our orders whose status or fill was fixed", examples=[0])
    missing: int = Field(description="our working orders the broker does not list", examples=[0])
    broker_trades: int = Field(examples=[2])
    our_trades: int = Field(description="booked today in this broker's books", examples=[2])
    broker_positions: int = Field(examples=[1])
    broker_holdings: int = Field(examples=[2])
    broker_gtts: int = Field(description="active triggers at the broker", examples=[0])


class ReconciliationOut(BaseModel):
    """The latest reconciliation of your live broker against TraderTape's books."""

    broker: str = Field(examples=["kite"])
    ran_at: UtcDateTime
    drift: bool = Field(description="whether any finding needs your attention")
    counts: ReconcileCountsOut
    items: list[DriftItemOut]

    @classmethod
    def of(
        cls,
        *,
        broker: str,
        ran_at: datetime,
        drift: bool,
        counts: dict[str, Any],
        items: list[dict[str, Any]],
    ) -> ReconciliationOut:
        """From a stored report's columns."""
        return cls(
            broker=broker,
            ran_at=ran_at,
            drift=drift,
            counts=ReconcileCountsOut(**counts),
            items=[DriftItemOut(**item) for item in items],
        )

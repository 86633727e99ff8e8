"""The chain simulator (``/api/simulator``): the option chain at a past minute, and sessions
that play the day forward with legs traded from it.

Prices, MTM and charges are rupees to the paisa; times are instants (UTC, ``…Z``) of the
IST session, ``minute`` counts from 09:15 IST (0 … 374).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradertape.api.schemas.money_out import Paise, TickPrice
from tradertape.api.schemas.options_desk import (
    ChainRowOut,
    ContractOut,
    JsonInt,
    PayoffOut,
    WindowChainOut,
)
from tradertape.api.schemas.times import Day, UtcDateTime
from tradertape.domain.decimal_input import PLAIN, Flag

Source = Literal["minutes", "bhavcopy", "synthetic"]
Strike = Annotated[Decimal, Field(gt=0, le=10_000_000), PLAIN]


class PastContractOut(ContractOut):
    """A contract at the past minute (open interest: the day's close where known)."""

    oi: int | None = Field(  # type: ignore[assignment]
        description="the day's closing open interest, in units, from the imported "
        "bhavcopy (null: not known)"
    )
    oi_change: int | None = Field(  # type: ignore[assignment]
        default=None, description="not known at a past minute (null)"
    )


class PastChainRowOut(ChainRowOut):
    """A strike with its call and put at the past minute."""

    call: PastContractOut | None
    put: PastContractOut | None


class FutureOut(BaseModel):
    """The underlying's nearest future at the minute."""

    expiry: str
    ltp: TickPrice


class PastChainOut(WindowChainOut):
    """The live chain's shape at a past minute, with where its prices came from."""

    date: str = Field(description="the day played (IST, YYYY-MM-DD)")
    minute: int = Field(description="bars from 09:15 IST (0 … 374)")
    at: UtcDateTime
    source: Source = Field(
        description="minutes: imported minute candles; bhavcopy: the imported F&O "
        "bhavcopy at daily resolution (every minute reads the close); synthetic: the "
        "demo's simulated market (nothing imported for the day)"
    )
    source_note: str
    future: FutureOut | None
    call_oi: int | None  # type: ignore[assignment]
    put_oi: int | None  # type: ignore[assignment]
    rows: list[PastChainRowOut]  # type: ignore[assignment]


class SimulatorSessionIn(BaseModel):
    """A session of `underlying` standing at `at` (a past minute of the session, with its
    offset: ``2024-12-19T10:30:00+05:30``) on an expiry listed that day."""

    model_config = ConfigDict(extra="forbid")

    underlying: str = Field(min_length=1, max_length=30, examples=["NIFTY"])
    at: UtcDateTime
    expiry: str | None = Field(
        default=None, max_length=20, description="nearest (default), next_week, "
        "current_month or a listed YYYY-MM-DD"
    )  # fmt: skip


class SimulatorLegIn(BaseModel):
    """A leg from the chain, filled at the session's minute at its contract's price."""

    model_config = ConfigDict(extra="forbid")

    strike: Strike
    option_type: Literal["CE", "PE"]
    transaction_type: Literal["BUY", "SELL"]
    lots: JsonInt = Field(ge=1, le=100)
    expiry: Day | None = Field(default=None, description="default: the session's")


class SimulatorStepIn(BaseModel):
    """Move the session on by `minutes` (to 15:29 IST at most)."""

    model_config = ConfigDict(extra="forbid")

    minutes: JsonInt = Field(ge=1, le=375)


class SimulatorSaveIn(BaseModel):
    """How to save: open legs are refused (409 naming them) unless `exit_open` exits them."""

    model_config = ConfigDict(extra="forbid")

    exit_open: Flag = Field(
        default=False,
        description="exit the open legs at the session's minute first (as Exit leg does, with "
        "charges); on the contract's expiry day at 15:29 they settle at expiry instead",
    )


class LegMarkOut(BaseModel):
    """One leg at a minute."""

    id: int
    price: TickPrice
    mtm: Paise


class SimulatorFrameOut(BaseModel):
    """One minute of the session: the index, each leg entered by then, the totals."""

    minute: int
    at: UtcDateTime
    spot: TickPrice | None
    legs: list[LegMarkOut]
    mtm: Paise = Field(description="every leg's P&L at the minute (exits at their price)")
    charges: Paise = Field(description="of the fills by the minute")
    net: Paise = Field(description="mtm − charges")


class SimulatorLegOut(BaseModel):
    """A leg of the session."""

    id: int
    tradingsymbol: str
    expiry: str
    strike: TickPrice
    option_type: str
    side: Literal["BUY", "SELL"]
    lots: int
    lot_size: int
    quantity: int = Field(description="units (lots × lot size)")
    entry_minute: int
    entry_at: UtcDateTime
    entry_price: TickPrice
    exit_minute: int | None
    exit_at: UtcDateTime | None
    exit_price: TickPrice | None
    current_price: TickPrice = Field(description="at the session's minute (the exit's once out)")
    pnl: Paise
    open: bool


class SimulatorSessionOut(BaseModel):
    """A session where it stands."""

    id: int
    underlying: str
    date: str
    expiry: str
    source: Source
    source_note: str
    start_minute: int
    minute: int
    at: UtcDateTime
    spot: TickPrice | None
    legs: list[SimulatorLegOut]
    realised: Paise
    unrealised: Paise
    mtm: Paise
    charges: Paise
    net: Paise
    payoff: PayoffOut | None = Field(
        description="the open legs' payoff at the minute (Black-76 at each leg's IV then); "
        "null: no open leg"
    )
    upload_id: int | None = Field(description="the journal upload it was saved as")
    max_legs: int


class SimulatorStepOut(BaseModel):
    """The session after a step, and the minutes it moved through."""

    moved: int
    frames: list[SimulatorFrameOut]
    session: SimulatorSessionOut


class SimulatorSavedOut(BaseModel):
    """The journal upload the session's fills were booked as."""

    upload_id: int
    trades: int
    exited: list[str] = Field(description="how each leg open at the save was closed")
    session: SimulatorSessionOut

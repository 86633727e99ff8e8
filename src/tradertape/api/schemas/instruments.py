"""Instrument and universe responses (read-only: the catalog is changed by import only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from tradertape.api.schemas.money_out import TickPrice
from tradertape.domain.instruments import Instrument
from tradertape.domain.symbols import BrokerSymbols


class InstrumentOut(BaseModel):
    """One instrument; decimals are strings so no float rounding creeps in."""

    key: str = Field(examples=["NSE:RELIANCE"])
    exchange: str
    tradingsymbol: str
    name: str
    instrument_type: str = Field(description="EQ, INDEX, FUT, CE or PE")
    segment: str = Field(description="Kite's segment: NSE, BSE, INDICES, NFO-FUT, NFO-OPT...")
    instrument_token: int
    exchange_token: int | None
    isin: str | None
    sector: str | None
    industry: str | None
    lot_size: int
    tick_size: Decimal
    expiry: date | None
    strike: TickPrice | None
    underlying: str | None
    tradable: bool

    @classmethod
    def of(cls, i: Instrument, *, tick: Decimal | None = None) -> InstrumentOut:
        """Build from a catalog instrument; `tick` is the one orders must respect now."""
        return cls(
            key=i.key,
            exchange=i.exchange.value,
            tradingsymbol=i.tradingsymbol,
            name=i.name,
            instrument_type=i.instrument_type.value,
            segment=i.segment,
            instrument_token=i.instrument_token,
            exchange_token=i.exchange_token,
            isin=i.isin,
            sector=i.sector,
            industry=i.industry,
            lot_size=i.lot_size,
            tick_size=i.tick_size if tick is None else tick,
            expiry=i.expiry,
            strike=i.strike,
            underlying=i.underlying,
            tradable=i.is_tradable,
        )


class GrowwSymbolOut(BaseModel):
    """Groww's order fields and its readable symbol."""

    trading_symbol: str
    exchange: str
    segment: str = Field(description="CASH or FNO")
    groww_symbol: str = Field(examples=["NSE-NIFTY-29Sep26-24650-CE"])


class BrokerSymbolsOut(BaseModel):
    """The instrument's identifier at each broker; null where it cannot be derived."""

    kite: str = Field(examples=["NSE:RELIANCE"])
    upstox: str | None = Field(examples=["NSE_EQ|INE002A01018"])
    groww: GrowwSymbolOut | None

    @classmethod
    def of(cls, ids: BrokerSymbols) -> BrokerSymbolsOut:
        """Build from the domain's identifiers."""
        groww = None
        if ids.groww is not None:
            g = ids.groww
            groww = GrowwSymbolOut(
                trading_symbol=g.trading_symbol,
                exchange=g.exchange,
                segment=g.segment,
                groww_symbol=g.groww_symbol,
            )
        return cls(kite=ids.kite, upstox=ids.upstox, groww=groww)


class InstrumentDetail(InstrumentOut):
    """An instrument with its identifiers at every broker."""

    symbols: BrokerSymbolsOut
    freeze_quantity: int | None = Field(
        default=None,
        description="NSE's quantity freeze limit of an F&O contract's underlying (units):"
        " an order above it is refused unless placed with `autoslice` (docs/"
        "freeze-quantities.md); null for cash instruments and unlisted underlyings",
        examples=[1800],
    )
    freeze_quantity_as_of: date | None = Field(
        default=None, description="the day the freeze quantity is of (NSE's list or ours)"
    )
    freeze_quantity_stale: bool = Field(
        default=False,
        description="the figure is older than NSE's last revision we know of (3 November "
        "2025): load NSE's current list (`tradertape instruments import-freeze`)",
    )


class ResolvedSymbol(BaseModel):
    """What a symbol in any broker's format names."""

    symbol: str = Field(description="the symbol as given")
    format: str = Field(description="kite, upstox or groww")
    kite: str = Field(description="the Kite key TraderTape uses", examples=["NSE:RELIANCE"])


class UniverseOut(BaseModel):
    """A named universe (e.g. ``nifty_50``) and its size."""

    name: str
    size: int


class UniverseMember(BaseModel):
    """A universe member with its classification."""

    key: str
    tradingsymbol: str
    name: str
    isin: str | None
    sector: str | None
    industry: str | None


class UniverseDetail(UniverseOut):
    """A universe with its members, sorted by key."""

    members: list[UniverseMember]

"""Instruments and universes: search, look up, translate broker symbols.

Readable by any signed-in user. The catalog is the shipped NIFTY 500 reference data plus
any imported Kite dump. ``tick_size`` is the tick orders must respect at the last price
(`domain.ticks.order_tick`), so what is shown is what is enforced.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tradertape.api.deps import DbDep, PageDep, RuntimeDep, current_user
from tradertape.api.schemas.instruments import (
    BrokerSymbolsOut,
    InstrumentDetail,
    InstrumentOut,
    ResolvedSymbol,
    UniverseDetail,
    UniverseMember,
    UniverseOut,
)
from tradertape.domain import symbols
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.ticks import order_tick
from tradertape.errors import NotFound
from tradertape.runtime import Runtime
from tradertape.services.market import instruments

router = APIRouter(tags=["instruments"], dependencies=[Depends(current_user)])


def get_catalog(db: DbDep) -> InstrumentCatalog:
    """The catalog (cached; rebuilt after an import)."""
    return instruments.build_catalog(db)


CatalogDep = Annotated[InstrumentCatalog, Depends(get_catalog)]


def _out(runtime: Runtime, instrument: Instrument) -> InstrumentOut:
    last = runtime.orders.last_tick(instrument.key)
    reference = last.last_price if last is not None else None
    return InstrumentOut.of(instrument, tick=order_tick(instrument, reference))


@router.get("/instruments/search", response_model=list[InstrumentOut])
def search_instruments(
    catalog: CatalogDep,
    runtime: RuntimeDep,
    page: PageDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="symbol or name prefix")],
) -> list[InstrumentOut]:
    """Instruments whose symbol, or a word of whose name, starts with `q` (case-insensitive).

    Exact symbols first, then symbol prefixes, then name matches; cash before F&O.
    """
    found = catalog.search(q, limit=page.limit, offset=page.offset)
    return [_out(runtime, i) for i in found]


@router.get("/instruments/resolve", response_model=ResolvedSymbol)
def resolve_symbol(
    catalog: CatalogDep,
    symbol: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="NSE:RELIANCE, NSE_EQ|INE002A01018 or NSE-NIFTY-29Sep26-24650-CE",
        ),
    ],
) -> ResolvedSymbol:
    """Translate a symbol in any broker's format to the Kite key; 422 naming it if unknown."""
    instrument = instruments.resolve(catalog, symbol, field="symbol")
    kind = symbols.detect_format(symbol)
    return ResolvedSymbol(symbol=symbol, format=kind.value, kite=instrument.key)


@router.get("/instruments/{exchange}/{tradingsymbol}", response_model=InstrumentDetail)
def get_instrument(
    exchange: str, tradingsymbol: str, catalog: CatalogDep, runtime: RuntimeDep, db: DbDep
) -> InstrumentDetail:
    """One instrument with each broker's identifiers and, an F&O contract,
    its freeze quantity, the day it is of and whether it is older than NSE's last revision
    we know of (the order ticket says how many slices an order goes in); 404 if unknown."""
    try:
        instrument = instruments.get_instrument(catalog, exchange, tradingsymbol)
    except NotFound:  # an index option listed from its index (no dump lists it) trades too
        instrument = instruments.get_instrument(
            runtime.orders.context.catalog(db), exchange, tradingsymbol
        )
    ids = BrokerSymbolsOut.of(symbols.broker_symbols(instrument))
    freeze = instruments.freeze_limit(db, instrument)
    return InstrumentDetail(
        **_out(runtime, instrument).model_dump(),
        symbols=ids,
        freeze_quantity=freeze.freeze_quantity if freeze is not None else None,
        freeze_quantity_as_of=freeze.as_of if freeze is not None else None,
        freeze_quantity_stale=freeze is not None and freeze.stale,
    )


@router.get("/universes", response_model=list[UniverseOut])
def list_universes(catalog: CatalogDep) -> list[UniverseOut]:
    """The named universes (NIFTY 50, 100, 200, 500, Next 50) and their sizes."""
    return [
        UniverseOut(name=name, size=len(catalog.universe(name))) for name in catalog.universe_names
    ]


@router.get("/universes/{name}", response_model=UniverseDetail)
def get_universe(name: str, catalog: CatalogDep) -> UniverseDetail:
    """A universe's members with ISIN, sector and industry; 404 naming an unknown universe."""
    members = instruments.universe(catalog, name)
    return UniverseDetail(
        name=name,
        size=len(members),
        members=[
            UniverseMember(
                key=i.key,
                tradingsymbol=i.tradingsymbol,
                name=i.name,
                isin=i.isin,
                sector=i.sector,
                industry=i.industry,
            )
            for i in members
        ],
    )

"""Instruments and universes: search, look up, translate broker symbols.

Readable by any signed-in user or agent key with the ``read`` scope. The catalog is
the shipped NIFTY 500 reference data plus any imported Kite dump.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tradertape.api.deps import DbDep, PageDep, current_user
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
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.services import instruments

router = APIRouter(tags=["instruments"], dependencies=[Depends(current_user)])


def get_catalog(db: DbDep) -> InstrumentCatalog:
    """The catalog (cached; rebuilt after an import)."""
    return instruments.build_catalog(db)


CatalogDep = Annotated[InstrumentCatalog, Depends(get_catalog)]


@router.get("/instruments/search", response_model=list[InstrumentOut])
def search_instruments(
    catalog: CatalogDep,
    page: PageDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="symbol or name prefix")],
) -> list[InstrumentOut]:
    """Instruments whose symbol, or a word of whose name, starts with `q` (case-insensitive).

    Exact symbols first, then symbol prefixes, then name matches; cash before F&O.
    """
    found = catalog.search(q, limit=page.limit, offset=page.offset)
    return [InstrumentOut.of(i) for i in found]


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
    """Translate a Kite, Upstox or Groww symbol to the Kite key; 422 naming it if unknown."""
    instrument = instruments.resolve(catalog, symbol, field="symbol")
    kind = symbols.detect_format(symbol)
    return ResolvedSymbol(symbol=symbol, format=kind.value, kite=instrument.key)


@router.get("/instruments/{exchange}/{tradingsymbol}", response_model=InstrumentDetail)
def get_instrument(exchange: str, tradingsymbol: str, catalog: CatalogDep) -> InstrumentDetail:
    """One instrument with its Kite, Upstox and Groww identifiers; 404 if unknown."""
    instrument = instruments.get_instrument(catalog, exchange, tradingsymbol)
    ids = BrokerSymbolsOut.of(symbols.broker_symbols(instrument))
    return InstrumentDetail(**InstrumentOut.of(instrument).model_dump(), symbols=ids)


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

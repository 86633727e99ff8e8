"""Wealth (spec §10.5, §11): holdings across every connected broker, the agent and
uploads, CAS mutual funds at the newest NAV with XIRR, cash, net worth, day P&L and
allocation (`services.wealth`). AMFI's ``NAVAll.txt`` can be imported (the server has no
internet by default)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile, status

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.wealth import (
    AllocationOut,
    CashOut,
    FundOut,
    HoldingOut,
    MergedHoldingOut,
    NavImportOut,
    WealthOut,
)
from tradertape.domain.money import paise, shown_paise
from tradertape.runtime import Runtime
from tradertape.services.journal import ledger
from tradertape.services.wealth import imports
from tradertape.services.wealth.holdings import (
    Fund,
    Holding,
    Sources,
    Wealth,
    candle_prices,
    merged,
    wealth,
)

router = APIRouter(tags=["wealth"])
_BINARY = {"type": "string", "format": "binary", "maxLength": imports.MAX_FILE_BYTES}


def sources(runtime: Runtime) -> Sources:
    """What a wealth read consults, from the runtime."""
    today = ledger.ist_today(runtime.clock.now())
    return Sources(
        views=runtime.account_views,
        credentials=runtime.brokers,
        reference=ledger.Reference.load(runtime.settings.data_dir),
        prices=candle_prices(runtime.candles, runtime.quotes, today),
        today=today,
    )


def holding_out(h: Holding) -> HoldingOut:
    return HoldingOut(
        source=h.source,
        broker=h.broker,
        account=h.account,
        symbol=h.symbol,
        isin=h.isin,
        exchange=h.exchange,
        quantity=h.quantity,
        average_price=h.average_price,
        last_price=h.last_price,
        previous_close=h.previous_close,
        value=shown_paise(h.value),
        cost=shown_paise(h.cost),
        pnl=shown_paise(h.pnl),
        day_pnl=shown_paise(h.day_pnl),
        obfuscated=h.obfuscated,
        as_of=h.as_of,
    )


def fund_out(f: Fund) -> FundOut:
    return FundOut(
        folio=f.folio,
        scheme=f.scheme,
        isin=f.isin,
        amfi=f.amfi,
        units=f.units,
        nav=f.nav,
        nav_date=f.nav_date,
        nav_source=f.nav_source,
        value=shown_paise(f.value),
        invested=shown_paise(f.invested),
        gain=shown_paise(f.gain),
        day_pnl=shown_paise(f.day_pnl),
        xirr=f.xirr,
        as_of=f.as_of,
        nav_stale=f.nav_stale,
    )


def merged_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "value": shown_paise(row["value"]),
        "day_pnl": shown_paise(row["day_pnl"]),
    }


def allocation_out(parts: list[tuple[str, Decimal, Decimal]]) -> list[AllocationOut]:
    return [
        AllocationOut(asset=name, value=paise(value), share=share.quantize(Decimal("0.0001")))
        for name, value, share in parts
    ]


def _wealth_out(w: Wealth, runtime: Runtime, today: object) -> WealthOut:
    return WealthOut(
        as_of=today,
        oldest_as_of=w.oldest_as_of,
        net_worth=paise(w.net_worth),
        equity=paise(w.equity),
        mutual_funds=paise(w.mutual_funds),
        cash=paise(w.cash_total),
        day_pnl=paise(w.day_pnl),
        funds_xirr=w.funds_xirr,
        allocation=allocation_out(w.allocation()),
        holdings=[holding_out(h) for h in w.holdings],
        merged=[MergedHoldingOut.model_validate(merged_out(r)) for r in merged(w.holdings)],
        funds=[fund_out(f) for f in w.funds],
        cash_lines=[
            CashOut(source=c.source, broker=c.broker, amount=paise(c.amount), as_of=c.as_of)
            for c in w.cash
        ],
        warnings=w.warnings,
    )


@router.get("/wealth", response_model=WealthOut)
def my_wealth(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> WealthOut:
    """Your net worth: equity holdings from each connected broker (else the agent's
    snapshot, else your uploaded tradebooks), CAS demat shares no broker lists, mutual
    funds at the newest NAV with XIRR (each value dated on its NAV's day; a NAV more than
    a week old is ``nav_stale``), cash; day P&L and allocation. Every row says the day its
    figure is of (``as_of``), and ``oldest_as_of`` the oldest in the totals."""
    found = sources(runtime)
    return _wealth_out(wealth(db, user_id=user.id, sources=found), runtime, found.today)


@router.post("/wealth/navs", response_model=NavImportOut, status_code=status.HTTP_201_CREATED)
def import_navs(
    file: Annotated[
        UploadFile,
        File(
            description="AMFI's NAVAll.txt (amfiindia.com/spages/NAVAll.txt)",
            json_schema_extra=_BINARY,
        ),
    ],
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
) -> NavImportOut:
    """Import AMFI's daily NAV file: your CAS funds are then valued at it (when newer than
    the statement), and two days' files give the funds' day P&L."""
    report = imports.import_navs(
        db,
        file.file.read(imports.MAX_FILE_BYTES + 1),
        user_id=user.id,
        max_bytes=min(imports.MAX_FILE_BYTES, runtime.settings.max_upload_file_bytes),
    )
    return NavImportOut(
        rows_read=report.rows_read,
        rows_added=report.rows_added,
        skipped=report.skipped,
        days=report.days,
        matched_funds=report.matched,
        unmatched_funds=report.unmatched,
    )

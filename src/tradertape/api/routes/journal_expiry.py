"""Settlement prices of the journal's expired F&O contracts (`services.journal.expiries`):
which the journal waits on, and the user's entry of one."""

from __future__ import annotations

from fastapi import APIRouter

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.journal import SettlementPriceIn, SettlementPriceOut
from tradertape.candles.fo_store import FoStore
from tradertape.services.journal import expiries, ledger

router = APIRouter(tags=["journal"])


def _out(listed: expiries.Listed) -> SettlementPriceOut:
    return SettlementPriceOut(
        underlying=listed.underlying,
        expiry=listed.expiry,
        price=listed.price,
        symbols=list(listed.symbols),
    )


@router.get("/journal/settlement-prices", response_model=list[SettlementPriceOut])
def settlement_prices(
    user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> list[SettlementPriceOut]:
    """The settlement prices your expired F&O contracts wait on (``price`` null), and those
    they settle at, by underlying and expiry day: the price you entered, else NSE's F&O
    bhavcopy of the expiry day where imported, else an imported index close."""
    today = ledger.ist_today(runtime.clock.now())
    fo = FoStore.in_data_folder(runtime.settings.data_dir)
    found = expiries.expiring(db, user_id=user.id, today=today, fo=fo)
    return [_out(n) for n in expiries.listed(found)]


@router.put("/journal/settlement-prices", response_model=SettlementPriceOut)
def enter_settlement_price(
    body: SettlementPriceIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> SettlementPriceOut:
    """Enter an underlying's final settlement price on an expiry day (its close, as the
    exchange published it): every expired contract of it the journal holds is closed at its
    settlement there (an option at its intrinsic value), in the expiry's financial year."""
    entered = expiries.enter(
        db,
        user_id=user.id,
        underlying=body.underlying,
        expiry=body.expiry,
        price=body.price,
        today=ledger.ist_today(runtime.clock.now()),
        fo=FoStore.in_data_folder(runtime.settings.data_dir),
    )
    return _out(entered)

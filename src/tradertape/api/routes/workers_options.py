"""The worker options namespace: sessions, expiries, chains, greeks, selection and option runs.

Market reads need only a live worker token (the contract's "token only"); creating,
previewing, entering and exiting need ``intents:submit``; protection edits
``risk:update``; run state ``runs:read``. Guarded mutations take the session nonce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.orm import Session

from tradertape.api.deps import (
    DbDep,
    RuntimeDep,
    WorkerTokenDep,
    worker_action,
)
from tradertape.api.routes.workers_execution import SubmitterLater
from tradertape.api.routes.workers_runs import Nonce, Reader
from tradertape.api.schemas.option_answers import (
    AnalyticsOut,
    ChainOut,
    ExpiriesOut,
    GreeksOut,
    MiniChainOut,
    OptionPreviewOut,
    OptionRunActionOut,
    OptionRunOut,
    OptionSessionOut,
    ProtectionStateOut,
    ReplayOut,
    ResolvedOut,
    StrategyPreviewOut,
)
from tradertape.api.schemas.options import OptionRunActionIn, OptionRunIn
from tradertape.db.models import WorkerToken
from tradertape.runtime import Runtime
from tradertape.services.options import chain, replay, runs, selection
from tradertape.serving.free_json import JsonObject

router = APIRouter(prefix="/algo-workers/worker/options", tags=["algo-workers-options"])

Submitter = Annotated[WorkerToken, Depends(worker_action("intents:submit"))]
RiskEditor = Annotated[WorkerToken, Depends(worker_action("risk:update"))]
Expiry = Annotated[str | None, Query(max_length=20, description="nearest, current_week, …")]
Payload = Annotated[Any, Body()]


@router.get(
    "/underlyings/{underlying}/session",
    response_model=OptionSessionOut,
    response_model_exclude_unset=True,
)
def ensure_session(
    underlying: str, token: WorkerTokenDep, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """What is listed for the underlying and where its index is (404 if nothing is)."""
    return chain.session(runtime.options, db, underlying)


@router.get(
    "/underlyings/{underlying}/expiries",
    response_model=ExpiriesOut,
    response_model_exclude_unset=True,
)
def list_expiries(
    underlying: str, token: WorkerTokenDep, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """The listed expiries, nearest first."""
    return chain.expiries(runtime.options, db, underlying)


@router.get(
    "/underlyings/{underlying}/chain", response_model=ChainOut, response_model_exclude_unset=True
)
def get_chain(
    underlying: str, token: WorkerTokenDep, runtime: RuntimeDep, db: DbDep, expiry: Expiry = None
) -> dict[str, Any]:
    """One expiry's chain: per strike the call and put with price, IV (%) and greeks."""
    return chain.chain(runtime.options, db, underlying, expiry)


@router.get(
    "/underlyings/{underlying}/mini-chain",
    response_model=MiniChainOut,
    response_model_exclude_unset=True,
)
def get_mini_chain(
    underlying: str,
    token: WorkerTokenDep,
    runtime: RuntimeDep,
    db: DbDep,
    expiry: Expiry = None,
    window: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict[str, Any]:
    """The `window` strikes either side of ATM."""
    return chain.mini_chain(runtime.options, db, underlying, expiry, window)


@router.get(
    "/underlyings/{underlying}/greeks", response_model=GreeksOut, response_model_exclude_unset=True
)
def get_greeks(
    underlying: str, token: WorkerTokenDep, runtime: RuntimeDep, db: DbDep, expiry: Expiry = None
) -> dict[str, Any]:
    """Every contract of one expiry with IV and Black-76 greeks."""
    return chain.greeks(runtime.options, db, underlying, expiry)


@router.get(
    "/underlyings/{underlying}/analytics/pcr",
    response_model=AnalyticsOut,
    response_model_exclude_unset=True,
)
def get_pcr(
    underlying: str, token: WorkerTokenDep, runtime: RuntimeDep, db: DbDep, expiry: Expiry = None
) -> dict[str, Any]:
    """Put/call ratio of one expiry's open interest (synthetic in the simulated market)."""
    return chain.analytics(runtime.options, db, underlying, expiry, "pcr")


@router.get(
    "/underlyings/{underlying}/analytics/max-pain",
    response_model=AnalyticsOut,
    response_model_exclude_unset=True,
)
def get_max_pain(
    underlying: str, token: WorkerTokenDep, runtime: RuntimeDep, db: DbDep, expiry: Expiry = None
) -> dict[str, Any]:
    """The strike where option holders would collect least at expiry."""
    return chain.analytics(runtime.options, db, underlying, expiry, "max_pain")


@router.post(
    "/underlyings/{underlying}/selection/resolve",
    response_model=ResolvedOut,
    response_model_exclude_unset=True,
)
def resolve_contracts(
    underlying: str, token: WorkerTokenDep, runtime: RuntimeDep, db: DbDep, body: Payload = None
) -> dict[str, Any]:
    """Legs by strike, ATM offset, delta target or moneyness, to listed contracts."""
    return selection.resolve(runtime.options, db, underlying, body)


@router.post(
    "/strategies/preview", response_model=StrategyPreviewOut, response_model_exclude_unset=True
)
def preview_strategy(
    token: WorkerTokenDep, runtime: RuntimeDep, db: DbDep, body: Payload = None
) -> dict[str, Any]:
    """Resolve a strategy's legs and price it: ``{underlying, expiry, legs, net_premium}``."""
    return selection.preview_strategy(runtime.options, db, body)


@router.post("/runs", response_model=OptionRunOut, response_model_exclude_unset=True)
def create_run(
    body: OptionRunIn, token: Submitter, runtime: RuntimeDep, db: DbDep, nonce: Nonce = None
) -> dict[str, Any]:
    """An option run on the worker run `strategy_run_id` (or on a new paper run)."""
    payload = body.model_dump(mode="json")
    return runs.create(runtime.workers, runtime.options, db, token, payload, nonce=nonce)


@router.post(
    "/runs/{run_id}/preview-entry",
    response_model=OptionPreviewOut,
    response_model_exclude_unset=True,
)
def preview_entry(
    run_id: str, token: Submitter, runtime: RuntimeDep, db: DbDep, body: Payload = None
) -> dict[str, Any]:
    """The entry basket with net premium, margin and charges; places nothing."""
    return runs.preview_entry(runtime.workers, runtime.options, db, token, run_id)


@router.post(
    "/runs/{run_id}/preview-exit",
    response_model=OptionPreviewOut,
    response_model_exclude_unset=True,
)
def preview_exit(
    run_id: str, token: Submitter, runtime: RuntimeDep, db: DbDep, body: Payload = None
) -> dict[str, Any]:
    """The orders that would flatten the run, with charges; places nothing."""
    return runs.preview_exit(runtime.workers, runtime.options, db, token, run_id)


def _act(
    action: str,
    run_id: str,
    body: OptionRunActionIn | None,
    nonce: str | None,
    runtime: Runtime,
) -> Callable[[Session, WorkerToken], dict[str, Any]]:
    """The action, for `WorkerCredential.run`: an entry or an exit costs one thread hop (the
    token, the action and the session in one worker thread), as an intent does."""
    payload = (body or OptionRunActionIn()).model_dump(mode="json", exclude_none=True)

    def act(db: Session, token: WorkerToken) -> dict[str, Any]:
        return runs.act(
            runtime.workers,
            runtime.options,
            db,
            token,
            run_id,
            action=action,
            body=payload,
            nonce=nonce,
        )

    return act


@router.post(
    "/runs/{run_id}/enter", response_model=OptionRunActionOut, response_model_exclude_unset=True
)
async def enter(
    run_id: str,
    credential: SubmitterLater,
    body: OptionRunActionIn | None = None,
    nonce: Nonce = None,
) -> dict[str, Any]:
    """Place the legs as one basket (all-or-none by default), once per idempotency key."""
    return await credential.run(_act("enter", run_id, body, nonce, credential.runtime))


@router.post(
    "/runs/{run_id}/exit", response_model=OptionRunActionOut, response_model_exclude_unset=True
)
async def exit_run(
    run_id: str,
    credential: SubmitterLater,
    body: OptionRunActionIn | None = None,
    nonce: Nonce = None,
) -> dict[str, Any]:
    """Flatten the legs at market (shorts bought back first), once per open position."""
    return await credential.run(_act("exit", run_id, body, nonce, credential.runtime))


@router.get("/runs/{run_id}/state", response_model=OptionRunOut, response_model_exclude_unset=True)
def get_run_state(run_id: str, token: Reader, runtime: RuntimeDep, db: DbDep) -> dict[str, Any]:
    """The option run with each leg's position and mark."""
    return runs.state(runtime.options, db, token, run_id)


@router.put(
    "/runs/{run_id}/protection", response_model=OptionRunOut, response_model_exclude_unset=True
)
def update_protection(
    run_id: str,
    token: RiskEditor,
    runtime: RuntimeDep,
    db: DbDep,
    body: Annotated[JsonObject, Body()],
    nonce: Nonce = None,
) -> dict[str, Any]:
    """Replace the rules: ``{rules, precedence}`` or the README's ``{stoploss_pct}``."""
    return runs.update_protection(
        runtime.workers, runtime.options, db, token, run_id, body, nonce=nonce
    )


@router.get(
    "/runs/{run_id}/protection/state",
    response_model=ProtectionStateOut,
    response_model_exclude_unset=True,
)
def get_protection_state(
    run_id: str, token: Reader, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Evaluate the rules on the current metrics (a change of verdict is journalled)."""
    return runs.protection_state(runtime.workers, runtime.options, db, token, run_id)


@router.post(
    "/runs/{run_id}/protection/replay", response_model=ReplayOut, response_model_exclude_unset=True
)
def replay_protection(
    run_id: str,
    token: Reader,
    db: DbDep,
    body: Annotated[JsonObject, Body()],
) -> dict[str, Any]:
    """What-if: the run's rules (or ``protection``) on each of ``metric_snapshots``; nothing
    is stored."""
    return replay.replay(db, token, run_id, body)

"""Worker risk and backend protection: ``PATCH /runs/{id}/risk`` and ``/protection``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from tradertape.api.deps import DbDep, RuntimeDep, worker_action
from tradertape.api.routes.workers_runs import Nonce
from tradertape.api.schemas.worker_runs import RunOut
from tradertape.api.schemas.workers import ProtectionIn, RiskPatchIn
from tradertape.db.models import WorkerToken
from tradertape.services.protection import settings as run_settings

router = APIRouter(prefix="/algo-workers/worker", tags=["algo-workers"])

RiskUpdater = Annotated[WorkerToken, Depends(worker_action("risk:update"))]


@router.patch("/runs/{run_id}/protection", response_model=RunOut, response_model_exclude_unset=True)
def update_backend_protection(
    run_id: str,
    body: ProtectionIn,
    token: RiskUpdater,
    runtime: RuntimeDep,
    db: DbDep,
    nonce: Nonce = None,
) -> dict[str, Any]:
    """Replace the run's backend protection: a new generation, trailing memory reset unless
    ``reset_trailing`` is false; 409 once a protection exit was submitted."""
    return run_settings.update_protection(
        runtime.workers,
        db,
        token,
        run_id,
        nonce=nonce,
        config=body.backend_protection,
        reason=body.reason,
        reset_trailing=body.reset_trailing,
    )


@router.patch("/runs/{run_id}/risk", response_model=RunOut, response_model_exclude_unset=True)
def patch_risk(
    run_id: str,
    body: RiskPatchIn,
    token: RiskUpdater,
    runtime: RuntimeDep,
    db: DbDep,
    nonce: Nonce = None,
) -> dict[str, Any]:
    """Merge the patch into ``runtime_state.risk`` and the matching ``risk_schema`` values."""
    return run_settings.patch_risk(
        runtime.workers, db, token, run_id, nonce=nonce, patch=body.patch, reason=body.reason
    )

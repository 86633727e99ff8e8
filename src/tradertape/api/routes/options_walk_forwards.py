"""Options walk-forwards: the options sweep's grid of leg parameters folded as an equity
walk-forward is, stored and run on the research jobs. Its start is here; following,
listing, reading, cancelling, resuming and deleting are the equity walk-forwards' own
routes for this kind (`walk_forwards.run_routes`), and so are its answers."""

from __future__ import annotations

from fastapi import APIRouter, status

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.routes.walk_forwards import run_routes
from tradertape.api.schemas.errors import HEAVY_JOB_RESPONSES
from tradertape.api.schemas.options_sweeps import OptionWalkForwardRequest
from tradertape.api.schemas.walk_forwards import WalkForwardBrief, walk_forward_brief
from tradertape.db.models.strategies import OPTIONS
from tradertape.services.research import options_walk_forwards

router = APIRouter(prefix="/backtests/options/walk-forwards", tags=["backtest"])


@router.post(
    "",
    response_model=WalkForwardBrief,
    status_code=status.HTTP_202_ACCEPTED,
    responses=HEAVY_JOB_RESPONSES,
)
def start_options_walk_forward(
    body: OptionWalkForwardRequest, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> WalkForwardBrief:
    """Start a walk-forward (``queued``) over a grid of one or two leg parameters of an
    options strategy: every fold runs each cell in sample and out of sample, chooses by the
    objective and scores the choice on days it never saw. A time-of-day parameter or a value
    the strategy refuses is a 422 naming ``parameters[i]``; windows the chains' days cannot
    hold name ``in_sample_days``; past your cap of sweeps under way, 429."""
    ask = options_walk_forwards.OptionsWalkForwardAsk(sweep=body.sweep_ask(), folds=body)
    row = options_walk_forwards.start(
        db,
        runtime.research,
        ask,
        clock=runtime.clock,
        user_id=user.id,
        data_dir=runtime.settings.data_dir,
        limit=runtime.settings.sweep_max_variants,
    )
    return walk_forward_brief(row)


run_routes(router, OPTIONS)

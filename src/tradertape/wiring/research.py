"""The research and background-jobs context: each user's heavy jobs, and the guard every
background job runs its items through."""

from __future__ import annotations

from dataclasses import dataclass

from tradertape.db.engine import Database
from tradertape.ports.clock import Clock
from tradertape.services.background.guard import JobGuard
from tradertape.services.job_caps import BACKTEST, EXPORT, SWEEP, UPLOAD, JobCaps
from tradertape.services.research.jobs import ResearchJobs, SweepPlan
from tradertape.settings import Settings


@dataclass(frozen=True, slots=True)
class Research:
    """Heavy jobs and the job guard."""

    job_caps: JobCaps  # each user's heavy jobs under way (backtests, sweeps, uploads, exports)
    guard: JobGuard  # background work fails item by item (the loop, its jobs, protection)
    research: ResearchJobs  # backtests with progress and parameter sweeps, in threads


def build_research(settings: Settings, *, db: Database, clock: Clock) -> Research:
    """On the jobs' pool (`db.jobs`): the loop's watchers and sweeps, which requests cannot
    starve."""
    job_caps = JobCaps(
        {
            BACKTEST: settings.max_backtests_per_user,
            SWEEP: settings.max_sweeps_per_user,
            UPLOAD: settings.max_uploads_per_user,
            EXPORT: settings.max_exports_per_user,
        }
    )
    return Research(
        job_caps=job_caps,
        guard=JobGuard(db=db.jobs, clock=clock),
        research=ResearchJobs(
            db=db.jobs,
            clock=clock,
            plan=SweepPlan.of(settings.sweep_workers, settings.ray_address),
            caps=job_caps,
        ),
    )

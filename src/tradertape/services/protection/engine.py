"""The backend protection engine: watch protected runs, and exit one when a rule fires.

It runs beside the trading loop: after each tick batch for the runs holding a ticked
instrument, and on the loop's timer for every protected run (stale workers and the MIS
buffer need no tick). A pass reads without locking and usually ends there; only when a
rule fires or a trailing best improves does it take the run's lock, evaluate again on
the fresh row, and write. A firing rule claims the exit with the generation fence
(`fence.claim_exit`), then places it through the OMS in the same transaction and
journals ``protection.triggered`` and ``protection.exit_submitted``. However many ticks,
timers or processes race, one generation submits one exit. An exit the market refuses
(closed session, no price) keeps its claim and is retried on later timer passes.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import Order, WorkerRun, WorkerRunOrder
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.protection_rules import Inputs, LegMark, Memory, Verdict, evaluate
from tradertape.domain.worker_runs import RunStatus
from tradertape.oms import Guard
from tradertape.ports.clock import IST
from tradertape.services.protection.fence import claim_exit
from tradertape.services.protection.recovery import Recovery, last_sign_of_life
from tradertape.services.protection.settings import config_of, record_event, write_state
from tradertape.services.workers import exits, pnl
from tradertape.services.workers.access import lock_run, not_replayed_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.safety import protection_state
from tradertape.services.workers.views import iso

log = logging.getLogger("tradertape.workers")

_DERIVATIVES = (Exchange.NFO.value, Exchange.BFO.value)
_NOT_REPLAYED = not_replayed_run()  # a replay evaluates its own run


class ProtectionEngine:
    """Evaluates backend protection on prices and on a timer; runs the recovery sweeps."""

    def __init__(
        self,
        *,
        db: Database,
        workers: WorkerContext,
        calendar: TradingCalendar,
        recovery: Recovery,
        guard: Guard,
    ) -> None:
        """`guard`: each run's evaluation fails alone (`background.guard`)."""
        self._db = db
        self._guard = guard
        self._workers = workers
        self._calendar = calendar
        self.recovery = recovery

    # -- the loop's hooks ---------------------------------------------------------------

    def on_prices(self, keys: Iterable[str]) -> list[str]:
        """Evaluate the protected runs holding any of `keys`; settle exiting ones. Fired rules."""
        ticked = set(keys)
        with self._db.session() as db:
            watched = db.execute(
                select(
                    WorkerRun.id,
                    WorkerRun.user_id,
                    WorkerRun.status,
                    Order.exchange,
                    Order.tradingsymbol,
                )
                .join(WorkerRunOrder, WorkerRunOrder.run_pk == WorkerRun.id)
                .join(Order, Order.id == WorkerRunOrder.order_pk)
                .where(
                    (WorkerRun.protection_armed & (WorkerRun.status == RunStatus.OPEN.value))
                    | (WorkerRun.status == RunStatus.EXITING.value),
                    _NOT_REPLAYED,
                )
                .distinct()
            ).all()
        protected: set[tuple[int, int]] = set()
        exiting: set[tuple[int, int]] = set()
        for pk, user_id, status, exchange, symbol in watched:
            if f"{exchange}:{symbol}" in ticked:
                (exiting if status == RunStatus.EXITING.value else protected).add((pk, user_id))
        fired = self._each(sorted(protected), timer=False)
        self.recovery.settle_each(sorted(exiting))
        return fired

    def on_timer(self) -> list[str]:
        """Evaluate every protected open run, retry unplaced exits, then run the recoveries."""
        with self._db.session() as db:
            runs = db.execute(
                select(WorkerRun.id, WorkerRun.user_id).where(
                    WorkerRun.protection_armed,
                    WorkerRun.status == RunStatus.OPEN.value,
                    _NOT_REPLAYED,
                )
            ).all()
        fired = self._each([(pk, user_id) for pk, user_id in runs], timer=True)
        self.recovery.sweep()
        return fired

    def _each(self, runs: Iterable[tuple[int, int]], *, timer: bool) -> list[str]:
        """Evaluate each (run, owner); one run's failure does not stop the others'."""
        rules = self._guard.each(
            runs,
            job="protection.evaluate",
            key=lambda run: f"run:{run[0]}",
            owner=lambda run: run[1],
            work=lambda run: self.evaluate(run[0], timer=timer),
        )
        return [rule for rule in rules if rule]

    # -- one run --------------------------------------------------------------------------

    def evaluate(self, run_pk: int, *, timer: bool = False) -> str | None:
        """Evaluate one run; on a trigger claim and submit its exit. The rule that fired."""
        with self._db.session() as db:
            run = db.get(WorkerRun, run_pk)
            if run is None or not self._watched(run):
                return None
            if run.protection_claim is None:
                verdict = self._verdict(db, run)
                if verdict is None or not (timer or verdict.rule or verdict.remembered_more):
                    return None
            elif not timer:  # claimed: only the timer retries an exit not placed yet
                return None
            lock_run(db, run)
            if not self._watched(run):
                db.rollback()
                return None
            now = self._workers.clock.now()
            if run.protection_claim is not None:  # claimed, but its exit was not placed yet
                if timer and not protection_state(run).get("exit_submitted"):
                    self._submit(db, run, now)
                    db.commit()
                return None
            verdict = self._verdict(db, run)
            if verdict is None:
                db.rollback()
                return None
            if verdict.rule is None:
                self._remember(run, verdict, now)
                db.commit()
                return None
            fired = self._trigger(db, run, verdict, now)
            db.commit()
            return fired

    @staticmethod
    def _watched(run: WorkerRun) -> bool:
        return run.protection_armed and run.status == RunStatus.OPEN.value

    def _verdict(self, db: Session, run: WorkerRun) -> Verdict | None:
        config = config_of(run)
        if config is None or not config.enabled:
            return None
        state = protection_state(run)
        return evaluate(config, Memory.of_state(state), self._inputs(db, run))

    def _inputs(self, db: Session, run: WorkerRun) -> Inputs:
        legs = [
            LegMark(
                instrument_token=m.leg.instrument_token,
                exchange=m.leg.exchange,
                tradingsymbol=m.leg.tradingsymbol,
                product=m.leg.product,
                quantity=m.leg.quantity,
                average=m.leg.average,
                last_price=m.last_price,
            )
            for m in pnl.compute(self._workers, db, run).open_legs
        ]
        config = self._workers.trading.config
        market_now = self._workers.trading.clock.now().astimezone(IST)
        return Inputs(
            legs=legs,
            heartbeat_age_secs=self._heartbeat_age(db, run),
            market_now=market_now,
            trading_day=self._calendar.is_trading_day(market_now.date()),
            squareoff_at={
                exchange.value: config.squareoff_time(exchange.value in _DERIVATIVES)
                for exchange in Exchange
            },
        )

    def _heartbeat_age(self, db: Session, run: WorkerRun) -> float | None:
        beat = last_sign_of_life(db, run)
        return None if beat is None else (self._workers.clock.now() - beat).total_seconds()

    @staticmethod
    def _remember(run: WorkerRun, verdict: Verdict, now: datetime) -> None:
        write_state(
            run,
            position_states=verdict.memory.position_states(),
            best_basket_pnl_pct=verdict.memory.best_basket_pct,
            current_basket_pnl_pct=verdict.basket_pct,
            errors=verdict.errors,
            last_checked_at=iso(now),
        )

    def _trigger(self, db: Session, run: WorkerRun, verdict: Verdict, now: datetime) -> str | None:
        claim = f"pcl_{secrets.token_hex(10)}"
        if not claim_exit(db, run, claim):
            return None
        self._remember(run, verdict, now)
        write_state(
            run,
            status="triggered",
            triggered_rule=verdict.rule,
            triggered_at=iso(now),
            action="exit_strategy",
            details=verdict.details,
            exit_claim_id=claim,
            exit_submitted=False,
            exit_submission_status="pending",
        )
        record_event(
            db,
            run,
            "protection.triggered",
            now,
            f"backend protection fired: {verdict.rule}",
            {"rule": verdict.rule, "generation": run.protection_generation, **verdict.details},
        )
        self._submit(db, run, now)
        return verdict.rule

    def _submit(self, db: Session, run: WorkerRun, now: datetime) -> None:
        state = protection_state(run)
        claim = str(state.get("exit_claim_id") or run.protection_claim)
        rule = state.get("triggered_rule")
        attempts = int(state.get("exit_attempts") or 0) + 1
        status, result = exits.flatten(
            self._workers,
            db,
            run,
            f"backend protection: {rule}",
            key=f"protection:{claim}",
            now=now,
            role="protection",
        )
        if status == "failed":
            write_state(
                run,
                exit_submission_status="failed",
                exit_attempts=attempts,
                exit_errors=result.get("errors", []),
                last_checked_at=iso(now),
            )
            if attempts == 1:  # retries are quiet until one succeeds
                record_event(
                    db,
                    run,
                    "protection.exit_failed",
                    now,
                    "the protection exit could not be placed yet; it will be retried",
                    {"rule": rule, "errors": result.get("errors", [])},
                )
            return
        order_ids = [o["order_id"] for o in result.get("orders", [])]
        write_state(
            run,
            exit_submitted=True,
            exit_submission_status=status,
            exit_attempts=attempts,
            exit_order_ids=order_ids,
            last_checked_at=iso(now),
        )
        record_event(
            db,
            run,
            "protection.exit_submitted",
            now,
            f"protection exit {status}: {len(order_ids)} order(s)",
            {"rule": rule, "status": status, "order_ids": order_ids, "claim_id": claim},
        )

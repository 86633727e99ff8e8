"""Algo-worker runs: the run document, its intents (idempotency), its orders and its timeline.

A run belongs to the worker token that created it; its public id (``strategy_run_id``)
is unique per token, so one token can never see, collide with or probe another's runs.
Everything a worker relies on after a restart lives here: the session nonce and
heartbeat, each intent's stored result under its idempotency key, and the journal.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class ProtectionFence:
    """Columns of automatic protection's exit fence (`services.protection.fence`).

    Each rules document is a generation, and an exit is claimed by a compare-and-set on
    (generation, no claim), so one trigger submits one exit.
    """

    protection_generation: Mapped[int] = mapped_column(server_default=text("1"))
    protection_claim: Mapped[str | None] = mapped_column(String(40))


class WorkerRun(Owned, ProtectionFence, Base):
    """One strategy run of an external worker: identity, mode, session and free state."""

    __tablename__ = "worker_runs"
    __table_args__ = (
        UniqueConstraint("token_id", "run_key"),
        # The run list pages newest first within one token.
        Index("ix_worker_runs_token_id_id", "token_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("worker_tokens.id", ondelete="CASCADE")
    )
    run_key: Mapped[str] = mapped_column(String(128))  # the SDK's strategy_run_id
    name: Mapped[str] = mapped_column(String(200))
    template_id: Mapped[str] = mapped_column(String(100))
    account_scope: Mapped[str] = mapped_column(String(100))
    execution_mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), index=True)
    summary_fields: Mapped[list[dict[str, Any]]]
    risk_schema: Mapped[list[dict[str, Any]]]
    allowed_actions: Mapped[list[str]]
    runtime_state: Mapped[dict[str, Any]]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    session_nonce: Mapped[str | None] = mapped_column(String(40))
    session_claimed_at: Mapped[datetime | None]
    last_heartbeat_at: Mapped[datetime | None]
    heartbeat: Mapped[dict[str, Any]]  # the last run heartbeat's status, metrics, worker id
    last_progress_at: Mapped[datetime | None]
    progress_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # Enabled protection on a run that is still open: what the engine looks at on ticks.
    protection_armed: Mapped[bool] = mapped_column(server_default=false(), index=True)


class WorkerIntent(Base):
    """An intent's idempotency key, claimed before it runs, with the result it produced.

    The unique (run, key) pair is the whole guarantee: the row is inserted in the same
    transaction as the intent's effects, so a replay or a racing duplicate finds it.
    """

    __tablename__ = "worker_intents"
    __table_args__ = (UniqueConstraint("run_pk", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("worker_runs.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(160))
    intent_type: Mapped[str] = mapped_column(String(20))
    request: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class WorkerRunOrder(Base):
    """An order placed for a run: the attribution grouped P&L and the order views read."""

    __tablename__ = "worker_run_orders"
    __table_args__ = (UniqueConstraint("order_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(
        ForeignKey("worker_runs.id", ondelete="CASCADE"), index=True
    )
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    intent_pk: Mapped[int | None] = mapped_column(
        ForeignKey("worker_intents.id", ondelete="SET NULL")
    )
    role: Mapped[str] = mapped_column(String(12))  # entry | exit | protection


class WorkerEvent(Base):
    """One line of a run's timeline; the id is the cursor workers page and resume by.

    Writers hold the run's lock while they insert, so within a run the cursor grows in
    commit order and a reader paging by ``cursor > after`` never skips a late commit.
    """

    __tablename__ = "worker_events"
    __table_args__ = (Index("ix_worker_events_run_pk_id", "run_pk", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("worker_runs.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(String(64))
    basket_execution_id: Mapped[str | None] = mapped_column(String(64))
    event_kind: Mapped[str] = mapped_column(String(12))  # execution | decision | protection
    event_source: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(64))
    related_resource_type: Mapped[str | None] = mapped_column(String(40))
    related_resource_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class WorkerOptionRun(Owned, ProtectionFence, Base):
    """A multi-leg option strategy on a worker run: its legs, lifecycle and protection.

    One per worker run (they share the ``strategy_run_id``), so the run's session, safety
    token and idempotency keys guard it; its orders are the run's orders with the roles
    ``opt_entry``/``opt_exit``.
    """

    __tablename__ = "worker_option_runs"
    __table_args__ = (UniqueConstraint("run_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("worker_runs.id", ondelete="CASCADE"))
    strategy_name: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(8))
    underlying: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    legs: Mapped[list[dict[str, Any]]]
    # What an entry some legs of which failed does: ``unwind`` the filled legs, or ``keep``
    # them under the run's protection rules.
    on_partial_entry: Mapped[str] = mapped_column(
        String(8), default="unwind", server_default="unwind"
    )
    protection: Mapped[dict[str, Any]]  # {rules: [...], precedence: [...]}
    protection_state: Mapped[dict[str, Any]]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    entry: Mapped[dict[str, Any]]  # the last entry: its legs as planned and sent, its result
    exit: Mapped[dict[str, Any]]  # the last exit (or unwind), likewise
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WorkerReplay(Owned, Base):
    """A worker run played against a past period (`services.workers.replays`).

    ``user_id`` is the owner who started it; the run, its token and its paper books belong
    to ``replay_user_id``, an account of the replay's own, so its orders, funds and
    positions never meet the owner's paper account or another replay's.
    """

    __tablename__ = "worker_replays"

    id: Mapped[int] = mapped_column(primary_key=True)
    replay_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    token_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("worker_tokens.id", ondelete="CASCADE"), unique=True
    )
    run_key: Mapped[str] = mapped_column(String(128))
    start_date: Mapped[date]
    end_date: Mapped[date]
    resolution: Mapped[str] = mapped_column(String(8))
    speed: Mapped[int]  # 0: one bar each time the worker asks (``max``)
    steps: Mapped[int] = mapped_column(server_default=text("0"))  # bars played at ``max``
    processed_at: Mapped[datetime | None]  # replay time up to which orders were matched
    status: Mapped[str] = mapped_column(String(12))  # running | finished
    report: Mapped[dict[str, Any] | None]
    started_at: Mapped[datetime]  # wall time
    finished_at: Mapped[datetime | None]

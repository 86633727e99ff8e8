"""walk-forward trials: each told trial of a walk-forward's Bayesian search, so a run cut
off mid-fold rebuilds the fold's Optuna study and resumes at the next batch (issue 70)

Revision ID: 0074
Revises: 0073
Create Date: 2026-11-29 23:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0074"
down_revision: str | None = "0073"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "walk_forward_trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("fold", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["walk_forward_runs.id"],
            name=op.f("fk_walk_forward_trials_run_id_walk_forward_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_forward_trials")),
        sa.UniqueConstraint("run_id", "fold", "number", name=op.f("uq_walk_forward_trials_run_id")),
    )


def downgrade() -> None:
    op.drop_table("walk_forward_trials")

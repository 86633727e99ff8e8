"""journal uploads: tradebooks, ledgers and CAS statements, with the rows each brought

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-24 19:21:39.002320
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tradertape.db.types

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trade_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("broker", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("account_code", sa.String(length=32), nullable=True),
        sa.Column("segment", sa.String(length=8), nullable=True),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_to", sa.Date(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_added", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("obfuscated", sa.Boolean(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("created_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_trade_uploads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_uploads")),
    )
    with op.batch_alter_table("trade_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trade_uploads_user_id"), ["user_id"], unique=False)

    op.create_table(
        "journal_cas_holdings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("isin", sa.String(length=16), nullable=True),
        sa.Column("amfi", sa.String(length=16), nullable=True),
        sa.Column("folio", sa.String(length=40), nullable=True),
        sa.Column("units", tradertape.db.types.ExactDecimal(), nullable=False),
        sa.Column("price", tradertape.db.types.ExactDecimal(), nullable=True),
        sa.Column("value", tradertape.db.types.ExactDecimal(), nullable=True),
        sa.Column("cost", tradertape.db.types.ExactDecimal(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["trade_uploads.id"],
            name=op.f("fk_journal_cas_holdings_upload_id_trade_uploads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_journal_cas_holdings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_cas_holdings")),
    )
    with op.batch_alter_table("journal_cas_holdings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_cas_holdings_upload_id"), ["upload_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_journal_cas_holdings_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "journal_fund_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("folio", sa.String(length=40), nullable=False),
        sa.Column("amc", sa.String(length=120), nullable=False),
        sa.Column("scheme", sa.Text(), nullable=False),
        sa.Column("isin", sa.String(length=16), nullable=True),
        sa.Column("amfi", sa.String(length=16), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("amount", tradertape.db.types.ExactDecimal(), nullable=True),
        sa.Column("units", tradertape.db.types.ExactDecimal(), nullable=True),
        sa.Column("nav", tradertape.db.types.ExactDecimal(), nullable=True),
        sa.Column("balance", tradertape.db.types.ExactDecimal(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["trade_uploads.id"],
            name=op.f("fk_journal_fund_transactions_upload_id_trade_uploads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_journal_fund_transactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_fund_transactions")),
    )
    with op.batch_alter_table("journal_fund_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_fund_transactions_upload_id"), ["upload_id"], unique=False
        )
        batch_op.create_index(
            "ix_journal_fund_transactions_user_key", ["user_id", "key"], unique=True
        )

    op.create_table(
        "journal_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("account_code", sa.String(length=32), nullable=True),
        sa.Column("posting_date", sa.Date(), nullable=False),
        sa.Column("particulars", sa.Text(), nullable=False),
        sa.Column("cost_center", sa.String(length=40), nullable=True),
        sa.Column("voucher_type", sa.String(length=40), nullable=True),
        sa.Column("debit", tradertape.db.types.ExactDecimal(precision=20, scale=4), nullable=False),
        sa.Column(
            "credit", tradertape.db.types.ExactDecimal(precision=20, scale=4), nullable=False
        ),
        sa.Column(
            "net_balance", tradertape.db.types.ExactDecimal(precision=20, scale=4), nullable=True
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["trade_uploads.id"],
            name=op.f("fk_journal_ledger_upload_id_trade_uploads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_journal_ledger_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_ledger")),
    )
    with op.batch_alter_table("journal_ledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_ledger_upload_id"), ["upload_id"], unique=False
        )
        batch_op.create_index("ix_journal_ledger_user_key", ["user_id", "key"], unique=True)

    op.create_table(
        "journal_trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("broker", sa.String(length=16), nullable=False),
        sa.Column("account_code", sa.String(length=32), nullable=True),
        sa.Column("exchange", sa.String(length=8), nullable=False),
        sa.Column("segment", sa.String(length=8), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("isin", sa.String(length=16), nullable=True),
        sa.Column("trade_date", sa.Date(), nullable=False),
        sa.Column("executed_at", tradertape.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("quantity", tradertape.db.types.ExactDecimal(), nullable=False),
        sa.Column("price", tradertape.db.types.ExactDecimal(), nullable=False),
        sa.Column("trade_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("instrument_type", sa.String(length=16), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["trade_uploads.id"],
            name=op.f("fk_journal_trades_upload_id_trade_uploads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_journal_trades_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_trades")),
    )
    with op.batch_alter_table("journal_trades", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_trades_upload_id"), ["upload_id"], unique=False
        )
        batch_op.create_index("ix_journal_trades_user_key", ["user_id", "key"], unique=True)
        batch_op.create_index("ix_journal_trades_user_symbol", ["user_id", "symbol"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("journal_trades", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_trades_user_symbol")
        batch_op.drop_index("ix_journal_trades_user_key")
        batch_op.drop_index(batch_op.f("ix_journal_trades_upload_id"))

    op.drop_table("journal_trades")
    with op.batch_alter_table("journal_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_ledger_user_key")
        batch_op.drop_index(batch_op.f("ix_journal_ledger_upload_id"))

    op.drop_table("journal_ledger")
    with op.batch_alter_table("journal_fund_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_fund_transactions_user_key")
        batch_op.drop_index(batch_op.f("ix_journal_fund_transactions_upload_id"))

    op.drop_table("journal_fund_transactions")
    with op.batch_alter_table("journal_cas_holdings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_cas_holdings_user_id"))
        batch_op.drop_index(batch_op.f("ix_journal_cas_holdings_upload_id"))

    op.drop_table("journal_cas_holdings")
    with op.batch_alter_table("trade_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_uploads_user_id"))

    op.drop_table("trade_uploads")

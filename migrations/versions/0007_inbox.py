"""inbox: updates are stored before they are confirmed to Telegram; replaces processed_updates

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:40:00.000000

A handled update's row stays, without its body, as processed_updates' ids did: the claim that
marks it done in the update's own transaction is the one guard against handling it twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("received_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_inbox_status_handled", "inbox", ["status", "handled_at"], unique=False)
    # Ids already handled stay handled: a redelivery of one of them is still skipped.
    op.execute(
        "INSERT INTO inbox (update_id, status, received_at, handled_at) "
        "SELECT update_id, 'done', processed_at, processed_at FROM processed_updates"
    )
    op.drop_index(op.f("ix_processed_updates_processed_at"), table_name="processed_updates")
    op.drop_table("processed_updates")


def downgrade() -> None:
    """Revert this revision."""
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index(
        op.f("ix_processed_updates_processed_at"),
        "processed_updates",
        ["processed_at"],
        unique=False,
    )
    op.execute(
        "INSERT INTO processed_updates (update_id, processed_at) "
        "SELECT update_id, handled_at FROM inbox WHERE status = 'done'"
    )
    op.drop_index("ix_inbox_status_handled", table_name="inbox")
    op.drop_table("inbox")

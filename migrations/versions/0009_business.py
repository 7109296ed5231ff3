"""telegram business: connected shop accounts and their customers' chats

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import models.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "business_connections",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_name", sa.String(), nullable=False),
        sa.Column("owner_username", sa.String(), nullable=True),
        sa.Column("can_reply", sa.Boolean(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "rights",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("connected_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_business_connections_owner_id"), "business_connections", ["owner_id"])
    op.create_table(
        "business_chats",
        sa.Column("customer_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("connection_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("last_customer_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("owner_active_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_telegram_id"),
    )
    op.create_index(op.f("ix_business_chats_connection_id"), "business_chats", ["connection_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_business_chats_connection_id"), table_name="business_chats")
    op.drop_table("business_chats")
    op.drop_index(op.f("ix_business_connections_owner_id"), table_name="business_connections")
    op.drop_table("business_connections")

"""faq phrasings: questions managers taught the FAQ from the unanswered ones

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "faq_phrasings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "text", name="uq_faq_phrasings_entry_text"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("faq_phrasings")

"""unbounded text: no free text fails or is cut by a column limit

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 22:40:00.000000

Names, usernames and phone numbers come from Telegram and a manager's `/ban` reason is free
text: a limit on them made a long reason fail on PostgreSQL (the customer stayed unbanned and
nobody was told). They become VARCHAR without a length, which PostgreSQL does not limit.
SQLite never enforces a VARCHAR length, so its tables stay as they are: changing a declared
type there means copying the table, and `customers` is referenced by foreign keys that the
copy's DROP would check against every row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, column, the old length, nullable
COLUMNS = (
    ("customers", "first_name", 256, False),
    ("customers", "last_name", 256, True),
    ("customers", "username", 64, True),
    ("customers", "phone", 32, True),
    ("customers", "blocked_reason", 500, True),
    ("staff_members", "name", 256, False),
    ("staff_members", "username", 64, True),
)


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length, nullable in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(),
            existing_type=sa.String(length=length),
            existing_nullable=nullable,
        )


def downgrade() -> None:
    """Revert this revision (longer values are cut to the old limits)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length, nullable in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(length=length),
            existing_type=sa.String(),
            existing_nullable=nullable,
            postgresql_using=f"left({column}, {length})",
        )

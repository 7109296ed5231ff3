"""figures indexes: the console's figures read a 90-day period from indexes alone

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:00:00.000000

* `ix_events_kind_created_cover` replaces `ix_events_kind_created` (same leading columns, so
  every lookup by kind and time still uses it) and adds who, why and which conversation, so
  counting a period's events by day and person never reads the table.
* `ix_events_kind_breached_created` indexes the `breached` flag of `reply_clock_stopped`
  data: the late answers are counted without reading the JSON of every answer. Each backend
  uses an expression index only for the very expression indexed, so the DDL below is what
  `models.event.REPLY_BREACHED` compiles to there (tests/console/test_figures_queries.py checks
  that the query uses the index on both).
* `ix_conversations_first_response_at` finds a period's first answers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BREACHED = {
    "sqlite": "CAST(JSON_EXTRACT(data, '$.\"breached\"') AS BOOLEAN)",
    "postgresql": "(CAST(data ->> 'breached' AS BOOLEAN))",
}


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind_created")
        batch_op.create_index(
            "ix_events_kind_created_cover",
            ["kind", "created_at", "actor_telegram_id", "reason", "conversation_id"],
            unique=False,
        )
    breached = BREACHED[op.get_bind().dialect.name]
    op.execute(
        sa.text(
            "CREATE INDEX ix_events_kind_breached_created ON events "
            f"(kind, {breached}, created_at, actor_telegram_id)"
        )
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversations_first_response_at", ["first_response_at"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_first_response_at")
    op.drop_index("ix_events_kind_breached_created", table_name="events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind_created_cover")
        batch_op.create_index("ix_events_kind_created", ["kind", "created_at"], unique=False)

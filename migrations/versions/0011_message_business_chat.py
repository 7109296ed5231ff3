"""messages: which business connection's chat a message is in ('' for the bot's own chat);
customers: the staff group of their topic (a shop account may have a group of its own)

The customer's chat with a connected shop account and their chat with the bot both carry the
customer's id, but Telegram numbers their messages apart: (chat, message id) alone took a
message of one for the other.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 05:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column(
                "business_connection_id",
                sqlmodel.sql.sqltypes.AutoString(length=255),
                nullable=False,
                server_default="",
            )
        )
        batch.drop_constraint("uq_messages_chat_message", type_="unique")
        batch.create_unique_constraint(
            "uq_messages_chat_message",
            ["chat_id", "telegram_message_id", "business_connection_id"],
        )
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("topic_chat_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("topic_chat_id")
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("uq_messages_chat_message", type_="unique")
        batch.create_unique_constraint(
            "uq_messages_chat_message", ["chat_id", "telegram_message_id"]
        )
        batch.drop_column("business_connection_id")

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

# SQLite's batch mode rebuilds the table, which drops the console's search triggers (0002).
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_update",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
]


def _search_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(sa.text(statement))


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
    _search_triggers()
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
    _search_triggers()

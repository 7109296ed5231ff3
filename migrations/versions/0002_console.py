"""console: full-text search over message texts, indexes for the console's filters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:40:00.000000

SQLite gets an FTS5 index kept in sync by triggers; PostgreSQL a GIN index on
to_tsvector('simple', text). Both match whole words and word prefixes in any language without
stemming, so a search finds the same conversations on either backend.

A later migration that rebuilds `messages` in SQLite batch mode (copy and rename) drops these
triggers with the old table: it must create them again (tests/console/test_search.py checks
that they exist at head).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel types
from alembic import op

import models.types  # noqa: F401 - kept for the template's imports

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# External content: the index stores no second copy of the texts, only the words.
SQLITE_UP = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    "text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS messages_fts_update",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TABLE IF EXISTS messages_fts",
]
# The query must repeat this expression exactly for PostgreSQL to use the index.
POSTGRES_UP = [
    "CREATE INDEX ix_messages_text_search ON messages "
    "USING gin (to_tsvector('simple', coalesce(text, '')))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_messages_text_search"]


def upgrade() -> None:
    """Apply this revision."""
    # "Conversations this staff member wrote in" and "has a return/complaint" filters.
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_author_conversation",
            ["author_telegram_id", "conversation_id"],
            unique=False,
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_conversation_kind", ["conversation_id", "kind"], unique=False
        )
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, [])
    for statement in statements:
        op.execute(sa.text(statement))


def downgrade() -> None:
    """Revert this revision."""
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(dialect, []):
        op.execute(sa.text(statement))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_conversation_kind")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_author_conversation")

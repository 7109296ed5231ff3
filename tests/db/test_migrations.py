"""The real migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import models  # noqa: F401 - registers the tables
from bot.db import migrate


async def test_migrated_schema_matches_models(engine: AsyncEngine) -> None:
    def search_index(obj, name, type_, reflected, compare_to) -> bool:
        # The console's full-text index lives outside the models (FTS5 tables, a GIN index).
        return not (name or "").startswith(("messages_fts", "ix_messages_text_search"))

    def diff(sync_conn):
        context = MigrationContext.configure(
            sync_conn, opts={"compare_type": True, "include_object": search_index}
        )
        return compare_metadata(context, SQLModel.metadata)

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_every_model_table_exists_with_its_indexes(engine: AsyncEngine) -> None:
    def read(sync_conn):
        insp = inspect(sync_conn)
        return {t: {i["name"] for i in insp.get_indexes(t)} for t in insp.get_table_names()}

    async with engine.connect() as conn:
        tables = await conn.run_sync(read)
    assert set(SQLModel.metadata.tables) <= set(tables)
    assert "ix_deadlines_status_due" in tables["deadlines"]
    assert "uq_deadlines_pending_subject" in tables["deadlines"]
    assert "ix_messages_conversation_created" in tables["messages"]


async def test_migrating_twice_is_harmless(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    assert "alembic_version" in tables


async def test_the_consoles_search_keeps_its_triggers_after_every_migration(
    engine: AsyncEngine,
) -> None:
    """SQLite's batch migrations rebuild a table, which drops its triggers: 0011 rebuilds
    messages, so it must bring back the triggers that keep the search index current."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the triggers are SQLite's (PostgreSQL searches with a GIN index)")
    async with engine.connect() as conn:
        found = (
            await conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            )
        ).scalars()
        names = list(found)
    assert names == ["messages_fts_delete", "messages_fts_insert", "messages_fts_update"]

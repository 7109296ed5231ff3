"""Each Telegram update is handled once: its id is claimed in the transaction of its effects."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ProcessedUpdate

KEEP = timedelta(days=7)


async def claim_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record an update as handled; False if it already was (a redelivery)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # ON CONFLICT DO NOTHING: a concurrent twin waits for our commit, then inserts nothing.
    stmt = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    result = await session.exec(stmt)
    return bool(result.rowcount)


async def forget_old_updates(session: AsyncSession, now: datetime) -> int:
    """Drop ids older than Telegram's redelivery window; return how many."""
    stmt = delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < now - KEEP)
    result = await session.exec(stmt)
    return int(result.rowcount or 0)

"""Each Telegram update is handled once: its id is claimed in the transaction of its effects."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from sqlalchemy import Insert, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.statements import Prepared
from models import ProcessedUpdate

KEEP = timedelta(days=7)


@functools.cache
def _claim(dialect: str) -> Insert:
    """The INSERT … ON CONFLICT DO NOTHING of an update id, built once per dialect."""
    # Building a statement with its values costs SQLAlchemy more than running it does.
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    return insert(table).on_conflict_do_nothing(index_elements=["update_id"])


_CLAIM = Prepared(_claim, ["update_id", "processed_at"])


async def claim_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record an update as handled; False if it already was (a redelivery)."""
    # ON CONFLICT DO NOTHING: a concurrent twin waits for our commit, then inserts nothing.
    claimed = await _CLAIM.rowcount(session, {"update_id": update_id, "processed_at": now})
    return bool(claimed)


async def forget_old_updates(session: AsyncSession, now: datetime) -> int:
    """Drop ids older than Telegram's redelivery window; return how many."""
    stmt = delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < now - KEEP)
    result = await session.exec(stmt)
    return int(result.rowcount or 0)

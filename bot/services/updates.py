"""The inbox: updates stored before Telegram is told, each handled once in its own transaction.

An update is stored (`store_updates`) before its confirmation to Telegram (the next
getUpdates offset, a webhook's 2xx). The transaction that handles it claims it
(`claim_update`): the row is marked done with the update's effects, or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import rows
from models import InboxUpdate
from models.inbox_update import DONE, PENDING

KEEP = timedelta(days=7)


async def store_updates(
    session: AsyncSession, updates: Sequence[tuple[int, str]], now: datetime, lease_until: datetime
) -> int:
    """Store (update_id, JSON) pairs as pending, leased to the caller; return how many were new."""
    stored = 0
    for update_id, body in updates:
        stored += await rows.insert_pending_update(session, update_id, body, now, lease_until)
    return stored


async def claim_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Mark an update handled in this transaction; False if it already was (a repeat)."""
    return await rows.mark_update_done(session, update_id, now)


@dataclass(frozen=True)
class Pending:
    """A stored update not yet handled."""

    update_id: int
    body: str


async def take_pending(
    session: AsyncSession,
    now: datetime,
    lease_until: datetime,
    *,
    limit: int,
    leased_too: bool = False,
    skip: frozenset[int] = frozenset(),
) -> list[Pending]:
    """Lease the oldest pending updates nobody holds (or all, at start-up) to the caller."""
    query = (
        select(InboxUpdate.update_id, InboxUpdate.body)
        .where(col(InboxUpdate.status) == PENDING)
        .order_by(col(InboxUpdate.update_id))
        .limit(limit)
    )
    if not leased_too:
        query = query.where(
            col(InboxUpdate.claimed_until).is_(None) | (col(InboxUpdate.claimed_until) < now)
        )
    if skip:
        query = query.where(col(InboxUpdate.update_id).not_in(skip))
    if session.get_bind().dialect.name == "postgresql":
        # Several webhook workers: each row goes to one of them; a killed one's after its lease.
        query = query.with_for_update(skip_locked=True)
    rows = [Pending(int(u), str(b or "")) for u, b in (await session.exec(query)).all()]
    if rows:
        await session.exec(
            update(InboxUpdate)
            .where(col(InboxUpdate.update_id).in_([row.update_id for row in rows]))
            .values(claimed_until=lease_until)
        )
    return rows


async def count_pending(session: AsyncSession) -> int:
    """How many stored updates wait to be handled."""
    query = select(func.count()).where(col(InboxUpdate.status) == PENDING)
    return int((await session.exec(query)).one())


async def forget_old_updates(session: AsyncSession, now: datetime) -> int:
    """Drop handled updates older than Telegram's redelivery window; return how many."""
    stmt = delete(InboxUpdate).where(
        col(InboxUpdate.status) == DONE, col(InboxUpdate.handled_at) < now - KEEP
    )
    result = await session.exec(stmt)
    return int(result.rowcount or 0)

"""Deadlines as rows: set with the change that causes them, cancelled by the one that keeps them.

The sweeper claims due rows and fires each exactly once: on PostgreSQL several processes
claim with FOR UPDATE SKIP LOCKED; on SQLite the database's single writer serialises them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Deadline, DeadlineStatus


def subject_of(kind: str, ident: int) -> str:
    """Name a deadline's subject, e.g. conversation:42."""
    return f"{kind}:{ident}"


async def set_deadline(
    session: AsyncSession,
    kind: str,
    subject: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> Deadline:
    """Create a pending deadline, or return the one already pending for this subject."""
    existing = await pending_deadline(session, kind, subject)
    if existing is not None:
        return existing
    row = Deadline(kind=kind, subject=subject, due_at=due_at, payload=payload, created_at=now)
    session.add(row)
    await session.flush()
    return row


async def pending_deadline(session: AsyncSession, kind: str, subject: str) -> Deadline | None:
    """Return the pending deadline of a kind for a subject, if any."""
    stmt = select(Deadline).where(
        Deadline.kind == kind,
        Deadline.subject == subject,
        Deadline.status == DeadlineStatus.PENDING,
    )
    return (await session.exec(stmt)).first()


async def cancel_deadlines(
    session: AsyncSession, subject: str, kinds: Sequence[str], now: datetime
) -> int:
    """Cancel the pending deadlines of these kinds for a subject; return how many."""
    stmt = (
        update(Deadline)
        .where(
            col(Deadline.subject) == subject,
            col(Deadline.kind).in_(list(kinds)),
            col(Deadline.status) == DeadlineStatus.PENDING,
        )
        .values(status=DeadlineStatus.CANCELLED, fired_at=now)
    )
    result = await session.exec(stmt)
    return int(result.rowcount or 0)


async def claim_due(session: AsyncSession, now: datetime, limit: int = 100) -> list[Deadline]:
    """Lock and return pending deadlines due by `now`, oldest first, skipping rows others hold."""
    stmt = (
        select(Deadline)
        .where(Deadline.status == DeadlineStatus.PENDING, col(Deadline.due_at) <= now)
        .order_by(col(Deadline.due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)  # ignored by SQLite, which has one writer anyway
    )
    rows = list((await session.exec(stmt)).all())
    for row in rows:
        row.attempts += 1
    return rows


def mark_fired(deadline: Deadline, now: datetime) -> None:
    """Record that a deadline's action has run."""
    deadline.status = DeadlineStatus.FIRED
    deadline.fired_at = now


def mark_failed(deadline: Deadline, now: datetime, error: str, max_attempts: int) -> None:
    """Record a failed attempt; give up after `max_attempts`."""
    deadline.last_error = error[:1000]
    if deadline.attempts >= max_attempts:
        deadline.status = DeadlineStatus.FAILED
        deadline.fired_at = now

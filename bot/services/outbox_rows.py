"""The outbox: Bot API calls to staff and managers, queued in the transaction that causes them.

A message is queued with the change that causes it, so it exists exactly when that change is
committed. A sender takes the oldest unsent message of each lane, sends it, and marks it sent
in one transaction with the record of what was sent. Within a lane (one customer's topic,
one manager's chat) messages go out in the order they were queued. On PostgreSQL the head
of a lane is locked (FOR UPDATE SKIP LOCKED) while it is sent, so several processes never
send the same message; SQLite has one process and one sender.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Customer, OutboxMessage, OutboxStatus

MAX_BACKOFF_SECONDS = 300
# Alerts queued for one chat faster than they are sent go out together, within one message.
JOINED_TEXT_LIMIT = 4000


def topic_lane(customer_id: int) -> str:
    """The lane of everything posted in one customer's topic."""
    return f"topic:{customer_id}"


def chat_lane(chat_id: int) -> str:
    """The lane of everything sent to one chat outside topics."""
    return f"chat:{chat_id}"


def queue(
    session: AsyncSession,
    lane: str,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    now: datetime,
    customer_id: int | None = None,
) -> OutboxMessage:
    """Queue one call; it is sent only if the surrounding transaction commits."""
    row = OutboxMessage(
        lane=lane,
        chat_id=chat_id,
        customer_id=customer_id,
        method=method,
        payload=payload,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


async def due_heads(
    session: AsyncSession, now: datetime, limit: int, busy: Iterable[str] = ()
) -> Sequence[OutboxMessage]:
    """The oldest pending message of each lane not busy, where it is due; oldest first."""
    heads = (
        select(func.min(OutboxMessage.id))
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .group_by(col(OutboxMessage.lane))
    )
    skip = list(busy)
    if skip:
        heads = heads.where(col(OutboxMessage.lane).not_in(skip))
    stmt = (
        select(OutboxMessage)
        .where(col(OutboxMessage.id).in_(heads), col(OutboxMessage.next_attempt_at) <= now)
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    return (await session.exec(stmt)).all()


async def next_in_lane(session: AsyncSession, lane: str, now: datetime) -> OutboxMessage | None:
    """The lane's oldest pending message, if it is due."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.lane == lane)
        .order_by(col(OutboxMessage.id))
        .limit(1)
    )
    row = (await session.exec(stmt)).first()
    return row if row is not None and row.next_attempt_at <= now else None


def joinable(row: OutboxMessage) -> bool:
    """A plain text to a chat (no buttons, no formatting), which can share one message."""
    return (
        row.method == "SendMessage"
        and set(row.payload) <= {"chat_id", "text"}
        and not row.receipt  # its outcome is its own
    )


async def followers(
    session: AsyncSession, head: OutboxMessage, limit: int, lock: bool
) -> list[OutboxMessage]:
    """Plain texts queued right behind a plain-text head in its lane, to send with it."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.lane == head.lane,
            col(OutboxMessage.id) > head.id,
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    found = []
    size = len(head.payload.get("text", ""))
    for row in (await session.exec(stmt)).all():
        size += 2 + len(row.payload.get("text", ""))
        if not joinable(row) or size > JOINED_TEXT_LIMIT:
            break
        found.append(row)
    return found


async def topics_of(session: AsyncSession, customer_ids: set[int]) -> dict[int, int]:
    """The forum topics these customers already have."""
    if not customer_ids:
        return {}
    stmt = select(Customer.id, Customer.topic_id).where(
        col(Customer.id).in_(customer_ids), col(Customer.topic_id).is_not(None)
    )
    return {cid: topic for cid, topic in (await session.exec(stmt)).all() if cid and topic}


async def lock_pending(session: AsyncSession, row_id: int) -> OutboxMessage | None:
    """Lock a pending message for sending; None if another process holds it or sent it."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(stmt)).first()


def mark_sent(row: OutboxMessage, now: datetime, message_id: int | None) -> None:
    """Record that Telegram accepted the message."""
    row.status = OutboxStatus.SENT
    row.sent_at = now
    row.sent_message_id = message_id
    row.last_error = None


def mark_retry(row: OutboxMessage, now: datetime, error: str, wait: float | None = None) -> None:
    """Try again later: after Telegram's retry_after, or with a growing backoff."""
    row.attempts += 1
    if wait is None:
        wait = min(MAX_BACKOFF_SECONDS, 2 ** min(row.attempts, 9))
    row.next_attempt_at = now + timedelta(seconds=wait)
    row.last_error = error[:1000]


def mark_failed(row: OutboxMessage, now: datetime, error: str) -> None:
    """Give up on a message Telegram refuses for good (e.g. a manager who blocked the bot)."""
    row.attempts += 1
    row.status = OutboxStatus.FAILED
    row.sent_at = now
    row.last_error = error[:1000]


async def has_pending(session: AsyncSession, lane: str) -> bool:
    """Whether a lane has messages still to send (e.g. a new customer's topic not yet made)."""
    stmt = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.lane == lane)
        .limit(1)
    )
    return (await session.exec(stmt)).first() is not None


async def backlog(session: AsyncSession) -> int:
    """How many messages wait to be sent."""
    stmt = select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
    return (await session.exec(stmt)).one()


async def forget_sent(session: AsyncSession, now: datetime, keep: timedelta) -> int:
    """Delete messages sent or given up on longer ago than `keep`."""
    stmt = sa.delete(OutboxMessage).where(
        col(OutboxMessage.status) != OutboxStatus.PENDING,
        col(OutboxMessage.sent_at) < now - keep,
    )
    result = await session.exec(stmt)
    return int(result.rowcount or 0)

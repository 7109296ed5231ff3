"""Outbox rows: sent lane by lane in order, backed off on failure, forgotten after a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.db import is_embedded, transaction
from bot.services import outbox_rows as outbox
from models import OutboxMessage, OutboxStatus

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _queue(session, lane: str, text: str, at: datetime = NOW) -> OutboxMessage:
    return outbox.queue(session, lane, 1, "SendMessage", {"chat_id": 1, "text": text}, at)


async def test_each_lane_offers_only_its_oldest_message(session) -> None:
    first = _queue(session, "topic:1", "a")
    _queue(session, "topic:1", "b")
    other = _queue(session, "chat:7", "c")
    await session.flush()
    heads = await outbox.due_heads(session, NOW, 10)
    assert [h.id for h in heads] == [first.id, other.id]


async def test_a_backed_off_head_holds_its_lane_back(session) -> None:
    first = _queue(session, "topic:1", "a")
    second = _queue(session, "topic:1", "b")
    await session.flush()
    outbox.mark_retry(first, NOW, "Internal Server Error")
    await session.flush()
    assert first.next_attempt_at == NOW + timedelta(seconds=2) and first.attempts == 1
    # The second message must not overtake the first while the first waits.
    assert await outbox.due_heads(session, NOW, 10) == []
    later = NOW + timedelta(seconds=2)
    assert [h.id for h in await outbox.due_heads(session, later, 10)] == [first.id]
    outbox.mark_sent(first, later, 55)
    await session.flush()
    assert [h.id for h in await outbox.due_heads(session, later, 10)] == [second.id]


async def test_retry_after_is_honoured_and_backoff_is_capped(session) -> None:
    row = _queue(session, "chat:7", "a")
    await session.flush()
    outbox.mark_retry(row, NOW, "Too Many Requests", wait=17)
    assert row.next_attempt_at == NOW + timedelta(seconds=17)
    for _ in range(20):
        outbox.mark_retry(row, NOW, "Bad Gateway")
    assert row.next_attempt_at == NOW + timedelta(seconds=outbox.MAX_BACKOFF_SECONDS)
    assert row.status == OutboxStatus.PENDING and row.attempts == 21


async def test_a_refused_message_stops_blocking_its_lane(session) -> None:
    first = _queue(session, "chat:7", "a")
    second = _queue(session, "chat:7", "b")
    await session.flush()
    outbox.mark_failed(first, NOW, "Forbidden: bot was blocked by the user")
    await session.flush()
    assert [h.id for h in await outbox.due_heads(session, NOW, 10)] == [second.id]
    assert await outbox.backlog(session) == 1
    assert await outbox.has_pending(session, "chat:7")
    assert not await outbox.has_pending(session, "topic:1")


async def test_sent_messages_are_forgotten_after_the_keep_period(session) -> None:
    old = _queue(session, "chat:7", "old")
    new = _queue(session, "chat:7", "new")
    waiting = _queue(session, "chat:8", "waiting", NOW - timedelta(days=30))
    await session.flush()
    outbox.mark_sent(old, NOW - timedelta(days=8), 1)
    outbox.mark_sent(new, NOW - timedelta(days=1), 2)
    await session.flush()
    assert await outbox.forget_sent(session, NOW, timedelta(days=7)) == 1
    left = (await session.exec(select(OutboxMessage.id).order_by(OutboxMessage.id))).all()
    assert left == [new.id, waiting.id]


async def test_a_message_locked_by_one_sender_is_skipped_by_another(sessions, database_url) -> None:
    if is_embedded(database_url):
        pytest.skip("row locks need PostgreSQL; SQLite runs one process with one sender")
    async with transaction(sessions) as session:
        row = _queue(session, "topic:1", "a")
    async with transaction(sessions) as first, transaction(sessions) as second:
        assert row.id is not None
        assert await outbox.lock_pending(first, row.id) is not None
        assert await outbox.lock_pending(second, row.id) is None

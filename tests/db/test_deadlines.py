"""Deadline rows: set once per subject, cancelled by the change that keeps them, claimed once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.db import transaction
from bot.services.deadlines import cancel_deadlines, claim_due, mark_fired, set_deadline
from models import Deadline, DeadlineStatus

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_set_is_idempotent_per_kind_and_subject(session) -> None:
    first = await set_deadline(session, "reply", "conversation:1", NOW, NOW)
    again = await set_deadline(session, "reply", "conversation:1", NOW + timedelta(hours=1), NOW)
    other = await set_deadline(session, "callback", "conversation:1", NOW, NOW)
    assert again.id == first.id
    assert again.due_at == NOW
    assert other.id != first.id


async def test_database_refuses_a_second_pending_row(session) -> None:
    session.add(Deadline(kind="reply", subject="conversation:9", due_at=NOW))
    session.add(Deadline(kind="reply", subject="conversation:9", due_at=NOW))
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_cancel_only_touches_pending_rows_of_the_subject(session) -> None:
    await set_deadline(session, "reply", "conversation:1", NOW, NOW)
    await set_deadline(session, "reply", "conversation:2", NOW, NOW)
    assert await cancel_deadlines(session, "conversation:1", ["reply"], NOW) == 1
    assert await cancel_deadlines(session, "conversation:1", ["reply"], NOW) == 0
    rows = (await session.exec(select(Deadline).order_by(Deadline.subject))).all()
    assert [r.status for r in rows] == [DeadlineStatus.CANCELLED, DeadlineStatus.PENDING]


async def test_claim_returns_due_rows_oldest_first_and_counts_attempts(session) -> None:
    await set_deadline(session, "reply", "conversation:2", NOW - timedelta(seconds=5), NOW)
    await set_deadline(session, "reply", "conversation:1", NOW - timedelta(seconds=50), NOW)
    await set_deadline(session, "reply", "conversation:3", NOW + timedelta(seconds=1), NOW)
    due = await claim_due(session, NOW)
    assert [d.subject for d in due] == ["conversation:1", "conversation:2"]
    assert all(d.attempts == 1 for d in due)


async def test_concurrent_sweepers_fire_each_deadline_once(sessions) -> None:
    async with transaction(sessions) as s:
        for i in range(40):
            await set_deadline(s, "reply", f"conversation:{i}", NOW, NOW)
    fired: list[str] = []

    async def sweeper() -> None:
        while True:
            async with transaction(sessions) as s:
                due = await claim_due(s, NOW, limit=5)
                for d in due:
                    fired.append(d.subject)
                    mark_fired(d, NOW)
            if not due:
                return
            await asyncio.sleep(0)

    await asyncio.gather(sweeper(), sweeper(), sweeper())
    assert sorted(fired) == sorted(f"conversation:{i}" for i in range(40))


async def test_an_update_is_claimed_once(session) -> None:
    from bot.services.updates import claim_update, forget_old_updates

    assert await claim_update(session, 42, NOW)
    assert not await claim_update(session, 42, NOW)
    assert await claim_update(session, 43, NOW + timedelta(days=8))
    assert await forget_old_updates(session, NOW + timedelta(days=8)) == 1
    assert await claim_update(session, 42, NOW + timedelta(days=8))

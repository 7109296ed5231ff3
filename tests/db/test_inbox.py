"""The inbox table: stored once, leased to one taker, done in the transaction of its effects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.services.updates import (
    claim_update,
    count_pending,
    forget_old_updates,
    store_updates,
    take_pending,
)
from models import InboxUpdate

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = NOW + timedelta(seconds=60)


async def test_a_redelivered_update_is_stored_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        assert await store_updates(session, [(1, '{"update_id": 1}'), (2, "{}")], NOW, LEASE) == 2
    async with transaction(sessions) as session:
        assert await store_updates(session, [(2, "{}"), (3, "{}")], NOW, LEASE) == 1
        assert await count_pending(session) == 3


async def test_a_claim_marks_the_stored_update_done_and_drops_its_body(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        await store_updates(session, [(5, '{"update_id": 5}')], NOW, LEASE)
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            assert await claim_update(session, 5, NOW)
            raise RuntimeError("the handler failed")  # the claim rolls back with it
    async with transaction(sessions) as session:
        assert await count_pending(session) == 1
        assert await claim_update(session, 5, NOW)
        assert not await claim_update(session, 5, NOW)  # a repeat
    async with transaction(sessions) as session:
        row = await session.get(InboxUpdate, 5)
        assert row is not None and row.status == "done" and row.body is None
        # A redelivery after it was handled stores nothing and stays done.
        assert await store_updates(session, [(5, "{}")], NOW, LEASE) == 0
        assert await count_pending(session) == 0


async def test_pending_updates_are_leased_in_order_and_taken_again_after_the_lease(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        await store_updates(session, [(12, "b"), (11, "a"), (13, "c")], NOW, LEASE)
    async with transaction(sessions) as session:
        # Leased by the process that stored them: nobody else takes them yet...
        assert await take_pending(session, NOW, LEASE, limit=10) == []
        # ...but a process starting up takes everything pending, oldest first.
        taken = await take_pending(
            session, NOW, LEASE, limit=10, leased_too=True, skip=frozenset({13})
        )
        assert [(p.update_id, p.body) for p in taken] == [(11, "a"), (12, "b")]
        await claim_update(session, 11, NOW)
    later = LEASE + timedelta(seconds=1)
    async with transaction(sessions) as session:
        taken = await take_pending(session, later, later + timedelta(seconds=60), limit=10)
        assert [p.update_id for p in taken] == [12, 13]
        assert await take_pending(session, later, later, limit=10) == []  # leased again


async def test_only_handled_updates_are_forgotten_after_a_week(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        await store_updates(session, [(21, "{}"), (22, "{}")], NOW, LEASE)
        await claim_update(session, 21, NOW)
    async with transaction(sessions) as session:
        assert await forget_old_updates(session, NOW + timedelta(days=8)) == 1
        assert await count_pending(session) == 1

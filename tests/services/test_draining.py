"""Shutdown waits for the updates in flight, and stops waiting after its timeout."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.types import Chat, Message, Update, User

from bot.draining import DrainingDispatcher


def update(update_id: int) -> Update:
    user = User(id=5, is_bot=False, first_name="Ann")
    message = Message(
        message_id=update_id,
        date=datetime(2026, 11, 23, tzinfo=UTC),
        chat=Chat(id=5, type="private"),
        from_user=user,
        text="hello",
    )
    return Update(update_id=update_id, message=message)


async def test_drain_waits_for_updates_in_flight_and_gives_up_after_its_timeout() -> None:
    dp = DrainingDispatcher()
    release = asyncio.Event()
    done: list[int] = []

    @dp.message()
    async def slow(message: Message) -> None:
        await release.wait()
        done.append(message.message_id)

    bot = Bot("42:TEST")
    assert await dp.drain(0.01) == 0  # nothing in flight: returns at once
    tasks = [asyncio.create_task(dp.feed_update(bot, update(n))) for n in (1, 2)]
    await asyncio.sleep(0.05)
    assert dp.in_flight == 2
    assert await dp.drain(0.1) == 2  # stuck: shutdown goes on after the timeout
    draining = asyncio.create_task(dp.drain(5))
    await asyncio.sleep(0.05)
    assert not draining.done()
    release.set()
    assert await draining == 0
    assert sorted(done) == [1, 2]
    await asyncio.gather(*tasks)
    await bot.session.close()

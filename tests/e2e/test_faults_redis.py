"""Redis restarts (and forgets everything) while customers write: nothing is lost or doubled.

The test runs its own redis-server with nothing on disk, kills it, and starts it again on the
same port a few seconds later; the machine's shared Redis is never touched.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from models import Direction, Message
from tests.e2e.conftest import Harness, bot_settings, eventually, start_polling
from tests.e2e.faults import REDIS_SERVER, RedisServer
from tgemulator import Emulator

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs the redis-server binary on PATH"),
]
GAP_SECONDS = 5.0
SORRY = "Sorry, something went wrong"


@pytest.fixture
async def redis_server() -> AsyncIterator[RedisServer]:
    """A private Redis that keeps nothing on disk."""
    server = RedisServer()
    await server.start()
    yield server
    server.kill()


@pytest.fixture
async def clustered(
    emu: Emulator, database_url: str, redis_server: RedisServer
) -> AsyncIterator[Harness]:
    """The bot with FSM state and flood-limit counters in the private Redis."""
    settings = bot_settings(emu, database_url, redis_url=redis_server.url)
    services, bot, dp, stop = await start_polling(settings)
    harness = Harness(emu, services, bot, dp, stop, {"redis": redis_server})
    yield harness
    await stop()


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


async def until(check: Callable[[], bool], timeout: float = 30) -> bool:
    """Wait until a plain condition on the emulator's state holds."""

    async def probe() -> bool:
        return check()

    return bool(await eventually(probe, timeout))


async def stored_inbound(sessions: async_sessionmaker[AsyncSession], user: int) -> list[str]:
    """The customer's messages stored in the database, in order of arrival."""
    async with transaction(sessions) as session:
        rows = await session.exec(
            select(Message)
            .where(Message.chat_id == user, Message.direction == Direction.IN)
            .order_by(col(Message.telegram_message_id))
        )
        return [m.text or "" for m in rows.all()]


async def test_redis_restart_loses_no_message(
    clustered: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    h = clustered
    redis: RedisServer = h.extra["redis"]
    live = h.customer(770001, "Live")  # talking to staff
    await h.say(live, "👤 Talk to a person")
    topic = await h.wait_topic(live)
    choosing = h.customer(770002, "Choosing")  # mid-return, at the "when did you buy it" buttons
    await h.say(choosing, "↩️ Return a product")
    buttons = await h.say(choosing, "a kettle")
    assert "Roughly when" in buttons["text"]
    typing = h.customer(770003, "Typing")  # mid-return, about to describe the item
    await h.say(typing, "↩️ Return a product")

    redis.kill()
    written = [f"still there? {n}" for n in range(3)]
    mark = h.emu.mark()
    for text in written:
        await h.emu.send_text(live, text)
    await h.emu.send_text(typing, "a blue teapot")
    await asyncio.sleep(GAP_SECONDS)
    await redis.start()  # same port, empty

    def relayed() -> list[str]:
        return [t for t in map(text_of, h.emu.bot_messages(h.staff_chat, topic)) if t in written]

    assert await until(lambda: relayed() == written), relayed()
    # The customer who was typing gets an ordinary answer, not an apology for an error.
    answer = await h.emu.wait_for_bot_message(typing, since=mark, timeout=30)
    assert SORRY not in text_of(answer)
    # A button of the forgotten step is refused politely; the return can simply start again.
    press = await h.press(choosing, buttons, "This week")
    assert press is not None and press["text"] == "This button is no longer active."
    again = await h.say(choosing, "↩️ Return a product")
    assert again["text"].startswith("Let's arrange a return")
    assert "Roughly when" in (await h.say(choosing, "a toaster"))["text"]  # state works again
    hello = await h.say(h.customer(770004, "After"), "/start")
    assert hello["text"].startswith("Hello, After")

    await h.emu.wait_until_delivered()
    assert relayed() == written, "each message once, in order"
    assert (await stored_inbound(sessions, live))[-3:] == written
    assert "a blue teapot" in await stored_inbound(sessions, typing)
    for user in (live, choosing, typing):
        assert not [m for m in h.emu.bot_messages(user) if SORRY in text_of(m)]

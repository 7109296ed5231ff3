"""Telegram's limits: per-chat pacing, 429 storms honoured, 5xx retried, nothing lost."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import Harness

pytestmark = pytest.mark.timeout(90)


async def test_a_burst_to_one_chat_is_paced(harness: Harness) -> None:
    h = harness
    user = h.customer(760001)
    started = time.monotonic()
    for index in range(7):
        await h.bot.send_message(user, f"part {index}")
    elapsed = time.monotonic() - started
    assert elapsed >= 1.5  # 5 in a 5-second window, then the rest wait for room
    assert [m["text"] for m in h.emu.bot_messages(user)] == [f"part {i}" for i in range(7)]


async def test_429_and_500_storms_are_ridden_out(harness: Harness) -> None:
    h = harness
    user = h.customer(760002)
    h.emu.inject_fault("sendMessage", "429", count=2, retry_after=1)
    h.emu.inject_fault("sendMessage", "500", count=2)
    reply = await h.say(user, "/start", timeout=20)
    assert reply["text"].startswith("Hello")
    statuses = [c.status for c in h.emu.calls_to("sendMessage")]
    assert statuses.count(429) == 2 and statuses.count(500) == 2 and statuses[-1] == 200
    greetings = [m for m in h.emu.bot_messages(user) if m["text"].startswith("Hello")]
    assert len(greetings) == 1


async def test_the_staff_group_gets_twenty_a_minute(emu, database_url) -> None:
    from tests.e2e.conftest import bot_settings, start_polling

    _services, bot, _dp, stop = await start_polling(
        bot_settings(emu, database_url, rate_limit_group="3 per 2 seconds")
    )
    try:
        started = time.monotonic()
        for index in range(4):
            await bot.send_message(emu.group_id, f"note {index}")
        assert time.monotonic() - started >= 1.5  # the fourth waited for the window
    finally:
        await stop()

"""The outgoing limiter's moving windows: in this process, and in Redis for a cluster."""

from __future__ import annotations

import os
import uuid

import pytest
from limits import parse

from bot.telegram.limiter import LocalWindows, SharedWindows


class Clock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_window_lets_its_amount_through_then_waits_for_the_oldest() -> None:
    clock = Clock()
    windows = LocalWindows(clock)
    item = parse("3 per 2 seconds")
    assert await windows.take(item, "bot", "42") == 0
    clock.now += 1.0
    assert await windows.take(item, "bot", "42") == 0
    clock.now += 0.5
    assert await windows.take(item, "bot", "42") == 0
    clock.now += 0.1
    assert await windows.take(item, "bot", "42") == pytest.approx(0.4)  # the first leaves at 2.0
    clock.now += 0.4
    assert await windows.take(item, "bot", "42") == 0
    assert await windows.take(item, "bot", "42") == pytest.approx(1.0)  # the second, at 3.0


async def test_keys_and_limits_are_counted_apart() -> None:
    windows = LocalWindows(Clock())
    chat, overall = parse("1 per 5 seconds"), parse("2/second")
    assert await windows.take(chat, "bot", "1") == 0
    assert await windows.take(chat, "bot", "2") == 0
    assert await windows.take(overall, "bot", "1") == 0  # same keys, another limit
    assert await windows.take(chat, "bot", "1") > 0


async def test_idle_chats_are_forgotten() -> None:
    clock = Clock()
    windows = LocalWindows(clock)
    item = parse("5 per 5 seconds")
    for chat in range(1000):
        assert await windows.take(item, "bot", str(chat)) == 0
    assert len(windows) == 1000
    clock.now += 5.0
    assert await windows.take(item, "bot", "new") == 0
    assert len(windows) == 1


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
async def test_redis_windows_are_shared_by_every_limiter() -> None:
    url = os.environ["REDIS_URL"]
    first, second = SharedWindows(url), SharedWindows(url)
    item, key = parse("2 per 10 seconds"), uuid.uuid4().hex
    assert await first.take(item, "bot", key) == 0
    assert await second.take(item, "bot", key) == 0
    wait = await first.take(item, "bot", key)
    assert 0 < wait <= 10

"""One outbound limiter per bot token: Telegram's flood limits, 429s honoured, 5xx retried.

Limits (Telegram's published guidance): about one message per second in a chat (short bursts
are tolerated), 20 messages a minute in a group, 30 messages a second overall. Counters live in
this process, or in Redis when REDIS_URL is set so every worker of a cluster shares them; both
count in moving windows.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import SendChatAction, TelegramMethod
from aiogram.methods.base import TelegramType
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
MAX_WAIT = 60.0
SHARED_RETRY_SECONDS = 5.0  # after Redis failed, how long to count locally before trying again


def counts_as_message(method: TelegramMethod[Any]) -> bool:
    """Tell whether a call puts a new message in a chat (what Telegram limits)."""
    name = type(method).__name__
    return name.startswith(("Send", "Copy", "Forward")) and not isinstance(method, SendChatAction)


class Windows(Protocol):
    """Moving-window counters: take a slot or learn how long until one frees."""

    async def take(self, item: RateLimitItem, *keys: str) -> float:
        """Take a slot and return 0, or return the seconds until a slot frees."""
        ...


class SharedWindows:
    """Counters in Redis (the `limits` library's moving window), shared by every worker."""

    def __init__(self, redis_url: str) -> None:
        storage = storage_from_string(
            "async+" + redis_url.replace("rediss://", "redis://"), implementation="redispy"
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._fallback = LocalWindows()
        self._down_until = 0.0

    async def take(self, item: RateLimitItem, *keys: str) -> float:
        """Take a slot and return 0, or return the seconds until a slot frees."""
        # Redis unreachable (down, restarting): pace this process alone rather than not send.
        if time.monotonic() >= self._down_until:
            try:
                if await self._limiter.hit(item, *keys):
                    return 0.0
                stats = await self._limiter.get_window_stats(item, *keys)
                return max(0.01, stats.reset_time - time.time())
            except (RedisError, OSError) as exc:
                logger.warning("shared flood-limit counters unreachable (%s); local count", exc)
                self._down_until = time.monotonic() + SHARED_RETRY_SECONDS
        return await self._fallback.take(item, *keys)


class LocalWindows:
    """Counters in this process: the times of the last sends per key, no background task.

    The `limits` library's in-memory storage re-schedules an expiry task on every hit that walks
    every key with a thread hop each (the async storage) or starts a timer thread (the sync
    one); here expired times are dropped when their key is next used, and idle keys once a
    window.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sent: dict[str, tuple[float, deque[float]]] = {}
        self._next_sweep = 0.0

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._sent)

    async def take(self, item: RateLimitItem, *keys: str) -> float:
        """Take a slot and return 0, or return the seconds until a slot frees."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        window = float(item.get_expiry())
        key = item.key_for(*keys)
        entry = self._sent.get(key)
        if entry is None:
            entry = self._sent[key] = (window, deque())
        sent = entry[1]
        while sent and sent[0] <= now - window:
            sent.popleft()
        if len(sent) < item.amount:
            sent.append(now)
            return 0.0
        return max(0.01, sent[0] + window - now)

    def _sweep(self, now: float) -> None:
        """Forget keys with nothing in their window (chats not written to lately)."""
        self._sent = {
            key: (window, sent)
            for key, (window, sent) in self._sent.items()
            if sent and sent[-1] > now - window
        }
        self._next_sweep = now + max((w for w, _ in self._sent.values()), default=1.0)


class TelegramLimiter(BaseRequestMiddleware):
    """Wait for quota before each message; retry after 429, 5xx and network errors."""

    def __init__(
        self,
        redis_url: str | None = None,
        chat: str = "5 per 5 seconds",  # one a second on average, a burst of a few
        group: str = "20/minute",
        overall: str = "30/second",
    ) -> None:
        self._chat, self._group, self._overall = parse(chat), parse(group), parse(overall)
        self._windows: Windows = SharedWindows(redis_url) if redis_url else LocalWindows()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        """Take quota, send, and retry what Telegram asks us to retry."""
        for attempt in range(1, MAX_RETRIES + 1):
            if counts_as_message(method):
                await self._take(bot.id, getattr(method, "chat_id", None))
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == MAX_RETRIES or exc.retry_after > MAX_WAIT:
                    raise
                logger.warning(
                    "flood control on %s: waiting %ss", type(method).__name__, exc.retry_after
                )
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == MAX_RETRIES:
                    raise
                delay = min(MAX_WAIT, 0.25 * 2**attempt) * (0.5 + random.random())
                logger.warning(
                    "%s failed (%s): retrying in %.1fs", type(method).__name__, exc, delay
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _take(self, bot_id: int, chat_id: Any) -> None:
        """Wait until the chat's and the bot's windows both have room."""
        if isinstance(chat_id, int):
            item = self._group if chat_id < 0 else self._chat
            await self._wait(item, str(bot_id), str(chat_id))
        await self._wait(self._overall, str(bot_id), "all")

    async def _wait(self, item: RateLimitItem, *keys: str) -> None:
        while True:
            wait = await self._windows.take(item, *keys)
            if not wait:
                return
            await asyncio.sleep(wait)

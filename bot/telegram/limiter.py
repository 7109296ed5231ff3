"""One outbound limiter per bot token: Telegram's flood limits, 429s honoured, 5xx retried.

Limits (Telegram's published guidance): about one message per second in a chat (short bursts
are tolerated), 20 messages a minute in a group, 30 messages a second overall. Counters live in
memory, or in Redis when REDIS_URL is set so every worker of a cluster shares them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any

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

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
MAX_WAIT = 60.0


def counts_as_message(method: TelegramMethod[Any]) -> bool:
    """Tell whether a call puts a new message in a chat (what Telegram limits)."""
    name = type(method).__name__
    return name.startswith(("Send", "Copy", "Forward")) and not isinstance(method, SendChatAction)


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
        if redis_url:
            storage = storage_from_string(
                "async+" + redis_url.replace("rediss://", "redis://"), implementation="redispy"
            )
        else:
            storage = storage_from_string("async+memory://")
        self._limiter = MovingWindowRateLimiter(storage)

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
        while not await self._limiter.hit(item, *keys):
            stats = await self._limiter.get_window_stats(item, *keys)
            await asyncio.sleep(max(0.01, stats.reset_time - time.time()))

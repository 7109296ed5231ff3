"""Honour Telegram's flood control for calls that must go through."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

T = TypeVar("T")
logger = logging.getLogger(__name__)


async def with_retry(
    call: Callable[[], Awaitable[T]], attempts: int = 4, max_wait: float = 30
) -> T:
    """Run a Bot API call, waiting out 429s and backing off on server errors."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except TelegramRetryAfter as exc:
            if attempt == attempts or exc.retry_after > max_wait:
                raise
            logger.warning("flood control: waiting %ss", exc.retry_after)
            await asyncio.sleep(exc.retry_after)
        except (TelegramServerError, TelegramNetworkError):
            if attempt == attempts:
                raise
            await asyncio.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


async def deliver(call: Callable[[], Awaitable[T]]) -> T | None:
    """Send something to a customer with retries; None if they have blocked the bot."""
    try:
        return await with_retry(call)
    except TelegramForbiddenError as exc:
        logger.info("not delivered: %s", exc.message)
        return None

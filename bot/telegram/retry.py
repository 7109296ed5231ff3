"""Messages to customers who may have blocked the bot."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import TelegramForbiddenError

T = TypeVar("T")
logger = logging.getLogger(__name__)


async def deliver(call: Callable[[], Awaitable[T]]) -> T | None:
    """Send something to a customer; None if they have blocked the bot.

    429s, 5xx and network errors are already retried by the flood limiter (TelegramLimiter).
    """
    try:
        return await call()
    except TelegramForbiddenError as exc:
        logger.info("not delivered: %s", exc.message)
        return None

"""One place commits: a session per update, committed after the handler or rolled back."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.services.updates import claim_update
from models.types import utcnow

logger = logging.getLogger(__name__)


class DbSessionMiddleware(BaseMiddleware):
    """Open a database session for the update and commit or roll back around it."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Run the rest of the chain inside one transaction, once per update_id."""
        async with transaction(self._sessions) as session:
            data["session"] = session
            if isinstance(event, Update) and not await claim_update(
                session, event.update_id, self._clock()
            ):
                logger.info("update %s was already handled; skipped", event.update_id)
                return None
            return await handler(event, data)

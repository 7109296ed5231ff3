"""One place commits: a session per update, committed after the handler or rolled back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction


class DbSessionMiddleware(BaseMiddleware):
    """Open a database session for the update and commit or roll back around it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Run the rest of the chain inside one transaction."""
        async with transaction(self._sessions) as session:
            data["session"] = session
            return await handler(event, data)

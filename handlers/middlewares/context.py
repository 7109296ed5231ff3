"""Who is writing and in which language: the customer, or a staff member in the staff chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject, User

from bot.container import Services
from bot.logs import current_conversation as log_conversation
from bot.services.conversations import current_conversation
from bot.services.customers import get_or_create_customer
from bot.telegram.content import person_of


class ContextMiddleware(BaseMiddleware):
    """Put the customer, their conversation and their texts into the handler's data."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Look up or register the person behind the update."""
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        services = self._services
        data["l10n"] = services.translations.get(services.settings.app.staff_language)
        if (
            user is not None
            and not user.is_bot
            and chat is not None
            and chat.type == ChatType.PRIVATE
        ):
            now = services.clock()
            customer = await get_or_create_customer(data["session"], person_of(user), now)
            data["customer"] = customer
            data["conversation"] = await current_conversation(data["session"], customer, now)
            log_conversation.set(data["conversation"].id)
            data["l10n"] = services.translations.get(customer.language)
        return await handler(event, data)

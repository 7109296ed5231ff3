"""Record every message that reaches the bot, before any handler decides what to do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject

from bot.container import Services
from bot.services.inbound_log import Inbound, record_inbound
from bot.telegram.content import content_of


def inbound_of(message: Message) -> Inbound | None:
    """Describe an incoming Telegram message for the services."""
    if message.from_user is None:
        return None
    return Inbound(
        chat_id=message.chat.id,
        message_id=message.message_id,
        author_id=message.from_user.id,
        content=content_of(message),
        thread_id=message.message_thread_id if message.is_topic_message else None,
        edited=message.edit_date is not None,
        business_connection_id=message.business_connection_id,
    )


class InboundLogMiddleware(BaseMiddleware):
    """Store each incoming message (and edits) in the messages table."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Record the message, then hand it on."""
        inbound = inbound_of(event) if isinstance(event, Message) else None
        if inbound is not None:
            await record_inbound(
                data["session"],
                inbound,
                self._services.clock(),
                staff_chat_id=self._services.settings.telegram.staff_chat_id,
                own_groups=self._services.own_staff_groups(),
                customer=data.get("customer"),
                conversation=data.get("conversation"),
            )
        return await handler(event, data)

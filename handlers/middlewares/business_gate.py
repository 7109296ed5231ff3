"""Telegram Business: note which account a customer writes to, and keep the bot quiet there
while the owner answers personally, staff paused it, or the account lets it only read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.methods import SendMessage
from aiogram.types import Message, TelegramObject
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services import shop_accounts
from bot.telegram.outbox import queue_in_topic
from bot.usecases.hand_off import hand_off
from models import Conversation, Customer


class BusinessGate(BaseMiddleware):
    """Before the journeys: record the customer's business chat; relay only, when quiet."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Let the journeys answer, or hand the message to staff without a word from the bot."""
        customer: Customer | None = data.get("customer")
        routes = self._services.business_routes
        if customer is None or not isinstance(event, Message):
            return await handler(event, data)
        session: AsyncSession = data["session"]
        connection_id = event.business_connection_id
        if connection_id is None:
            if await routes.route(customer.telegram_id) is not None:
                # Writing to the bot itself: answers go to the bot's own chat again.
                await shop_accounts.customer_left(session, customer.telegram_id)
                routes.remember(customer.telegram_id, None)
            return await handler(event, data)
        services = self._services
        now = services.clock()
        chat = await shop_accounts.customer_wrote(session, customer.telegram_id, connection_id, now)
        # None: Telegram did not describe it either (bot.telegram.connections asked before).
        conn = await shop_accounts.connection(session, connection_id)
        routes.mark_active()
        can_answer = conn is not None and shop_accounts.usable(conn)
        routes.remember(customer.telegram_id, shop_accounts.route_of(chat, conn))
        quiet = timedelta(minutes=services.content.policy.business_quiet_minutes)
        if can_answer and not shop_accounts.bot_keeps_quiet(chat, now, quiet):
            return await handler(event, data)
        why = (
            "unknown"
            if conn is None
            else "cannot-reply"
            if not can_answer
            else "paused"
            if chat.paused
            else "owner"
        )
        conversation: Conversation = data["conversation"]
        await _relay_quietly(services, session, customer, conversation, event, why)
        return None


async def _relay_quietly(
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    message: Message,
    why: str,
) -> None:
    """Bring staff in and copy the message to the topic; the customer hears nothing from the bot."""
    copy = (message.chat.id, message.message_id)
    await hand_off(
        session, services, customer, conversation, services.clock(), "customer", copy=copy
    )
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None
    l10n = services.staff_texts()
    note = l10n("business-relayed-quietly", why=l10n(f"business-why-{why}"))
    queue_in_topic(session, services, customer, SendMessage(chat_id=staff_chat, text=note))

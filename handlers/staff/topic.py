"""Resolve which customer a staff topic belongs to, for every handler in the topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.conversations import latest_conversation
from bot.services.customers import find_by_topic
from models import Conversation, Customer


@dataclass
class TopicContext:
    """The customer behind a topic and their latest conversation."""

    customer: Customer
    conversation: Conversation


class InCustomerTopic(Filter):
    """Pass events in a customer's topic, injecting `topic`; other threads don't match."""

    async def __call__(
        self,
        event: Message | CallbackQuery,
        session: AsyncSession,
        services: Services,
        **_: Any,
    ) -> bool | dict[str, Any]:
        """Look up the customer whose topic the event happened in."""
        message = event.message if isinstance(event, CallbackQuery) else event
        if not isinstance(message, Message) or not message.is_topic_message:
            return False
        if message.message_thread_id is None:
            return False
        # Thread ids are per group: a shop account's own staff group is told apart.
        shared = message.chat.id == services.settings.telegram.staff_chat_id
        group = None if shared else message.chat.id
        customer = await find_by_topic(session, message.message_thread_id, group)
        if customer is None or customer.id is None:
            return False
        conversation = await latest_conversation(session, customer.id)
        if conversation is None:
            return False
        return {"topic": TopicContext(customer, conversation)}

"""Resolve which customer a staff topic belongs to, for every handler in the topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

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
        self, event: Message | CallbackQuery, session: AsyncSession, **_: Any
    ) -> bool | dict[str, Any]:
        """Look up the customer whose topic the event happened in."""
        message = event.message if isinstance(event, CallbackQuery) else event
        if not isinstance(message, Message) or not message.is_topic_message:
            return False
        if message.message_thread_id is None:
            return False
        customer = await find_by_topic(session, message.message_thread_id)
        if customer is None or customer.id is None:
            return False
        conversation = await latest_conversation(session, customer.id)
        if conversation is None:
            return False
        return {"topic": TopicContext(customer, conversation)}

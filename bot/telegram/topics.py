"""The customer's forum topic in the staff chat: created on first need, then reused.

Messages for a topic are queued in the outbox (bot/telegram/outbox.py), which finds or
creates the topic when it sends them.
"""

from __future__ import annotations

from aiogram import Bot
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from models import Conversation, Customer

TOPIC_NAME_LIMIT = 128


def topic_name(customer: Customer, account: str | None = None) -> str:
    """Name a topic with the customer's name, the shop account they write to, and their id."""
    suffix = f" · {customer.telegram_id}"
    if account:
        suffix = f" · 💼 {account[:48]}" + suffix
    return customer.display_name[: TOPIC_NAME_LIMIT - len(suffix)] + suffix


def topic_link(staff_chat_id: int, topic_id: int) -> str:
    """Link to a topic, for alerts that send managers to the conversation."""
    internal = str(staff_chat_id).removeprefix("-100")
    return f"https://t.me/c/{internal}/{topic_id}"


async def ensure_topic(
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation | None = None,
) -> tuple[int, bool]:
    """Return the customer's topic id, creating the topic if they have none; and if it is new."""
    staff_chat = services.settings.telegram.staff_chat_id
    if staff_chat is None:
        raise RuntimeError("STAFF_CHAT_ID is not set")
    created = False
    if customer.topic_id is None:
        topic = await bot.create_forum_topic(staff_chat, topic_name(customer))
        customer.topic_id = topic.message_thread_id
        await session.flush()
        created = True
    if conversation is not None and conversation.staff_topic_id != customer.topic_id:
        conversation.staff_topic_id = customer.topic_id
    return customer.topic_id, created

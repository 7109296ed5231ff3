"""Bring a person in: open the handoff, brief staff in the topic, copy what the customer sent."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.handoff import customer_waits, hand_to_person
from bot.services.tickets import open_tickets
from bot.telegram.topics import post_in_topic
from handlers.staff.cards import context_card
from models import Conversation, Customer


async def open_handoff(
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    reason: str,
    detail: str | None = None,
) -> None:
    """Queue the conversation for staff and brief them in the topic when it starts."""
    now = services.clock()
    started = await hand_to_person(session, conversation, now, reason)
    if not started:
        await customer_waits(conversation, now)
    if not started and customer.topic_id is not None:
        return
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None and customer.id is not None
    staff_l10n = services.translations.get(services.settings.app.staff_language)
    card = context_card(staff_l10n, customer, await open_tickets(session, customer.id), reason)
    if detail:
        card += "\n" + staff_l10n("staff-context-detail", detail=detail)
    await post_in_topic(
        bot,
        services,
        session,
        customer,
        conversation,
        lambda topic: bot.send_message(staff_chat, card, message_thread_id=topic),
    )


async def relay_to_topic(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    reason: str,
) -> None:
    """Hand the conversation to staff and copy the customer's message into their topic."""
    await open_handoff(bot, services, session, customer, conversation, reason)
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None
    await post_in_topic(
        bot,
        services,
        session,
        customer,
        conversation,
        lambda topic: bot.copy_message(
            staff_chat, message.chat.id, message.message_id, message_thread_id=topic
        ),
    )

"""Bring a person in: open the handoff, brief staff in the topic, copy what the customer sent."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.handoff import Waiting, hand_to_person
from bot.services.tickets import open_tickets
from bot.telegram.dates import promise_time
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
) -> Waiting:
    """Queue the conversation for staff and brief them in the topic when it starts."""
    now = services.clock()
    waiting = await hand_to_person(session, conversation, now, reason, services.promises)
    if not waiting.started and customer.topic_id is not None:
        return waiting
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None and customer.id is not None
    staff_l10n = services.translations.get(services.settings.app.staff_language)
    card = context_card(staff_l10n, customer, await open_tickets(session, customer.id), reason)
    if detail:
        card += "\n" + staff_l10n("staff-context-detail", detail=detail)
    if waiting.callback_due is not None:
        due = promise_time(waiting.callback_due, services.promises.schedule.tz, staff_l10n.language)
        card += "\n" + staff_l10n("staff-context-callback", due=due)
    await post_in_topic(
        bot,
        services,
        session,
        customer,
        conversation,
        lambda topic: bot.send_message(staff_chat, card, message_thread_id=topic),
    )
    return waiting


def after_hours_promise(services: Services, l10n: L10n, waiting: Waiting) -> str:
    """Tell an after-hours customer exactly when they will be contacted."""
    assert waiting.callback_due is not None
    due = promise_time(waiting.callback_due, services.promises.schedule.tz, l10n.language)
    return l10n("after-hours-promise", due=due)


def share_phone_keyboard(l10n: L10n) -> ReplyKeyboardMarkup:
    """A button to share the phone number, so staff can call instead of writing."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=l10n("callback-share-phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def relay_to_topic(
    message: Message,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    reason: str,
    l10n: L10n,
) -> Waiting:
    """Hand the conversation to staff, copy the message into the topic, keep the promise."""
    waiting = await open_handoff(bot, services, session, customer, conversation, reason)
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
    if waiting.new_promise:
        await message.answer(
            after_hours_promise(services, l10n, waiting), reply_markup=share_phone_keyboard(l10n)
        )
    return waiting

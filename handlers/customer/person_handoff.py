"""Bring a person in: open the handoff, brief staff in the topic, copy what the customer sent."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import CopyMessage, SendMessage
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.handoff import Waiting, hand_to_person
from bot.services.outbox_rows import has_pending, topic_lane
from bot.services.tickets import open_tickets
from bot.telegram.cards import context_card
from bot.telegram.dates import promise_time
from bot.telegram.outbox import queue_in_topic
from models import Conversation, Customer


async def open_handoff(
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
    assert customer.id is not None
    if not waiting.started and (
        customer.topic_id is not None or await has_pending(session, topic_lane(customer.id))
    ):
        return waiting  # staff were briefed when the handoff started
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None
    staff_l10n = services.staff_texts()
    card = context_card(staff_l10n, customer, await open_tickets(session, customer.id), reason)
    if detail:
        card += "\n" + staff_l10n("staff-context-detail", detail=detail)
    if waiting.callback_due is not None:
        due = promise_time(waiting.callback_due, services.promises.schedule.tz, staff_l10n.language)
        card += "\n" + staff_l10n("staff-context-callback", due=due)
    queue_in_topic(session, services, customer, SendMessage(chat_id=staff_chat, text=card))
    return waiting


def after_hours_promise(
    services: Services, l10n: L10n, waiting: Waiting, key: str = "after-hours-promise"
) -> str:
    """Tell an after-hours customer exactly when they will be contacted, in the text `key`."""
    assert waiting.callback_due is not None
    due = promise_time(waiting.callback_due, services.promises.schedule.tz, l10n.language)
    return l10n(key, due=due)


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
    waiting = await open_handoff(services, session, customer, conversation, reason)
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None
    copy = CopyMessage(
        chat_id=staff_chat, from_chat_id=message.chat.id, message_id=message.message_id
    )
    queue_in_topic(session, services, customer, copy)
    if waiting.new_promise:
        await message.answer(
            after_hours_promise(services, l10n, waiting), reply_markup=share_phone_keyboard(l10n)
        )
    return waiting

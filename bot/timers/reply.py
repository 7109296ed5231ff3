"""The 3-minute promise and the morning callback promise, when they are broken."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.utils.formatting import Text
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.deadlines import set_deadline
from bot.services.events import log_event
from bot.services.handoff import escalate
from bot.services.rules import REPLY_SECOND, conversation_subject
from bot.telegram.alerts import alert_managers
from bot.telegram.dates import promise_time
from bot.telegram.outbox import queue_in_topic, queue_to_chat
from bot.timers.people import duty_mentions
from models import Conversation, ConversationStatus, Customer, Deadline

logger = logging.getLogger(__name__)


async def _subject(
    session: AsyncSession, deadline: Deadline
) -> tuple[Conversation, Customer] | None:
    conversation_id = int(deadline.subject.split(":", 1)[1])
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    customer = await session.get(Customer, conversation.customer_id)
    return (conversation, customer) if customer is not None else None


async def _still_waiting(
    session: AsyncSession, deadline: Deadline
) -> tuple[Conversation, Customer] | None:
    """The conversation and customer, if the customer still waits for a person."""
    found = await _subject(session, deadline)
    if found is None:
        return None
    conversation, _ = found
    if conversation.status != ConversationStatus.WAITING_STAFF or conversation.abusive:
        return None  # answered or closed meanwhile; the cancel lost the race by a hair
    return found


async def reply_overdue(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """Nobody answered in time: alert the topic and the managers, reassure the customer."""
    found = await _still_waiting(session, deadline)
    if found is None:
        return
    conversation, customer = found
    now = services.clock()
    l10n = services.staff_texts()
    waited = int((now - (conversation.waiting_since or now)).total_seconds())
    await log_event(
        session,
        "reply_breach",
        now,
        conversation_id=conversation.id,
        customer_id=customer.id,
        data={
            "due_at": deadline.due_at.isoformat(),
            "waiting_since": str(conversation.waiting_since),
        },
    )
    await set_deadline(
        session,
        REPLY_SECOND,
        conversation_subject(conversation.id),
        now + timedelta(seconds=services.promises.second_alert_seconds),
        now,
    )
    staff_chat = services.settings.telegram.staff_chat_id
    if staff_chat is not None:
        alert = Text(
            l10n("alert-reply-topic", minutes=_minutes(waited)),
            " ",
            await duty_mentions(session, l10n),
        )
        queue_in_topic(
            session, services, customer, SendMessage(chat_id=staff_chat, **alert.as_kwargs())
        )
    await alert_managers(
        services, session, "alert-reply-manager", customer=customer, minutes=_minutes(waited)
    )
    customer_l10n = services.translations.get(customer.language)
    # Queued like the alerts, so the sweep never waits for Telegram; a customer who blocked
    # the bot only makes that one row fail.
    holding = SendMessage(chat_id=customer.telegram_id, text=customer_l10n("reply-holding"))
    queue_to_chat(session, services, holding)


async def reply_still_overdue(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """Still unanswered after another period: a louder alert to the managers."""
    found = await _still_waiting(session, deadline)
    if found is None:
        return
    conversation, customer = found
    now = services.clock()
    waited = int((now - (conversation.waiting_since or now)).total_seconds())
    await log_event(
        session,
        "reply_breach_second",
        now,
        conversation_id=conversation.id,
        customer_id=customer.id,
    )
    await escalate(session, conversation, now, "reply_breach")
    await alert_managers(
        services,
        session,
        "alert-reply-manager-second",
        customer=customer,
        minutes=_minutes(waited),
    )


async def callback_missed(
    session: AsyncSession, deadline: Deadline, services: Services, bot: Bot
) -> None:
    """The morning callback promise was not kept: tell the managers and record the breach."""
    found = await _subject(session, deadline)
    if found is None:
        return
    conversation, customer = found
    now = services.clock()
    await log_event(
        session,
        "callback_breach",
        now,
        conversation_id=conversation.id,
        customer_id=customer.id,
        data={"due_at": deadline.due_at.isoformat()},
    )
    await escalate(session, conversation, now, "callback_missed")
    l10n = services.staff_texts()
    due = promise_time(deadline.due_at, services.promises.schedule.tz, l10n.language)
    await alert_managers(
        services,
        session,
        "alert-callback-missed",
        customer=customer,
        due=due,
        phone=customer.phone or "—",
    )


def _minutes(seconds: int) -> str:
    """Render a wait as minutes and seconds, e.g. 3:05."""
    return f"{seconds // 60}:{seconds % 60:02d}"

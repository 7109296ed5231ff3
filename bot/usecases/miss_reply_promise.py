"""The reply promise missed: alert the topic and managers, reassure the customer; then louder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.deadlines import set_deadline
from bot.services.events import log_event
from bot.services.handoff import escalate
from bot.services.rules import REPLY_SECOND, conversation_subject
from bot.telegram.alerts import alert_duty_in_topic, alert_managers
from bot.telegram.outbox import queue_to_chat, text_message
from models import Conversation, ConversationStatus, Customer


@dataclass(frozen=True)
class Missed:
    """A broken reply promise: how long the customer has waited, how many managers were told."""

    waited_seconds: int
    managers: int


def still_waiting(conversation: Conversation) -> bool:
    """Whether the customer still waits for a person (a reply or a close may win the race)."""
    return conversation.status == ConversationStatus.WAITING_STAFF and not conversation.abusive


async def miss_reply_promise(
    session: AsyncSession,
    services: Services,
    conversation: Conversation,
    customer: Customer,
    due_at: datetime,
    now: datetime,
) -> Missed | None:
    """Nobody answered in time: record the breach, plan the second alert, tell everyone once."""
    if not still_waiting(conversation):
        return None
    waited = _waited(conversation, now)
    await log_event(
        session,
        "reply_breach",
        now,
        conversation_id=conversation.id,
        customer_id=customer.id,
        data={"due_at": due_at.isoformat(), "waiting_since": str(conversation.waiting_since)},
    )
    await set_deadline(
        session,
        REPLY_SECOND,
        conversation_subject(conversation.id),
        now + timedelta(seconds=services.promises.second_alert_seconds),
        now,
    )
    l10n = services.staff_texts()
    await alert_duty_in_topic(
        services, session, customer, l10n("alert-reply-topic", minutes=_minutes(waited))
    )
    managers = await alert_managers(
        services, session, "alert-reply-manager", customer=customer, minutes=_minutes(waited)
    )
    customer_l10n = services.translations.get(customer.language)
    # Queued like the alerts, so the sweep never waits for Telegram; a customer who blocked
    # the bot only makes that one row fail.
    holding = text_message(customer.telegram_id, customer_l10n("reply-holding"))
    queue_to_chat(session, services, holding)
    return Missed(waited, managers)


async def miss_reply_promise_again(
    session: AsyncSession,
    services: Services,
    conversation: Conversation,
    customer: Customer,
    now: datetime,
) -> Missed | None:
    """Still unanswered after the second period: escalate, a louder alert to the managers."""
    if not still_waiting(conversation):
        return None
    waited = _waited(conversation, now)
    await log_event(
        session,
        "reply_breach_second",
        now,
        conversation_id=conversation.id,
        customer_id=customer.id,
    )
    await escalate(session, conversation, now, "reply_breach")
    managers = await alert_managers(
        services,
        session,
        "alert-reply-manager-second",
        customer=customer,
        minutes=_minutes(waited),
    )
    return Missed(waited, managers)


def _waited(conversation: Conversation, now: datetime) -> int:
    return int((now - (conversation.waiting_since or now)).total_seconds())


def _minutes(seconds: int) -> str:
    """Render a wait as minutes and seconds, e.g. 3:05."""
    return f"{seconds // 60}:{seconds % 60:02d}"
